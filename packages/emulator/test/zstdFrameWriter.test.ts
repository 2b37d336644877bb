import * as zstd from '@bokuweb/zstd-wasm';
import fc from 'fast-check';
import { Decompress } from 'fzstd';
import { beforeAll, describe, expect, test } from 'vitest';
import { MAX_BLOCK_SIZE, ZstdFrameWriter } from '../src/gateway/zstdFrameWriter.js';
import { blocksOf, concat, ZSTD_MAGIC } from './zstdFrames.js';

// Discord's zstd-stream is one zstd frame per connection, flushed at each message. The writer is
// ours (from RFC 8878); these tests check its bytes with two decoders we did not write: the
// reference libzstd (through @bokuweb/zstd-wasm, one-shot over the whole stream) and fzstd's
// streaming Decompress (fed message by message, as a client reads them).

beforeAll(async () => {
  await zstd.init();
});

const HELLO = new TextEncoder().encode('{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}');

/** Byte equality without a deep-equal diff over hundreds of KiB. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

describe('ZstdFrameWriter (RFC 8878 blocks, checked by libzstd and fzstd)', () => {
  test('any run of messages is one valid frame whose message ends fall on block ends', () => {
    const message = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      // Runs of one byte become RLE blocks; lengths around 128 KiB split into several blocks.
      fc
        .tuple(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 0, max: 255 }))
        .map(([n, b]) => new Uint8Array(n).fill(b)),
      fc
        .integer({ min: MAX_BLOCK_SIZE - 2, max: MAX_BLOCK_SIZE * 2 + 2 })
        .map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 0xff)),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), (rest) => {
        // The gateway's first message is always HELLO; fzstd parses no frame before 18 bytes.
        const messages = [HELLO, ...rest];
        const writer = new ZstdFrameWriter();
        const wire = messages.map((m) => writer.write(m));
        // Only the first message starts the frame.
        expect([...wire[0]!.subarray(0, 4)]).toEqual(ZSTD_MAGIC);
        // The streaming decoder gives back exactly one message per message pushed.
        let out: Uint8Array[] = [];
        const stream = new Decompress((chunk) => out.push(chunk));
        wire.forEach((w, i) => {
          out = [];
          stream.push(w);
          expect(same(concat(out), messages[i]!)).toBe(true);
        });
        // The cap closes the frame; libzstd then reads the whole connection in one call.
        const whole = concat([...wire, writer.end()!]);
        const blocks = blocksOf(whole);
        expect(blocks.filter((b) => b.last)).toHaveLength(1);
        expect(blocks.at(-1)).toEqual({ last: true, type: 0, size: 0 });
        for (const b of blocks) expect(b.size).toBeLessThanOrEqual(MAX_BLOCK_SIZE);
        const total = messages.reduce((n, m) => n + m.length, 0);
        expect(same(zstd.decompress(whole, { defaultHeapSize: total + 1 }), concat(messages))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  test('endAfterNextMessage ends the frame inside that message; the next message opens a new frame', () => {
    const writer = new ZstdFrameWriter();
    const a = writer.write(new TextEncoder().encode('{"op":10}'));
    writer.endAfterNextMessage();
    const b = writer.write(new TextEncoder().encode('{"op":11}'));
    expect(writer.inFrame).toBe(false);
    expect(writer.end()).toBeUndefined();
    const c = writer.write(new TextEncoder().encode('{"op":0}'));
    expect([...c.subarray(0, 4)]).toEqual(ZSTD_MAGIC);
    const first = concat([a, b]);
    expect(blocksOf(first).map((x) => x.last)).toEqual([false, true]);
    // Two concatenated frames are one valid zstd stream (RFC 8878 3.1).
    const stream = concat([first, c, writer.end()!]);
    expect(new TextDecoder().decode(zstd.decompress(stream))).toBe('{"op":10}{"op":11}{"op":0}');
  });

  test('a 1 MiB run of one byte costs 4 bytes per 128 KiB block (RLE), the shape of a bomb', () => {
    const writer = new ZstdFrameWriter();
    const wire = writer.write(new Uint8Array(1024 * 1024).fill(0x20));
    expect(wire.length).toBe(6 + 8 * 4);
    expect(blocksOf(concat([wire, writer.end()!])).slice(0, 8)).toEqual(
      Array.from({ length: 8 }, () => ({ last: false, type: 1, size: MAX_BLOCK_SIZE })),
    );
  });
});
