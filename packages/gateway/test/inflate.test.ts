// StreamInflater (src/inflate.ts) against node:zlib, the reference: every level, strategy,
// window size and memory level; messages split at random WebSocket frame boundaries; long
// codes that need subtables; mutated and random input, where it may only ever agree with zlib
// or throw a typed error.
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InflateError, InflateLimitError, StreamInflater } from '../src/inflate.js';
import { ZlibStreamInflater } from '../src/zlibStream.js';
import { zlibStream } from './zlibStream.js';

const MARKER = Buffer.from([0, 0, 0xff, 0xff]);

/** Cuts a frame at the given points, skipping cuts whose prefix would look like a message end. */
function split(frame: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % frame.length))]
    .filter((p) => p > 0 && !frame.subarray(Math.max(0, p - 4), p).equals(MARKER))
    .sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(frame.subarray(last, p));
    last = p;
  }
  parts.push(frame.subarray(last));
  return parts;
}

// Gateway messages are never empty.
const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 400 }),
  fc.uint8Array({ minLength: 1, maxLength: 4000 }).map((b) => Buffer.from(b).toString('latin1')),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 2000 }))
    .map(([s, n]) => s.repeat(n)),
);

describe('StreamInflater against node:zlib', () => {
  it('inflates every sync-flushed stream, any level, strategy, window and memory level, split anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text, { minLength: 1, maxLength: 10 }),
        fc.record({
          level: fc.integer({ min: 0, max: 9 }),
          strategy: fc.constantFrom(
            constants.Z_DEFAULT_STRATEGY,
            constants.Z_FILTERED,
            constants.Z_HUFFMAN_ONLY,
            constants.Z_RLE,
            constants.Z_FIXED,
          ),
          // windowBits 8 is accepted and silently raised to 9 by zlib's deflate.
          windowBits: fc.integer({ min: 8, max: 15 }),
          memLevel: fc.integer({ min: 1, max: 9 }),
        }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (texts, settings, cuts) => {
          const messages = texts.map((t) => Buffer.from(t));
          const frames = await zlibStream(messages, settings);
          const inflater = new ZlibStreamInflater(1 << 22);
          for (let i = 0; i < frames.length; i++) {
            const parts = split(frames[i]!, cuts);
            for (let k = 0; k < parts.length - 1; k++) expect(inflater.push(parts[k]!)).toBeUndefined();
            expect(Buffer.from(inflater.push(parts.at(-1)!)!)).toEqual(messages[i]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes codes longer than the primary table (skewed symbol frequencies, up to 15 bits)', () => {
    // Geometric frequencies over all 256 byte values give a deep Huffman tree; zlib limits it
    // to 15 bits, so codes of 11-15 bits appear and go through subtables.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.55, max: 0.8 }),
        (seed, ratio) => {
          const thresholds = Array.from({ length: 255 }, (_, k) => ratio ** (k + 1));
          let state = seed;
          const data = Buffer.alloc(40000);
          for (let i = 0; i < data.length; i++) {
            state = (Math.imul(state, 1103515245) + 12345) >>> 0;
            const u = state / 2 ** 32;
            let symbol = 0;
            while (symbol < 255 && u < thresholds[symbol]!) symbol++;
            data[i] = (symbol * 37) & 0xff;
          }
          for (const strategy of [constants.Z_HUFFMAN_ONLY, constants.Z_DEFAULT_STRATEGY]) {
            const raw = deflateRawSync(data, { strategy, finishFlush: constants.Z_SYNC_FLUSH });
            expect(Buffer.from(new StreamInflater().inflate(raw, 1 << 20))).toEqual(data);
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  it('reaches back the whole 32 KiB window across messages', async () => {
    const block = Buffer.from(Array.from({ length: 30000 }, (_, i) => (i * 7919) % 251));
    const messages = [block, Buffer.from('x'), block, block.subarray(100, 20000)];
    const frames = await zlibStream(messages, { level: 9 });
    const inflater = new ZlibStreamInflater(1 << 20);
    for (let i = 0; i < frames.length; i++)
      expect(Buffer.from(inflater.push(frames[i]!)!)).toEqual(messages[i]);
    // The repeats compress to a few bytes each: they are matches into earlier messages.
    expect(frames[2]!.length).toBeLessThan(200);
  });

  it('keeps the window across buffer slides and growth (megabytes of output, matches into earlier messages)', async () => {
    // The output buffer slides its last 32 KiB to the front only when nearly full, and grows for
    // a message larger than it: both must keep every distance pointing at the right bytes.
    const block = Buffer.from(Array.from({ length: 30000 }, (_, i) => (i * 7919) % 251));
    const messages: Buffer[] = [];
    for (let k = 0; k < 70; k++) {
      const r = (k * 4099) % block.length;
      messages.push(
        Buffer.concat([block.subarray(r), block.subarray(0, r)]).subarray(0, 1000 + ((k * 7717) % 29000)),
      );
      if (k % 9 === 0) messages.push(Buffer.from(`{"op":0,"s":${k}}`));
      if (k === 33)
        messages.push(Buffer.concat(Array.from({ length: 12 }, (_, j) => block.subarray(j * 100))));
    }
    const frames = await zlibStream(messages, { level: 6 });
    const inflater = new ZlibStreamInflater(1 << 22);
    for (let i = 0; i < frames.length; i++)
      expect(Buffer.from(inflater.push(frames[i]!)!)).toEqual(messages[i]);
  });

  it('never accepts what zlib rejects, and agrees with zlib on what it accepts (mutated input)', () => {
    fc.assert(
      fc.property(
        text,
        fc.integer({ min: 0, max: 9 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (t, level, flips, cut) => {
          const raw = Buffer.from(
            deflateRawSync(Buffer.from(t), { level, finishFlush: constants.Z_SYNC_FLUSH }),
          );
          for (const [at, mask] of flips) raw[at % raw.length]! ^= mask;
          const input = cut % 5 === 0 ? raw.subarray(0, cut % raw.length) : raw;
          let ours: Buffer | undefined;
          try {
            ours = Buffer.from(new StreamInflater().inflate(input, 1 << 20));
          } catch (e) {
            expect(e instanceof InflateError || e instanceof InflateLimitError).toBe(true);
          }
          if (ours === undefined) return;
          // zlib with a sync-flush finish accepts a cut-off stream; ours demands whole blocks,
          // so ours succeeding means zlib must succeed with the same bytes.
          const reference = inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
          expect(ours).toEqual(reference);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('ends with a typed error or capped output on random bytes (no hang, no other throw)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2000 }), { minLength: 1, maxLength: 4 }), (inputs) => {
        const inflater = new StreamInflater();
        for (const input of inputs) {
          try {
            expect(inflater.inflate(input, 1 << 16).length).toBeLessThanOrEqual(1 << 16);
          } catch (e) {
            expect(e instanceof InflateError || e instanceof InflateLimitError).toBe(true);
            return;
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('stops at the cap, before writing past it', () => {
    const raw = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(() => new StreamInflater().inflate(raw, 4096)).toThrow(InflateLimitError);
    expect(new StreamInflater().inflate(raw, 1 << 20).length).toBe(1 << 20);
  });

  it('rejects a match into a window it never saw (a message decoded without its predecessors)', async () => {
    const block = Buffer.from('the same sentence, twice over. '.repeat(20));
    const [, second] = await zlibStream([block, block]);
    expect(() => new StreamInflater().inflate(second!, 1 << 16)).toThrow(/before the start/);
  });

  it('rejects the malformed shapes RFC 1951 rules out, each with InflateError', () => {
    const cases: Array<[string, number[]]> = [
      ['reserved block type', [0b111]],
      ['stored LEN/NLEN mismatch', [0x00, 0x05, 0x00, 0x00, 0x00]],
      ['truncated stored data', [0x00, 0x05, 0x00, 0xfa, 0xff, 0x41]],
    ];
    for (const [name, bytes] of cases) {
      expect(() => new StreamInflater().inflate(new Uint8Array(bytes), 1 << 16), name).toThrow(InflateError);
    }
  });
});
