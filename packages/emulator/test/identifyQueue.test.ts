import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { FakeClock } from './fakeClock.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

test('with Discord defaults (5 s per bucket) identifies are let through exactly 5 s apart, on virtual time', async () => {
  const clock = new FakeClock();
  const queued: string[] = [];
  emu = await startEmulator({
    clock,
    shards: 6,
    maxConcurrency: 2,
    logger: (line) => line.endsWith('queued') && queued.push(line),
  });
  const conns = await Promise.all(Array.from({ length: 6 }, () => RawClient.connect(emu!.gatewayUrl)));
  clients.push(...conns);
  // One at a time, in shard order, so each bucket's queue order is known.
  for (const [i, c] of conns.entries()) {
    c.identify(emu.token, { shard: [i, 6] });
    while (queued.length < i + 1) await new Promise((r) => setTimeout(r, 2));
  }
  const t0 = clock.now();
  // Shards 0 and 1 (buckets 0 and 1) go at once; the rest wait for virtual time to pass.
  await Promise.all([conns[0]!.waitDispatch('READY'), conns[1]!.waitDispatch('READY')]);
  // Every identify must have reached the emulator before virtual time moves.
  while (queued.length < 6) await new Promise((r) => setTimeout(r, 5));
  expect(conns.slice(2).some((c) => c.frames.some((f) => f.t === 'READY'))).toBe(false);
  clock.advance(5000);
  await Promise.all([conns[2]!.waitDispatch('READY'), conns[3]!.waitDispatch('READY')]);
  clock.advance(5000);
  await Promise.all([conns[4]!.waitDispatch('READY'), conns[5]!.waitDispatch('READY')]);
  const log = emu.control.identifyLog().map((e) => [e.shard[0], e.at - t0]);
  expect(log.sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!)).toEqual([
    [0, 0],
    [1, 0],
    [2, 5000],
    [3, 5000],
    [4, 10000],
    [5, 10000],
  ]);
});
