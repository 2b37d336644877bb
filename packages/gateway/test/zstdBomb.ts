/**
 * A zstd frame made of RLE blocks (RFC 8878 3.1.1.2): each block is 4 bytes on the wire and
 * 128 KiB decompressed, so `blocks` blocks inflate to blocks * 128 KiB.
 */
export function zstdRleBomb(blocks: number): Uint8Array {
  const out = new Uint8Array(4 + 2 + blocks * 4);
  out.set([0x28, 0xb5, 0x2f, 0xfd], 0); // magic
  out[4] = 0x00; // frame header descriptor: no content size, not single segment, no checksum
  out[5] = 0x38; // window descriptor: exponent 7 -> 2^(10+7) = 128 KiB window
  const size = 128 * 1024;
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const header = last | (1 << 1) | (size << 3); // block type 1 = RLE
    const at = 6 + i * 4;
    out[at] = header & 0xff;
    out[at + 1] = (header >>> 8) & 0xff;
    out[at + 2] = (header >>> 16) & 0xff;
    out[at + 3] = 0x61; // the repeated byte
  }
  return out;
}
