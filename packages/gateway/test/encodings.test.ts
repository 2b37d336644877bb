import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayEncoding, TransportCompression } from '../src/index.js';
import { emulator, once, shardFor, waitFor } from './helpers.js';

// A recorded stream: 10,000 dispatches built deterministically (snowflake strings, Unicode,
// floats, nulls, nesting, large payloads now and then), sent through the emulator over every
// encoding and compression; the client must deliver exactly the same values each time.
function recordedStream(count: number): Array<{ t: string; d: Record<string, unknown> }> {
  let x = 0x2545f491;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const words = ['hello', 'héllo', 'gateway', '✨', 'zstd', 'ETF', '日本語', 'emoji 🎉', ''];
  const out: Array<{ t: string; d: Record<string, unknown> }> = [];
  for (let n = 0; n < count; n++) {
    const id = (
      1_300_000_000_000_000_000n +
      BigInt(n) * 4_194_304n +
      BigInt(Math.floor(rand() * 4096))
    ).toString();
    const content = Array.from(
      { length: 1 + Math.floor(rand() * 12) },
      () => words[Math.floor(rand() * words.length)],
    ).join(' ');
    const d: Record<string, unknown> = {
      n,
      id,
      channel_id: '1100000000000000001',
      content: n % 997 === 0 ? content.repeat(400) : content,
      author: { id: '1000000000000000042', username: `user${n % 50}`, bot: n % 3 === 0, avatar: null },
      mentions: n % 5 === 0 ? [] : [{ id: '1000000000000000043', roles: [1, 2, 300, 70000, 2 ** 31] }],
      score: n % 7 === 0 ? rand() * 1000 - 500 : -n,
      flags: n % 11 === 0 ? 2 ** 40 + n : 0,
      pinned: false,
      edited_timestamp: null,
    };
    out.push({ t: n % 4 === 0 ? 'MESSAGE_UPDATE' : 'MESSAGE_CREATE', d });
  }
  return out;
}

const COUNT = 10_000;
const stream = recordedStream(COUNT);

let emu: Emulator;
beforeAll(async () => {
  // The emulator shares this process and queues its 10,000 frames ahead of heartbeat ACKs;
  // a long interval keeps zombie detection out of a test about encodings.
  emu = await emulator({ heartbeatIntervalMs: 30_000 });
});
afterAll(async () => {
  await emu.close();
});

const combos: Array<[GatewayEncoding, TransportCompression, boolean]> = [
  ['json', 'none', false],
  ['json', 'zlib-stream', false],
  ['json', 'zstd-stream', false],
  ['etf', 'none', false],
  ['etf', 'zlib-stream', false],
  ['etf', 'zstd-stream', false],
  ['json', 'none', true],
  ['etf', 'none', true],
];

describe('the same 10,000-event stream over every encoding and compression', () => {
  it.each(combos)(
    '%s with %s (payload compression %s)',
    async (encoding, transportCompression, payloadCompression) => {
      const shard = shardFor(emu, { encoding, transportCompression, payloadCompression });
      try {
        const got: Array<{ t: string; d: unknown }> = [];
        shard.on('dispatch', (e) => {
          if (e.t === 'MESSAGE_CREATE' || e.t === 'MESSAGE_UPDATE') got.push({ t: e.t, d: e.d });
        });
        let reconnects = 0;
        shard.on('reconnecting', () => reconnects++);
        const ready = once(shard, 'ready');
        await shard.connect();
        const { sessionId } = await ready;
        const info = emu.control.sessions().find((s) => s.sessionId === sessionId)!;
        expect(info.encoding).toBe(encoding);
        expect(info.compress).toBe(payloadCompression ? 'payload' : transportCompression);
        for (const e of stream) emu.control.dispatch(e.t, e.d, { sessionId });
        await waitFor(() => got.length >= COUNT, 60_000, 'all events');
        expect(got.length).toBe(COUNT);
        expect(got).toEqual(stream);
        expect(shard.stats.gaps).toBe(0);
        expect(reconnects).toBe(0);
      } finally {
        shard.destroy();
      }
    },
  );
});
