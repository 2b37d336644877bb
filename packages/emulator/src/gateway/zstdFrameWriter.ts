/**
 * A zstd frame written block by block, the way Discord's zstd-stream reaches a client: one frame
 * for the whole connection, flushed at every message boundary, so each WebSocket message is a
 * run of complete blocks and a client must keep one streaming decoder for the connection.
 *
 * Written from RFC 8878 (Zstandard), not from a zstd library, because the WebAssembly zstd the
 * emulator carries compresses whole frames only. Layout used:
 * - Frame header (3.1.1): magic 0xFD2FB528 (little-endian 28 b5 2f fd); Frame_Header_Descriptor
 *   0x00 = no Frame_Content_Size (FCS flag 0 with Single_Segment 0), no checksum, no dictionary;
 *   then a Window_Descriptor, which must be present because Single_Segment is off.
 * - Window_Descriptor 0x38 (3.1.1.1.2): Exponent 7, Mantissa 0, windowLog = 10 + 7 = 17, so the
 *   window is 128 KiB and Block_Maximum_Size = min(Window_Size, 128 KiB) = 128 KiB (3.1.1.2.4).
 * - Blocks (3.1.1.2): a 3-byte little-endian header, bit 0 Last_Block, bits 1-2 Block_Type
 *   (0 Raw_Block, 1 RLE_Block), bits 3-23 Block_Size (for RLE the regenerated size, content one
 *   byte). Blocks are never compressed here: raw for ordinary data, RLE when a block's bytes are
 *   all the same (which keeps a decompression bomb four bytes per 128 KiB on the wire).
 * Output is valid zstd at every message boundary except that the frame is still open: the
 * client's decoder is in the middle of one long frame, exactly the state Discord puts it in.
 */

/** RFC 8878 3.1.1: the frame magic number, little-endian. */
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
/** RFC 8878 3.1.1.1.1: no content size, not single segment, no checksum, no dictionary id. */
const FRAME_HEADER_DESCRIPTOR = 0x00;
/** RFC 8878 3.1.1.1.2: Exponent 7 << 3 | Mantissa 0, a 2^17-byte window. */
const WINDOW_DESCRIPTOR = 0x38;
/** RFC 8878 3.1.1.2.4: Block_Maximum_Size is the smaller of the window and 128 KiB. */
export const MAX_BLOCK_SIZE = 128 * 1024;

const RAW_BLOCK = 0;
const RLE_BLOCK = 1;

/** The 6-byte frame header every frame of this writer starts with. */
export const ZSTD_FRAME_HEADER: Uint8Array = Uint8Array.from([
  ...MAGIC,
  FRAME_HEADER_DESCRIPTOR,
  WINDOW_DESCRIPTOR,
]);

function blockHeader(out: Uint8Array, at: number, last: boolean, type: number, size: number): void {
  const h = (last ? 1 : 0) | (type << 1) | (size << 3);
  out[at] = h & 0xff;
  out[at + 1] = (h >>> 8) & 0xff;
  out[at + 2] = (h >>> 16) & 0xff;
}

function allSame(data: Uint8Array, from: number, to: number): boolean {
  const first = data[from];
  for (let i = from + 1; i < to; i++) if (data[i] !== first) return false;
  return true;
}

export class ZstdFrameWriter {
  private open = false;
  private endRequested = false;

  /** Whether a frame header was written and no Last_Block has closed that frame yet. */
  get inFrame(): boolean {
    return this.open;
  }

  /** The next `write` ends the frame (its final block has Last_Block = 1); the one after starts a new frame. */
  endAfterNextMessage(): void {
    this.endRequested = true;
  }

  /**
   * One message as whole blocks (at most 128 KiB each). The first message of a frame carries
   * the frame header. An empty message still gets one (empty) Raw_Block so it is a block run.
   */
  write(data: Uint8Array): Uint8Array {
    const last = this.endRequested;
    this.endRequested = false;
    const blocks = Math.max(1, Math.ceil(data.length / MAX_BLOCK_SIZE));
    // Worst case every block is raw: 3 header bytes per block plus the data itself.
    const out = new Uint8Array((this.open ? 0 : ZSTD_FRAME_HEADER.length) + blocks * 3 + data.length);
    let at = 0;
    if (!this.open) {
      out.set(ZSTD_FRAME_HEADER, 0);
      at = ZSTD_FRAME_HEADER.length;
      this.open = true;
    }
    for (let b = 0; b < blocks; b++) {
      const from = b * MAX_BLOCK_SIZE;
      const to = Math.min(data.length, from + MAX_BLOCK_SIZE);
      const size = to - from;
      const isLast = last && b === blocks - 1;
      // An RLE block only pays off past 4 bytes (its header plus one byte); below, raw is as small.
      if (size > 4 && allSame(data, from, to)) {
        blockHeader(out, at, isLast, RLE_BLOCK, size);
        out[at + 3] = data[from]!;
        at += 4;
      } else {
        blockHeader(out, at, isLast, RAW_BLOCK, size);
        out.set(data.subarray(from, to), at + 3);
        at += 3 + size;
      }
    }
    if (last) this.open = false;
    return at === out.length ? out : out.subarray(0, at);
  }

  /** An empty Raw_Block with Last_Block = 1 (`01 00 00`): closes the open frame, if any. */
  end(): Uint8Array | undefined {
    if (!this.open) return undefined;
    this.open = false;
    const out = new Uint8Array(3);
    blockHeader(out, 0, true, RAW_BLOCK, 0);
    return out;
  }
}
