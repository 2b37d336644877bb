import { OggError } from './errors.js';
import { isOpusHead, type OpusHead, type OpusTags, parseOpusHead, parseOpusTags } from './opusHead.js';
import { findCapture, type OggPage, readOggPage } from './oggPage.js';

/**
 * A streaming Ogg Opus demuxer, sans-IO: push bytes in any chunking, get events out.
 *
 * - One Opus logical stream at a time; a new one after an end-of-stream page (a chained stream,
 *   RFC 7845 §3) starts over with a new `head` event. Other codecs' streams are skipped.
 * - Packets spanning pages (lacing value 255 at the end of a page, "continued" flag on the next)
 *   are joined. `granule` is set on the last packet that ends on a page, as the page gives it.
 * - Bad input never throws: a page with a bad CRC or header is reported as an `error` event and
 *   the demuxer resyncs on the next "OggS"; a packet cut by a lost page is dropped and reported.
 *   Memory stays bounded: at most one page of unparsed input and one packet (`maxPacketBytes`).
 */
export type OggOpusEvent =
  | { readonly type: 'head'; readonly serial: number; readonly head: OpusHead }
  | { readonly type: 'tags'; readonly serial: number; readonly tags: OpusTags }
  | {
      readonly type: 'packet';
      readonly serial: number;
      readonly packet: Uint8Array;
      /** The page's granule position when this is the last packet ending on its page, else null. */
      readonly granule: bigint | null;
    }
  | { readonly type: 'end'; readonly serial: number; readonly granule: bigint }
  | { readonly type: 'error'; readonly error: OggError };

export interface OggDemuxerOptions {
  /** The largest packet joined across pages (OpusTags with cover art can be large). Default 8 MiB. */
  readonly maxPacketBytes?: number;
}

export interface OggDemuxerStats {
  readonly pages: number;
  readonly packets: number;
  /** Pages rejected (bad CRC or header) and junk runs skipped while resyncing. */
  readonly corruptPages: number;
  /** Packets lost because a page they spanned was missing or corrupt. */
  readonly droppedPackets: number;
}

interface LogicalStream {
  readonly serial: number;
  phase: 'head' | 'tags' | 'audio' | 'ignored';
  nextSequence: number;
  partial: Uint8Array[];
  partialBytes: number;
  /** The previous page's packet data was cut off (lost page): drop the continuation. */
  skipContinuation: boolean;
}

export class OggOpusDemuxer {
  readonly #maxPacketBytes: number;
  #pending: Uint8Array = new Uint8Array(0);
  #streams = new Map<number, LogicalStream>();
  /** The serial of the Opus stream being delivered, once its head was seen. */
  #active: number | null = null;
  #inJunk = false;
  #pages = 0;
  #packets = 0;
  #corrupt = 0;
  #dropped = 0;

  constructor(options: OggDemuxerOptions = {}) {
    this.#maxPacketBytes = options.maxPacketBytes ?? 8 * 1024 * 1024;
  }

  get stats(): OggDemuxerStats {
    return {
      pages: this.#pages,
      packets: this.#packets,
      corruptPages: this.#corrupt,
      droppedPackets: this.#dropped,
    };
  }

  push(chunk: Uint8Array): OggOpusEvent[] {
    const out: OggOpusEvent[] = [];
    this.#parse(chunk, false, out);
    return out;
  }

