/**
 * Unsigned LEB128 as DAVE uses it for the truncated nonce and the unencrypted ranges
 * (libdave cpp/src/utils/leb128.cpp, WebRTC's encoding): 7 bits a byte, low group first,
 * 0x80 = more bytes follow. The reader gives up after 10 bytes like libdave; values that do not fit
 * a JavaScript safe integer are rejected too (no valid DAVE field comes near 2^53).
 */

export const LEB128_MAX_BYTES = 10;

export function leb128Size(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes `value` at `offset` and returns the offset just past it. The caller sized `out`. */
export function writeLeb128(value: number, out: Uint8Array, offset: number): number {
  while (value >= 0x80) {
    out[offset++] = 0x80 | (value & 0x7f);
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/**
 * Reads one value from `buf[offset, end)`. Returns the value and stores the offset after it in
 * `cursor.offset`, or returns -1 (cursor untouched) when the bytes end first, the encoding runs past
 * 10 bytes, or the value is not a safe integer. A cursor object is passed in so the hot path does not
 * allocate a result per read.
 */
export function readLeb128(buf: Uint8Array, offset: number, end: number, cursor: { offset: number }): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < LEB128_MAX_BYTES && offset + i < end; i++) {
    const byte = buf[offset + i]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) return -1;
      cursor.offset = offset + i + 1;
      return value;
    }
    scale *= 128;
  }
  return -1;
}
