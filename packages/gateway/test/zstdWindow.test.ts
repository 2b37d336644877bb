import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayInboundError } from '../src/index.js';
import { ZstdStreamDecompressor } from '../src/zstdStream.js';
import { collectGarbage } from './gc.js';

// A zstd frame header says how much memory its decoder needs (RFC 8878 3.1.1.1: the window
// descriptor, or the frame content size of a single-segment frame). A 27-byte hostile frame can
// declare ~2 GiB; the client must refuse it from the header, before the decoder allocates.

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const CAP = 1024 * 1024;

/** One RLE block of `size` bytes of 'a' (3-byte header + the byte), last block. */
function rleBlock(size: number): number[] {
  const header = 1 | (1 << 1) | (size << 3);
  return [header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff, 0x61];
}

/** A frame whose window descriptor declares exponent `e` and mantissa `m`. */
function windowFrame(e: number, m: number): Uint8Array {
  return new Uint8Array([...MAGIC, 0x00, (e << 3) | m, ...rleBlock(16)]);
}

function externalGrowth(run: () => void, collect = true): number {
  if (collect) collectGarbage();
  const before = process.memoryUsage().arrayBuffers;
  run();
  const after = process.memoryUsage().arrayBuffers;
  return after - before;
}

function refused(frame: Uint8Array, d = new ZstdStreamDecompressor(CAP)): GatewayInboundError {
  let error: unknown;
  const grew = externalGrowth(() => {
    try {
      d.push(frame);
    } catch (e) {
      error = e;
    }
  });
  expect(error).toBeInstanceOf(GatewayInboundError);
  // Nothing near the declared size was allocated (the decoder never saw the header).
  expect(grew).toBeLessThan(4 * 1024 * 1024);
  return error as GatewayInboundError;
}

describe('zstd-stream frame header caps', () => {
  it('refuses a 14-byte frame declaring a ~1.9 GiB window, allocating nothing near it', () => {
    const frame = windowFrame(20, 7); // 2^30 + 7/8 * 2^30 bytes
    expect(frame.length).toBeLessThan(27);
    const error = refused(frame);
    expect(error.code).toBe('GATEWAY_FRAME_TOO_LARGE');
    expect(error.message).toMatch(/window/);
  });

  it('refuses a single-segment frame whose content size (its window) is beyond the message cap', () => {
    // FHD: FCS flag 3 (8 bytes), single segment; FCS = 2^31 - 1.
    const fcs = [0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0];
    const error = refused(new Uint8Array([...MAGIC, 0xe0, ...fcs, ...rleBlock(16)]));
    expect(error.code).toBe('GATEWAY_FRAME_TOO_LARGE');
    expect(error.message).toMatch(/content size/);
  });

  it('refuses a frame content size beyond the cap even with a small window', () => {
    // FHD: FCS flag 3, not single segment; window 1 KiB; FCS = 2^40.
    const fcs = [0, 0, 0, 0, 0x01, 0, 0, 0];
    expect(refused(new Uint8Array([...MAGIC, 0xc0, 0x00, ...fcs, ...rleBlock(16)])).code).toBe(
      'GATEWAY_FRAME_TOO_LARGE',
    );
  });

  it('refuses a header split across messages as well', () => {
    const frame = windowFrame(20, 7);
    const d = new ZstdStreamDecompressor(CAP);
    let error: unknown;
    const grew = externalGrowth(() => {
      try {
        d.push(frame.subarray(0, 3));
        d.push(frame.subarray(3, 5));
        d.push(frame.subarray(5));
      } catch (e) {
        error = e;
      }
    });
    expect(error).toBeInstanceOf(GatewayInboundError);
    expect(grew).toBeLessThan(4 * 1024 * 1024);
  });

  it('refuses a second frame with a hostile header after a good one', () => {
    const d = new ZstdStreamDecompressor(CAP);
    expect(d.push(windowFrame(7, 0)).length).toBe(16);
    refused(windowFrame(20, 7), d);
  });

  it('refuses reserved bits, dictionaries and blocks beyond the block maximum', () => {
    expect(refused(new Uint8Array([...MAGIC, 0x08, 0x38, ...rleBlock(16)])).code).toBe(
      'GATEWAY_DECOMPRESS_FAILED',
    );
    expect(refused(new Uint8Array([...MAGIC, 0x01, 0x38, 0x07, ...rleBlock(16)])).code).toBe(
      'GATEWAY_DECOMPRESS_FAILED',
    );
    // A 1 KiB window allows blocks of at most 1 KiB.
    expect(refused(new Uint8Array([...MAGIC, 0x00, 0x00, ...rleBlock(2048)])).code).toBe(
      'GATEWAY_DECOMPRESS_FAILED',
    );
  });

  it('accepts a window at the cap (8 MiB, what zstd level 19 uses) and a split frame', () => {
    const d = new ZstdStreamDecompressor(CAP);
    const frame = new Uint8Array([...MAGIC, 0x00, 13 << 3, ...rleBlock(100_000)]);
    expect(d.push(frame).length).toBe(100_000);
    // Real encoders' frames are read end to end in zstdSingleFrame.test.ts and compression.test.ts.
  });

  it('any header either decodes within the caps or is a typed error, with bounded memory', () => {
    let worst = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 0, maxLength: 13 }),
        fc.integer({ min: 0, max: 200_000 }),
        (fhd, rest, rle) => {
          const d = new ZstdStreamDecompressor(CAP);
          const frame = new Uint8Array([...MAGIC, fhd, ...rest, ...rleBlock(rle & 0x1fffff)]);
          // No collection per run (too slow): a declared window would show up at once anyway.
          const grew = externalGrowth(() => {
            try {
              const out = d.push(frame);
              expect(out.length).toBeLessThanOrEqual(CAP);
            } catch (e) {
              expect(e).toBeInstanceOf(GatewayInboundError);
            }
          }, false);
          worst = Math.max(worst, grew);
        },
      ),
      { numRuns: 400 },
    );
    // The default window cap is 8 MiB; the output cap 1 MiB.
    expect(worst).toBeLessThan(12 * 1024 * 1024);
  });
});