  /**
   * Parse what is pending plus `chunk`. `final`: no more input will come, so a page that claims
   * more bytes than remain is corrupt (e.g. a damaged lacing value): skip past it and resync.
   */
  #parse(chunk: Uint8Array, final: boolean, out: OggOpusEvent[]): void {
    let bytes: Uint8Array;
    if (this.#pending.length === 0) bytes = chunk;
    else {
      bytes = new Uint8Array(this.#pending.length + chunk.length);
      bytes.set(this.#pending);
      bytes.set(chunk, this.#pending.length);
    }
    let at = 0;
    while (at < bytes.length) {
      const capture = findCapture(bytes, at);
      if (capture < 0) {
        // Keep a tail that might be the start of "OggS"; the rest is junk.
        const keep = Math.min(3, bytes.length - at);
        if (bytes.length - keep > at) this.#junk(out, bytes.length - keep - at);
        at = bytes.length - keep;
        break;
      }
      if (capture > at) this.#junk(out, capture - at);
      at = capture;
      const read = readOggPage(bytes, at);
      if (read.kind === 'short') {
        if (!final) break;
        this.#corrupt++;
        this.#inJunk = true;
        out.push({
          type: 'error',
          error: new OggError('OGG_TRUNCATED', `input ended inside a page (${bytes.length - at} bytes left)`),
        });
        at += 1;
        continue;
      }
      if (read.kind === 'error') {
        this.#corrupt++;
        this.#inJunk = true;
        out.push({ type: 'error', error: read.error });
        at += 1;
        continue;
      }
      this.#inJunk = false;
      this.#pages++;
      this.#page(read.page, out);
      at += read.length;
    }
    this.#pending = final ? new Uint8Array(0) : bytes.slice(at);
  }

  /** The input ended: report a cut-off page or packet. */
  end(): OggOpusEvent[] {
    const out: OggOpusEvent[] = [];
    if (this.#pending.length > 0) this.#parse(new Uint8Array(0), true, out);
    for (const stream of this.#streams.values()) {
      if (stream.partialBytes > 0) {
        this.#dropped++;
        out.push({ type: 'error', error: new OggError('OGG_TRUNCATED', 'input ended inside a packet') });
      }
    }
    this.#streams.clear();
    this.#active = null;
    return out;
  }

  #junk(out: OggOpusEvent[], length: number): void {
    if (this.#inJunk) return;
    this.#inJunk = true;
    this.#corrupt++;
    out.push({
      type: 'error',
      error: new OggError('OGG_BAD_PAGE', `skipped ${length} bytes that are not an Ogg page`),
    });
  }

  #page(page: OggPage, out: OggOpusEvent[]): void {
    let stream = this.#streams.get(page.serial);
    if (page.bos) {
      stream = {
        serial: page.serial,
        // A second stream while one is playing is a multiplexed one (video, another track): skip it.
        phase: this.#active === null ? 'head' : 'ignored',
        nextSequence: page.sequence,
        partial: [],
        partialBytes: 0,
        skipContinuation: false,
      };
      this.#streams.set(page.serial, stream);
    }
    if (!stream) {
      // A page of a stream whose first page we never saw: nothing to decode it with.
      if (this.#active === null) this.#dropped++;
      return;
    }
    if (page.sequence !== stream.nextSequence) {
      out.push({
        type: 'error',
        error: new OggError(
          'OGG_PAGE_GAP',
          `page ${page.sequence} of stream ${page.serial} follows page ${stream.nextSequence - 1}`,
        ),
      });
      if (stream.partialBytes > 0) this.#dropPartial(stream);
      stream.skipContinuation = true;
    }
    stream.nextSequence = (page.sequence + 1) >>> 0;
    if (!page.continued) {
      if (stream.partialBytes > 0) {
        out.push({
          type: 'error',
          error: new OggError('OGG_BAD_PAGE', 'a packet was left unfinished by its page'),
        });
        this.#dropPartial(stream);
      }
      stream.skipContinuation = false;
    } else if (stream.partialBytes === 0) {
      // Continues a packet whose start we never got.
      stream.skipContinuation = true;
    }
    const completed: Uint8Array[] = [];
    let start = 0;
    let offset = 0;
    for (let i = 0; i < page.lacing.length; i++) {
      const lace = page.lacing[i]!;
      offset += lace;
      if (lace === 255) continue;
      const piece = page.body.subarray(start, offset);
      start = offset;
      if (stream.skipContinuation) {
        stream.skipContinuation = false;
        this.#dropped++;
        continue;
      }
      if (stream.partialBytes > 0) {
        stream.partial.push(piece);
        completed.push(concat(stream.partial, stream.partialBytes + piece.length));
        stream.partial = [];
        stream.partialBytes = 0;
      } else completed.push(piece.slice());
    }
    if (start < offset) {
      // The last packet continues on the next page.
      if (!stream.skipContinuation) {
        const piece = page.body.subarray(start, offset);
        if (stream.partialBytes + piece.length > this.#maxPacketBytes) {
          out.push({
            type: 'error',
            error: new OggError(
              'OGG_PACKET_TOO_LARGE',
              `packet exceeds ${this.#maxPacketBytes} bytes; dropped`,
            ),
          });
          this.#dropPartial(stream);
          stream.skipContinuation = true;
        } else {
          stream.partial.push(piece.slice());
          stream.partialBytes += piece.length;
        }
      }
    }
    for (let i = 0; i < completed.length; i++) {
      const granule = i === completed.length - 1 && page.granule !== -1n ? page.granule : null;
      this.#packet(stream, completed[i]!, granule, out);
    }
    if (page.eos) {
      if (stream.phase === 'audio' || stream.phase === 'tags') {
        out.push({ type: 'end', serial: stream.serial, granule: page.granule });
      }
      if (this.#active === stream.serial) this.#active = null;
      this.#streams.delete(stream.serial);
    }
  }

  #packet(stream: LogicalStream, packet: Uint8Array, granule: bigint | null, out: OggOpusEvent[]): void {
    switch (stream.phase) {
      case 'ignored':
        return;
      case 'head': {
        if (!isOpusHead(packet)) {
          stream.phase = 'ignored';
          return;
        }
        const head = parseOpusHead(packet);
        if (head instanceof OggError) {
          stream.phase = 'ignored';
          out.push({ type: 'error', error: head });
          return;
        }
        stream.phase = 'tags';
        this.#active = stream.serial;
        out.push({ type: 'head', serial: stream.serial, head });
        return;
      }
      case 'tags': {
        stream.phase = 'audio';
        const tags = parseOpusTags(packet);
        if (tags instanceof OggError) out.push({ type: 'error', error: tags });
        else out.push({ type: 'tags', serial: stream.serial, tags });
        return;
      }
      case 'audio':
        this.#packets++;
        out.push({ type: 'packet', serial: stream.serial, packet, granule });
    }
  }

  #dropPartial(stream: LogicalStream): void {
    stream.partial = [];
    stream.partialBytes = 0;
    this.#dropped++;
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Demux a whole buffer at once (tests, small files). */
export function demuxOggOpus(bytes: Uint8Array, options?: OggDemuxerOptions): OggOpusEvent[] {
  const demuxer = new OggOpusDemuxer(options);
  return [...demuxer.push(bytes), ...demuxer.end()];
}
