import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZlibStreamInflater } from '../src/zlibStream.js';
import { zlibStream } from './zlibStream.js';
import { collectGarbage } from './gc.js';

// Memory an idle zlib-stream connection holds outside the JS heap (bench memory suite: it was
// ~236 KiB per shard, @discordjs/ws ~64 KiB). Measured here with arrayBuffers growth, not time.

const ready = Buffer.from(
  JSON.stringify({
    op: 0,
    t: 'READY',
    s: 1,
    d: {
      v: 10,
      session_id: 'x'.repeat(32),
      resume_gateway_url: 'wss://r.test',
      user: { id: '1', username: 'bot' },
    },
  }),
);

function arrayBuffers(): number {
  collectGarbage();
  return process.memoryUsage().arrayBuffers;
}

describe('zlib-stream memory per connection', () => {
  it('an inflater that decoded a READY holds at most 16 KiB', async () => {
    const [frame] = await zlibStream([ready]);
    const n = 100;
    const before = arrayBuffers();
    const inflaters = Array.from({ length: n }, () => new ZlibStreamInflater(1 << 20));
    for (const inflater of inflaters) expect(inflater.push(frame!)?.length).toBe(ready.length);
    const perInflater = (arrayBuffers() - before) / n;
    expect(perInflater).toBeLessThan(16 * 1024);
  });

  it('a buffer grown by a huge message shrinks back once the window moves on', async () => {
    const huge = Buffer.from(randomBytes(2 * 1024 * 1024).toString('base64'));
    const small = Array.from({ length: 12 }, (_, i) => Buffer.from(`${i}`.repeat(10_000)));
    const frames = await zlibStream([huge, ...small]);
    const inflater = new ZlibStreamInflater(8 << 20);
    const before = arrayBuffers();
    expect(inflater.push(frames[0]!)?.length).toBe(huge.length);
    for (let i = 0; i < small.length; i++)
      expect(inflater.push(frames[i + 1]!)?.length).toBe(small[i]!.length);
    expect(arrayBuffers() - before).toBeLessThan(256 * 1024);
  });

  it('interleaved connections decode exactly as each alone (the dynamic-block tables are shared)', async () => {
    const message = fc
      .array(fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant('discord')), { maxLength: 300 })
      .map((parts) => Buffer.from(JSON.stringify(parts)));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(message, { minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (streams, order) => {
          const framesOf = await Promise.all(streams.map((s) => zlibStream(s)));
          const inflaters = streams.map(() => new ZlibStreamInflater(1 << 20));
          const next = streams.map(() => 0);
          const pick = [...order, ...streams.flatMap((s, i) => s.map(() => i))];
          for (const p of pick) {
            const i = p % streams.length;
            const k = next[i]!;
            if (k >= streams[i]!.length) continue;
            next[i] = k + 1;
            const out = inflaters[i]!.push(framesOf[i]![k]!);
            expect(Buffer.from(out!).equals(streams[i]![k]!)).toBe(true);
          }
          expect(next).toEqual(streams.map((s) => s.length));
        },
      ),
      { numRuns: 60 },
    );
  });
});
