/**
 * The split a codec makes of a frame before encryption (libdave OutboundFrameProcessor): bytes left
 * in the clear (which may be rewritten, e.g. H.26x start codes), bytes to encrypt, and where the clear
 * bytes sit in the output. Buffers grow and are reused across frames.
 */
import type { RangeList } from '../frameCodec.js';

export class OutboundFrame {
  unencrypted: Uint8Array = new Uint8Array(256);
  unencryptedLength = 0;
  encrypted: Uint8Array = new Uint8Array(256);
  encryptedLength = 0;
  readonly ranges: RangeList = [];
  /** Length of the rewritten media part so far. */
  length = 0;

  reset(capacity: number): void {
    if (this.unencrypted.length < capacity) this.unencrypted = new Uint8Array(capacity);
    if (this.encrypted.length < capacity) this.encrypted = new Uint8Array(capacity);
    this.unencryptedLength = 0;
    this.encryptedLength = 0;
    this.ranges.length = 0;
    this.length = 0;
  }

  addUnencrypted(source: Uint8Array, start: number, end: number): void {
    const size = end - start;
    if (size <= 0) return;
    const ranges = this.ranges;
    const last = ranges.length - 2;
    if (last >= 0 && ranges[last]! + ranges[last + 1]! === this.length) ranges[last + 1]! += size;
    else ranges.push(this.length, size);
    this.unencrypted = ensure(this.unencrypted, this.unencryptedLength + size);
    this.unencrypted.set(source.subarray(start, end), this.unencryptedLength);
    this.unencryptedLength += size;
    this.length += size;
  }

  addEncrypted(source: Uint8Array, start: number, end: number): void {
    const size = end - start;
    if (size <= 0) return;
    this.encrypted = ensure(this.encrypted, this.encryptedLength + size);
    this.encrypted.set(source.subarray(start, end), this.encryptedLength);
    this.encryptedLength += size;
    this.length += size;
  }

  /** Fallback for unknown codecs and parse errors: the whole frame is encrypted, nothing rewritten. */
  encryptWhole(frame: Uint8Array): void {
    this.reset(frame.length);
    this.addEncrypted(frame, 0, frame.length);
  }
}

function ensure(buffer: Uint8Array, needed: number): Uint8Array {
  if (buffer.length >= needed) return buffer;
  const grown = new Uint8Array(Math.max(needed, buffer.length * 2));
  grown.set(buffer);
  return grown;
}
