// Helpers shared by the zstd framing tests: they read a zstd frame the way RFC 8878 lays it out.
import { expect } from 'vitest';

export const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Walks one frame's structure (RFC 8878 3.1.1) and returns its block headers. */
export function blocksOf(frame: Uint8Array): Array<{ last: boolean; type: number; size: number }> {
  expect([...frame.subarray(0, 4)]).toEqual(ZSTD_MAGIC);
  const fhd = frame[4]!;
  expect(fhd >> 6).toBe(0); // no Frame_Content_Size field
  expect((fhd >> 5) & 1).toBe(0); // Single_Segment off, so a Window_Descriptor follows
  expect(fhd & 0b111).toBe(0); // no checksum, no dictionary
  expect(frame[5]).toBe(0x38); // 2^17 = 128 KiB window
  const blocks: Array<{ last: boolean; type: number; size: number }> = [];
  let at = 6;
  while (at < frame.length) {
    const h = frame[at]! | (frame[at + 1]! << 8) | (frame[at + 2]! << 16);
    const block = { last: (h & 1) === 1, type: (h >> 1) & 3, size: h >>> 3 };
    blocks.push(block);
    at += 3 + (block.type === 1 ? 1 : block.size);
    if (block.last) break;
  }
  expect(at).toBe(frame.length);
  return blocks;
}
