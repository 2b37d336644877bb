import { OggError } from './errors.js';
import { oggCrc32 } from './oggCrc.js';

/**
 * One Ogg page (RFC 3533 §6). Layout, little-endian:
 *   0 "OggS" | 4 version (0) | 5 header type | 6 granule position (u64) | 14 serial (u32)
 *   | 18 page sequence (u32) | 22 CRC (u32) | 26 segment count | 27 lacing values | body
 * A packet is a run of lacing values of 255 ended by one below 255; a run that reaches the end of
 * the page continues on the next page, which then sets the "continued" flag.
 */
export const OGG_CAPTURE = Uint8Array.of(0x4f, 0x67, 0x67, 0x53); // "OggS"
export const OGG_HEADER_LENGTH = 27;
/** The largest page: 255 lacing values of 255 bytes each. */
export const OGG_MAX_PAGE_LENGTH = OGG_HEADER_LENGTH + 255 + 255 * 255;
/** Granule position -1: no packet ends on this page (RFC 3533 §6). */
export const OGG_NO_GRANULE = -1n;

export const OGG_FLAG_CONTINUED = 0x01;
export const OGG_FLAG_BOS = 0x02;
export const OGG_FLAG_EOS = 0x04;

export interface OggPage {
  readonly continued: boolean;
  readonly bos: boolean;
  readonly eos: boolean;
  /** Signed 64-bit; -1 when no packet ends on the page. */
  readonly granule: bigint;
  readonly serial: number;
  readonly sequence: number;
  /** Lacing values, one per segment. */
  readonly lacing: Uint8Array;
  readonly body: Uint8Array;
}

export type OggPageRead =
  | { readonly kind: 'page'; readonly page: OggPage; readonly length: number }
  /** Not enough bytes yet for a whole page at this offset. */
  | { readonly kind: 'short' }
  | { readonly kind: 'error'; readonly error: OggError };

/** Read the page starting at `offset` (which must point at "OggS"). Never throws on input. */
export function readOggPage(bytes: Uint8Array, offset = 0): OggPageRead {
  const available = bytes.length - offset;
  if (available < OGG_HEADER_LENGTH) return { kind: 'short' };
  for (let i = 0; i < 4; i++) {
    if (bytes[offset + i] !== OGG_CAPTURE[i]) {
      return {
        kind: 'error',
        error: new OggError('OGG_BAD_PAGE', 'no "OggS" capture pattern at page start'),
      };
    }
  }
  const version = bytes[offset + 4]!;
  if (version !== 0) {
    return { kind: 'error', error: new OggError('OGG_BAD_PAGE', `Ogg page version ${version}, expected 0`) };
  }
  const type = bytes[offset + 5]!;
  if (type & 0xf8) {
    return {
      kind: 'error',
      error: new OggError('OGG_BAD_PAGE', `reserved header type bits set (0x${type.toString(16)})`),
    };
  }
  const segments = bytes[offset + 26]!;
  if (available < OGG_HEADER_LENGTH + segments) return { kind: 'short' };
  const lacingStart = offset + OGG_HEADER_LENGTH;
  let bodyLength = 0;
  for (let i = 0; i < segments; i++) bodyLength += bytes[lacingStart + i]!;
  const length = OGG_HEADER_LENGTH + segments + bodyLength;
  if (available < length) return { kind: 'short' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const stored = view.getUint32(22, true);
  const crc = oggCrc32(
    bytes.subarray(offset + 26, offset + length),
    oggCrc32(ZERO_CRC, oggCrc32(bytes.subarray(offset, offset + 22))),
  );
  if (crc !== stored) {
    return {
      kind: 'error',
      error: new OggError(
        'OGG_CRC_MISMATCH',
        `Ogg page CRC 0x${stored.toString(16)} does not match 0x${crc.toString(16)}`,
      ),
    };
  }
  const page: OggPage = {
    continued: (type & OGG_FLAG_CONTINUED) !== 0,
    bos: (type & OGG_FLAG_BOS) !== 0,
    eos: (type & OGG_FLAG_EOS) !== 0,
    granule: view.getBigInt64(6, true),
    serial: view.getUint32(14, true),
    sequence: view.getUint32(18, true),
    lacing: new Uint8Array(bytes.subarray(lacingStart, lacingStart + segments)),
    body: new Uint8Array(bytes.subarray(lacingStart + segments, offset + length)),
  };
  return { kind: 'page', page, length };
}

const ZERO_CRC = new Uint8Array(4);

/** Serialize a page, computing its CRC. The body must match the lacing values. */
export function writeOggPage(page: OggPage): Uint8Array {
  const segments = page.lacing.length;
  if (segments > 255) throw new OggError('INVALID_ARGUMENT', 'an Ogg page holds at most 255 segments');
  const out = new Uint8Array(OGG_HEADER_LENGTH + segments + page.body.length);
  out.set(OGG_CAPTURE, 0);
  out[5] =
    (page.continued ? OGG_FLAG_CONTINUED : 0) | (page.bos ? OGG_FLAG_BOS : 0) | (page.eos ? OGG_FLAG_EOS : 0);
  const view = new DataView(out.buffer);
  view.setBigInt64(6, page.granule, true);
  view.setUint32(14, page.serial >>> 0, true);
  view.setUint32(18, page.sequence >>> 0, true);
  out[26] = segments;
  out.set(page.lacing, OGG_HEADER_LENGTH);
  out.set(page.body, OGG_HEADER_LENGTH + segments);
  view.setUint32(22, oggCrc32(out), true);
  return out;
}

/** Index of the next "OggS" at or after `from`, or -1. */
export function findCapture(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 4 <= bytes.length; i++) {
    if (bytes[i] === 0x4f && bytes[i + 1] === 0x67 && bytes[i + 2] === 0x67 && bytes[i + 3] === 0x53)
      return i;
  }
  return -1;
}
