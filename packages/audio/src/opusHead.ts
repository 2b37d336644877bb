import { OggError } from './errors.js';

/**
 * The two Opus header packets of an Ogg Opus stream (RFC 7845 §5). OpusHead, little-endian:
 *   0 "OpusHead" | 8 version (1) | 9 channels | 10 pre-skip (u16) | 12 input rate (u32)
 *   | 16 output gain (s16, Q7.8 dB) | 18 mapping family | family != 0: 19 streams, 20 coupled, 21.. mapping
 * OpusTags: "OpusTags" | vendor length (u32) | vendor | count (u32) | count × (length (u32) | "KEY=value")
 */
export interface OpusHead {
  readonly version: number;
  readonly channels: number;
  /** Samples (48 kHz) to drop from the start of decoded output. */
  readonly preSkip: number;
  /** Informational only: the rate of the original input. */
  readonly inputSampleRate: number;
  readonly outputGain: number;
  readonly mappingFamily: number;
  /** Present when mappingFamily is not 0. */
  readonly mapping?: { readonly streams: number; readonly coupled: number; readonly table: Uint8Array };
}

export interface OpusTags {
  readonly vendor: string;
  readonly comments: readonly string[];
}

const HEAD_MAGIC = 'OpusHead';
const TAGS_MAGIC = 'OpusTags';
const text = new TextDecoder();
const utf8 = new TextEncoder();

function hasMagic(packet: Uint8Array, magic: string): boolean {
  if (packet.length < 8) return false;
  for (let i = 0; i < 8; i++) if (packet[i] !== magic.charCodeAt(i)) return false;
  return true;
}

export function isOpusHead(packet: Uint8Array): boolean {
  return hasMagic(packet, HEAD_MAGIC);
}

export function isOpusTags(packet: Uint8Array): boolean {
  return hasMagic(packet, TAGS_MAGIC);
}

export function parseOpusHead(packet: Uint8Array): OpusHead | OggError {
  if (!isOpusHead(packet) || packet.length < 19)
    return new OggError('OGG_BAD_OPUS_HEAD', 'not an OpusHead packet');
  const view = new DataView(packet.buffer, packet.byteOffset, packet.length);
  const version = packet[8]!;
  // §5.1: the major version is the upper four bits; only major 0 is defined.
  if (version >> 4 !== 0)
    return new OggError('OGG_BAD_OPUS_HEAD', `OpusHead version ${version} not supported`);
  const channels = packet[9]!;
  if (channels === 0) return new OggError('OGG_BAD_OPUS_HEAD', 'OpusHead with 0 channels');
  const mappingFamily = packet[18]!;
  const head = {
    version,
    channels,
    preSkip: view.getUint16(10, true),
    inputSampleRate: view.getUint32(12, true),
    outputGain: view.getInt16(16, true),
    mappingFamily,
  };
  if (mappingFamily === 0) {
    if (channels > 2) return new OggError('OGG_BAD_OPUS_HEAD', `mapping family 0 with ${channels} channels`);
    return head;
  }
  if (packet.length < 21 + channels)
    return new OggError('OGG_BAD_OPUS_HEAD', 'OpusHead channel mapping truncated');
  return {
    ...head,
    mapping: { streams: packet[19]!, coupled: packet[20]!, table: packet.slice(21, 21 + channels) },
  };
}

export function writeOpusHead(head: Partial<OpusHead> & { readonly channels: number }): Uint8Array {
  const family = head.mappingFamily ?? 0;
  const out = new Uint8Array(family === 0 ? 19 : 21 + head.channels);
  out.set(utf8.encode(HEAD_MAGIC));
  const view = new DataView(out.buffer);
  out[8] = head.version ?? 1;
  out[9] = head.channels;
  view.setUint16(10, head.preSkip ?? 0, true);
  view.setUint32(12, head.inputSampleRate ?? 48_000, true);
  view.setInt16(16, head.outputGain ?? 0, true);
  out[18] = family;
  if (family !== 0 && head.mapping) {
    out[19] = head.mapping.streams;
    out[20] = head.mapping.coupled;
    out.set(head.mapping.table, 21);
  }
  return out;
}

export function parseOpusTags(packet: Uint8Array): OpusTags | OggError {
  const bad = (why: string) => new OggError('OGG_BAD_OPUS_TAGS', `OpusTags ${why}`);
  if (!isOpusTags(packet)) return bad('magic missing');
  const view = new DataView(packet.buffer, packet.byteOffset, packet.length);
  let at = 8;
  const field = (): string | null => {
    if (at + 4 > packet.length) return null;
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > packet.length) return null;
    const value = text.decode(packet.subarray(at, at + length));
    at += length;
    return value;
  };
  const vendor = field();
  if (vendor === null) return bad('vendor string truncated');
  if (at + 4 > packet.length) return bad('comment count missing');
  const count = view.getUint32(at, true);
  at += 4;
  const comments: string[] = [];
  for (let i = 0; i < count; i++) {
    const comment = field();
    if (comment === null) return bad(`comment ${i} truncated`);
    comments.push(comment);
  }
  return { vendor, comments };
}

export function writeOpusTags(tags: OpusTags): Uint8Array {
  const parts = [utf8.encode(tags.vendor), ...tags.comments.map((c) => utf8.encode(c))];
  const out = new Uint8Array(8 + 4 + 4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  out.set(utf8.encode(TAGS_MAGIC));
  let at = 8;
  const put = (p: Uint8Array) => {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  };
  put(parts[0]!);
  view.setUint32(at, tags.comments.length, true);
  at += 4;
  for (const p of parts.slice(1)) put(p);
  return out;
}
