/**
 * The DAVE media frame layout (research/dave.md 4; libdave frame_processors.cpp):
 *
 *   media bytes (unencrypted ranges in place, ciphertext elsewhere)
 *   | 8-byte truncated AES-GCM tag | ULEB128 truncated nonce | ULEB128 (offset, size) pairs
 *   | u8 supplemental size (tag through marker) | 0xFA 0xFA
 *
 * Pure functions over Uint8Array. The parser fills a caller-owned {@link ParsedFrame} so the receive
 * path allocates nothing to read a frame.
 */
import { TAG_BYTES } from './cryptor.js';
import { DaveFrameErrorCode } from './frameErrors.js';
import { leb128Size, readLeb128, writeLeb128 } from './leb128.js';

export const MARKER_BYTE = 0xfa;
/** Tag + size byte + marker: the smallest possible trailer (libdave kSupplementalBytes). */
export const MIN_SUPPLEMENTAL_BYTES = TAG_BYTES + 1 + 2;
/** libdave GetMaxCiphertextByteSize: frame + trailer + 64 bytes of transform padding. */
export const MAX_FRAME_EXPANSION = MIN_SUPPLEMENTAL_BYTES + 64;

/** Flat list of unencrypted ranges: offsets at even indices, sizes at odd ones. */
export type RangeList = number[];

export class ParsedFrame {
  /** End of the media part: where the tag starts. */
  mediaEnd = 0;
  truncatedNonce = 0;
  readonly ranges: RangeList = [];
  /** Bytes covered by the ranges (the AAD length). */
  unencryptedBytes = 0;
}

export type FrameParseFailure =
  | typeof DaveFrameErrorCode.TOO_SHORT
  | typeof DaveFrameErrorCode.NO_MARKER
  | typeof DaveFrameErrorCode.BAD_SUPPLEMENTAL_SIZE
  | typeof DaveFrameErrorCode.BAD_NONCE
  | typeof DaveFrameErrorCode.BAD_RANGES;

const cursor = { offset: 0 };

/**
 * Checks that `frame` is a DAVE protocol frame and reads its trailer into `out`. Returns null on
 * success or the failed check. Stricter than libdave in two places, both impossible for a real
 * encryptor: nonces wider than 32 bits are refused (libdave truncates them) and ranges must end inside
 * the media part (libdave lets them reach into the trailer).
 */
export function parseFrame(frame: Uint8Array, out: ParsedFrame): FrameParseFailure | null {
  const length = frame.length;
  if (length < MIN_SUPPLEMENTAL_BYTES) return DaveFrameErrorCode.TOO_SHORT;
  if (frame[length - 1] !== MARKER_BYTE || frame[length - 2] !== MARKER_BYTE)
    return DaveFrameErrorCode.NO_MARKER;
  const supplemental = frame[length - 3]!;
  if (supplemental < MIN_SUPPLEMENTAL_BYTES || supplemental > length)
    return DaveFrameErrorCode.BAD_SUPPLEMENTAL_SIZE;

  const mediaEnd = length - supplemental;
  const sizeByteIndex = length - 3;
  const nonce = readLeb128(frame, mediaEnd + TAG_BYTES, sizeByteIndex, cursor);
  if (nonce < 0 || nonce > 0xffffffff) return DaveFrameErrorCode.BAD_NONCE;

  const ranges = out.ranges;
  ranges.length = 0;
  let at = cursor.offset;
  let previousEnd = 0;
  let covered = 0;
  while (at < sizeByteIndex) {
    const offset = readLeb128(frame, at, sizeByteIndex, cursor);
    if (offset < 0) return DaveFrameErrorCode.BAD_RANGES;
    const size = readLeb128(frame, cursor.offset, sizeByteIndex, cursor);
    if (size < 0) return DaveFrameErrorCode.BAD_RANGES;
    at = cursor.offset;
    // Ascending, non-overlapping, inside the media part (libdave ValidateUnencryptedRanges).
    if (offset < previousEnd || offset + size > mediaEnd) return DaveFrameErrorCode.BAD_RANGES;
    previousEnd = offset + size;
    covered += size;
    ranges.push(offset, size);
  }

  out.mediaEnd = mediaEnd;
  out.truncatedNonce = nonce;
  out.unencryptedBytes = covered;
  return null;
}

/** Bytes the ULEB128 encoding of `ranges` takes. */
export function rangesSize(ranges: RangeList): number {
  let size = 0;
  for (let i = 0; i < ranges.length; i++) size += leb128Size(ranges[i]!);
  return size;
}

/** Writes nonce, ranges, size byte and marker after the tag; returns the frame's total length. */
export function writeTrailer(
  out: Uint8Array,
  tagOffset: number,
  truncatedNonce: number,
  ranges: RangeList,
): number {
  let at = writeLeb128(truncatedNonce, out, tagOffset + TAG_BYTES);
  for (let i = 0; i < ranges.length; i++) at = writeLeb128(ranges[i]!, out, at);
  out[at] = at + 3 - tagOffset;
  out[at + 1] = MARKER_BYTE;
  out[at + 2] = MARKER_BYTE;
  return at + 3;
}

/** Trailer length for a nonce and ranges (what the supplemental size byte will say). */
export function trailerSize(truncatedNonce: number, ranges: RangeList): number {
  return TAG_BYTES + leb128Size(truncatedNonce) + rangesSize(ranges) + 3;
}

/** Copies the range bytes of `frame` into `aad` (concatenated, in order). */
export function gatherRanges(frame: Uint8Array, ranges: RangeList, aad: Uint8Array): void {
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const offset = ranges[i]!;
    const size = ranges[i + 1]!;
    aad.set(frame.subarray(offset, offset + size), at);
    at += size;
  }
}

/** Copies the bytes of `frame[0, mediaEnd)` outside the ranges into `out` (concatenated, in order). */
export function gatherOutsideRanges(
  frame: Uint8Array,
  mediaEnd: number,
  ranges: RangeList,
  out: Uint8Array,
): void {
  let at = 0;
  let position = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const offset = ranges[i]!;
    if (offset > position) {
      out.set(frame.subarray(position, offset), at);
      at += offset - position;
    }
    position = offset + ranges[i + 1]!;
  }
  if (mediaEnd > position) out.set(frame.subarray(position, mediaEnd), at);
}

/**
 * Interleaves `rangeBytes` (at the range positions) and `otherBytes` (everywhere else) into
 * `out[0, mediaLength)` (libdave Reconstruct).
 */
export function interleave(
  ranges: RangeList,
  rangeBytes: Uint8Array,
  otherBytes: Uint8Array,
  out: Uint8Array,
  mediaLength: number,
): void {
  let position = 0;
  let fromRanges = 0;
  let fromOther = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const offset = ranges[i]!;
    const size = ranges[i + 1]!;
    if (offset > position) {
      out.set(otherBytes.subarray(fromOther, fromOther + offset - position), position);
      fromOther += offset - position;
    }
    out.set(rangeBytes.subarray(fromRanges, fromRanges + size), offset);
    fromRanges += size;
    position = offset + size;
  }
  if (mediaLength > position)
    out.set(otherBytes.subarray(fromOther, fromOther + mediaLength - position), position);
}

const probe = new ParsedFrame();

/**
 * True when `frame` has the shape of a DAVE protocol frame (marker, sizes, nonce and ranges all
 * parse). A receiver can use it to tell a sender that is not encrypting from a failed decryption.
 */
export function isProtocolFrame(frame: Uint8Array): boolean {
  return parseFrame(frame, probe) === null;
}
