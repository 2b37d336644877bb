import { constants, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayInboundError, InboundDecoder } from '../src/index.js';
import { ZlibStreamInflater } from '../src/zlibStream.js';
import { ZstdStreamDecompressor } from '../src/zstdStream.js';
import { zlibStream } from './zlibStream.js';
import { zstdRleBomb } from './zstdBomb.js';

describe('zlib-stream inflater', () => {
  it('inflates a long stream whose messages reference far back into the window', async () => {
    // Repetitive messages of varied size make deflate reach back up to 32 KiB, across messages.
    const messages = Array.from({ length: 400 }, (_, i) =>
      Buffer.from(JSON.stringify({ op: 0, s: i, d: { text: `message ${i % 37} `.repeat(1 + (i % 300)) } })),
    );
    const frames = await zlibStream(messages);
    const inflater = new ZlibStreamInflater(1 << 20);
    const out = frames.map((f) => Buffer.from(inflater.push(f)!).toString());
    expect(out).toEqual(messages.map((m) => m.toString()));
  });

  it('buffers a message split over several WebSocket frames until the sync-flush marker', async () => {
    const messages = [Buffer.from('{"op":10,"d":{"heartbeat_interval":41250}}'), Buffer.from('{"op":11}')];
    const [a, b] = await zlibStream(messages);
    const inflater = new ZlibStreamInflater(1 << 20);
    expect(inflater.push(a!.subarray(0, 3))).toBeUndefined();
    expect(Buffer.from(inflater.push(a!.subarray(3))!).toString()).toBe(messages[0]!.toString());
    expect(Buffer.from(inflater.push(b!)!).toString()).toBe(messages[1]!.toString());
  });

  it('rejects a stream without a zlib header, and compressed bytes beyond the cap', () => {
    expect(() => new ZlibStreamInflater(1024).push(new Uint8Array([1, 2, 0, 0, 0xff, 0xff]))).toThrow(
      GatewayInboundError,
    );
    const inflater = new ZlibStreamInflater(16);
    expect(() => inflater.push(new Uint8Array(32))).toThrow(/exceeds 16 bytes/);
  });

  it('never throws anything but GatewayInboundError on random frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }),
        fc.boolean(),
        (frames, marker) => {
          const decoder = new InboundDecoder({
            encoding: 'json',
            transportCompression: 'zlib-stream',
            maxFrameBytes: 4096,
          });
          for (const f of frames) {
            const frame = marker
              ? Buffer.concat([Buffer.from([0x78, 0x9c]), f, Buffer.from([0, 0, 0xff, 0xff])])
              : f;
            try {
              decoder.decode(frame);
            } catch (e) {
              expect(e).toBeInstanceOf(GatewayInboundError);
              return;
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('zstd-stream decompressor (fzstd)', () => {
  it('keeps one context across messages and stops a bomb at the cap', () => {
    const d = new ZstdStreamDecompressor(256 * 1024);
    expect(d.push(zstdRleBomb(1)).length).toBe(128 * 1024);
    expect(d.push(zstdRleBomb(2)).length).toBe(256 * 1024);
    const e = new ZstdStreamDecompressor(256 * 1024);
    let error: unknown;
    try {
      e.push(zstdRleBomb(8192));
    } catch (x) {
      error = x;
    }
    expect((error as GatewayInboundError).code).toBe('GATEWAY_FRAME_TOO_LARGE');
  });

  it('never throws anything but GatewayInboundError on random frames', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }), (frames) => {
        const decoder = new InboundDecoder({
          encoding: 'etf',
          transportCompression: 'zstd-stream',
          maxFrameBytes: 4096,
        });
        for (const f of frames) {
          const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), f]);
          try {
            decoder.decode(frame);
          } catch (e) {
            expect(e).toBeInstanceOf(GatewayInboundError);
            return;
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('payload compression', () => {
  it('inflates binary frames and passes text frames through', () => {
    const decoder = new InboundDecoder({
      encoding: 'json',
      transportCompression: 'none',
      maxFrameBytes: 1024,
    });
    expect(decoder.decode(deflateSync('{"op":11}'))).toEqual({ op: 11 });
    expect(decoder.decode('{"op":11}')).toEqual({ op: 11 });
    expect(() => decoder.decode(deflateSync(Buffer.alloc(4096)))).toThrow(/beyond 1024/);
  });
});

describe('StreamInflater against node:zlib', () => {
  it('inflates any sync-flushed stream node:zlib deflates, at every level and strategy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('latin1')),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(
          constants.Z_DEFAULT_STRATEGY,
          constants.Z_FILTERED,
          constants.Z_HUFFMAN_ONLY,
          constants.Z_RLE,
          constants.Z_FIXED,
        ),
        async (texts, level, strategy) => {
          const messages = texts.map((t) => Buffer.from(`${t}${t}${t}`));
          const frames = await zlibStream(messages, { level, strategy });
          const inflater = new ZlibStreamInflater(1 << 22);
          for (let i = 0; i < frames.length; i++) {
            expect(Buffer.from(inflater.push(frames[i]!)!)).toEqual(messages[i]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
