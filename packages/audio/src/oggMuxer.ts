import { writeOpusHead, writeOpusTags, type OpusHead } from './opusHead.js';
import { OGG_NO_GRANULE, type OggPage, writeOggPage } from './oggPage.js';
import { opusPacketSamples } from './opusPacket.js';

/**
 * Writes one Ogg Opus logical stream (RFC 7845), sans-IO: every call returns the finished pages
 * as bytes. OpusHead goes alone on the first page (BOS), OpusTags starts the second; audio
 * packets follow, `packetsPerPage` to a page, split across pages when they need more than 255
 * lacing values. A page's granule position counts the samples of every packet that ended on or
 * before it, pre-skip included (§4: the decoder drops the first pre-skip samples, so playback
 * length is the last granule minus pre-skip); a page on which no packet ends gets -1. The last page carries EOS
 * and, when given, a smaller final granule that trims the end (§4.5).
 * A chained file is two muxers' outputs one after the other, with different serials.
 */
export interface OggOpusMuxerOptions {
  /** Logical stream serial number; default random. */
  readonly serial?: number;
  readonly channels?: number;
  /** Samples to skip at decode start: the encoder's lookahead (312 for libopus at 48 kHz). */
  readonly preSkip?: number;
  readonly inputSampleRate?: number;
  readonly outputGain?: number;
  readonly head?: OpusHead;
  readonly vendor?: string;
  readonly comments?: readonly string[];
  /** Packets per page; 50 (one second of 20 ms frames) keeps a live recording readable. */
  readonly packetsPerPage?: number;
}

export class OggOpusMuxer {
  readonly serial: number;
  readonly preSkip: number;
  readonly #head: Uint8Array;
  readonly #tags: Uint8Array;
  readonly #packetsPerPage: number;
  #sequence = 0;
  #started = false;
  #ended = false;
  /** Samples of every packet written so far (the pre-skip samples are among them). */
  #granule = 0n;
  // The page being filled.
  #lacing: number[] = [];
  #body: Uint8Array[] = [];
  #packetsOnPage = 0;
  #continued = false;
  #pageGranule = OGG_NO_GRANULE;
  /** A full page held back so that `end()` can mark it EOS instead of writing an empty page. */
  #ready: OggPage | null = null;

  constructor(options: OggOpusMuxerOptions = {}) {
    this.serial = (options.serial ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    const head = options.head ?? {
      version: 1,
      channels: options.channels ?? 2,
      preSkip: options.preSkip ?? 312,
      inputSampleRate: options.inputSampleRate ?? 48_000,
      outputGain: options.outputGain ?? 0,
      mappingFamily: 0,
    };
    this.preSkip = head.preSkip;
    this.#head = writeOpusHead(head);
    this.#tags = writeOpusTags({ vendor: options.vendor ?? 'cordwire', comments: options.comments ?? [] });
    this.#packetsPerPage = Math.max(1, options.packetsPerPage ?? 50);
  }

  /** The granule position after the last packet written. */
  get granule(): bigint {
    return this.#granule;
  }

  /** The two header pages; written automatically before the first packet. */
  header(): Uint8Array[] {
    if (this.#started) return [];
    this.#started = true;
    const out: Uint8Array[] = [
      writeOggPage({
        continued: false,
        bos: true,
        eos: false,
        granule: 0n,
        serial: this.serial,
        sequence: this.#sequence++,
        lacing: lacingOf(this.#head.length),
        body: this.#head,
      }),
    ];
    // OpusTags must end its own page (§5.2): audio starts on a fresh page with granule 0 rules.
    this.#append(this.#tags, out);
    this.#pageGranule = 0n;
    this.#closePage(out, false);
    this.#emitReady(out);
    return out;
  }

  /** Add one Opus packet; `samples` defaults to what its TOC byte says (RFC 6716 §3.1). */
  write(packet: Uint8Array, samples = opusPacketSamples(packet)): Uint8Array[] {
    if (this.#ended) throw new RangeError('OggOpusMuxer: write after end');
    const out = this.header();
    this.#emitReady(out);
    this.#append(packet, out);
    this.#granule += BigInt(samples);
    this.#pageGranule = this.#granule;
    this.#packetsOnPage++;
    if (this.#packetsOnPage >= this.#packetsPerPage) this.#closePage(out, true);
    return out;
  }

  /** Write out the page being filled now (a live recording that wants its data on disk). */
  flush(): Uint8Array[] {
    const out = this.header();
    this.#emitReady(out);
    if (this.#lacing.length > 0) this.#closePage(out, false);
    return out;
  }

  /**
   * The last page, with EOS. `finalGranule` (at most the current granule) trims the decoded end,
   * e.g. to keep an input file's exact length.
   */
  end(finalGranule?: bigint): Uint8Array[] {
    if (this.#ended) return [];
    const out = this.header();
    this.#ended = true;
    if (this.#lacing.length > 0) this.#closePage(out, true);
    const last = this.#ready ?? {
      continued: false,
      bos: false,
      eos: true,
      granule: this.#granule,
      serial: this.serial,
      sequence: this.#sequence++,
      lacing: new Uint8Array(0),
      body: new Uint8Array(0),
    };
    this.#ready = null;
    out.push(writeOggPage({ ...last, eos: true, granule: finalGranule ?? last.granule }));
    return out;
  }

  /** Lace `packet` onto the current page, closing full pages as it goes. */
  #append(packet: Uint8Array, out: Uint8Array[]): void {
    let at = 0;
    for (;;) {
      if (this.#lacing.length === 255) this.#closePage(out, false, true);
      const take = Math.min(255, packet.length - at);
      this.#lacing.push(take);
      this.#body.push(packet.subarray(at, at + take));
      at += take;
      if (take < 255) return;
    }
  }

  /**
   * Finish the current page. `hold`: keep it back (it may become the EOS page). `splitting`: the
   * page ends inside a packet, so the next page continues it.
   */
  #closePage(out: Uint8Array[], hold: boolean, splitting = false): void {
    this.#emitReady(out);
    const bodyLength = this.#body.reduce((n, b) => n + b.length, 0);
    const body = new Uint8Array(bodyLength);
    let at = 0;
    for (const b of this.#body) {
      body.set(b, at);
      at += b.length;
    }
    const page: OggPage = {
      continued: this.#continued,
      bos: false,
      eos: false,
      // No packet ended on a page that is all continuation (§4 / RFC 3533 §6).
      granule: splitting && this.#packetsOnPage === 0 ? OGG_NO_GRANULE : this.#pageGranule,
      serial: this.serial,
      sequence: this.#sequence++,
      lacing: Uint8Array.from(this.#lacing),
      body,
    };
    this.#lacing = [];
    this.#body = [];
    this.#packetsOnPage = 0;
    this.#continued = splitting;
    if (hold) this.#ready = page;
    else out.push(writeOggPage(page));
  }

  #emitReady(out: Uint8Array[]): void {
    if (this.#ready) out.push(writeOggPage(this.#ready));
    this.#ready = null;
  }
}

function lacingOf(length: number): Uint8Array {
  const lacing = new Uint8Array(Math.floor(length / 255) + 1);
  lacing.fill(255, 0, lacing.length - 1);
  lacing[lacing.length - 1] = length % 255;
  return lacing;
}
