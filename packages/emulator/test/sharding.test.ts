import { afterEach, expect, test } from 'vitest';
import { type Emulator, type EmulatorSeed, startEmulator } from '../src/index.js';
import { FakeClock } from './fakeClock.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

/** Guild ids whose (id >> 22) % 4 is 0, 1, 2, 3: the timestamp part is 0..3. */
const guildIds = [0n, 1n, 2n, 3n].map((k) => ((k + 4000n) << 22n).toString());
const seed: EmulatorSeed = {
  guilds: guildIds.map((id, i) => ({
    id,
    name: `g${i}`,
    channels: [{ id: String(BigInt(id) + 1n), name: 'c' }],
  })),
};

test('identifies queue per max_concurrency bucket (shard_id % max_concurrency) and never get rejected', async () => {
  const clock = new FakeClock();
  emu = await startEmulator({ clock, seed, shards: 8, maxConcurrency: 4, identifyIntervalMs: 40 });
  const shards = Array.from({ length: 8 }, (_, i) => i);
  const conns = await Promise.all(shards.map(() => RawClient.connect(emu!.gatewayUrl)));
  clients.push(...conns);
  // A heartbeat's ACK comes after the emulator handled everything sent before it on that socket.
  const roundTrip = async (c: RawClient) => {
    const from = c.frames.length;
    c.send({ op: 1, d: null });
    await c.waitFor((f) => f.op === 11, from);
  };
  // Shards 4-7 first (one per bucket), then 0-3 right after: each of those must wait its bucket's turn.
  for (const i of [4, 5, 6, 7]) conns[i]!.identify(emu.token, { shard: [i, 8] });
  await Promise.all([4, 5, 6, 7].map((i) => conns[i]!.waitDispatch('READY')));
  for (const i of [0, 1, 2, 3]) conns[i]!.identify(emu.token, { shard: [i, 8] });
  await Promise.all([0, 1, 2, 3].map((i) => roundTrip(conns[i]!)));
  clock.advance(39);
  await Promise.all([0, 1, 2, 3].map((i) => roundTrip(conns[i]!)));
  expect(emu.control.identifyLog()).toHaveLength(4);
  clock.advance(1);
  await Promise.all(conns.map((c) => c.waitDispatch('READY')));
  const log = emu.control.identifyLog().map((e) => e.shard[0]);
  expect(log.slice(0, 4).sort()).toEqual([4, 5, 6, 7]);
  expect(log.slice(4).sort()).toEqual([0, 1, 2, 3]);
  for (let b = 0; b < 4; b++) {
    const inBucket = emu.control.identifyLog().filter((e) => e.shard[0] % 4 === b);
    expect(inBucket).toHaveLength(2);
    expect(inBucket[1]!.at - inBucket[0]!.at).toBe(40);
  }
});

test('dispatches are routed to the shard that owns the guild, DMs to shard 0', async () => {
  emu = await startEmulator({ seed, identifyIntervalMs: 0 });
  const conns = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(emu!.gatewayUrl)));
  clients.push(...conns);
  const readies = await Promise.all(
    conns.map((c, i) => c.ready(emu!.token, { shard: [i, 4], intents: 1 | (1 << 9) | (1 << 12) })),
  );
  for (const [i, r] of readies.entries())
    expect(r.d.guilds).toEqual([{ id: guildIds[i], unavailable: true }]);
  for (const [i, id] of guildIds.entries()) {
    emu.control.dispatch('MESSAGE_CREATE', { id: String(i), guild_id: id, content: '', n: i });
  }
  emu.control.dispatch('MESSAGE_CREATE', { id: '9', channel_id: '77', content: 'dm', n: 99 });
  await Promise.all(conns.map((c, i) => c.waitFor((f) => f.d?.n === i)));
  await conns[0]!.waitFor((f) => f.d?.n === 99);
  for (const [i, c] of conns.entries()) {
    const got = c
      .dispatches()
      .filter((f) => f.t === 'MESSAGE_CREATE')
      .map((f) => f.d.n);
    expect(got).toEqual(i === 0 ? [0, 99] : [i]);
    expect(
      c
        .dispatches()
        .filter((f) => f.t === 'GUILD_CREATE')
        .map((f) => f.d.id),
    ).toEqual([guildIds[i]]);
  }
});

test("identifyPolicy 'refuse': an IDENTIFY before its bucket is free is closed with 4008 and recorded", async () => {
  emu = await startEmulator({
    seed,
    shards: 4,
    maxConcurrency: 2,
    identifyIntervalMs: 60_000,
    identifyPolicy: 'refuse',
  });
  const conns = await Promise.all([0, 1, 2].map(() => RawClient.connect(emu!.gatewayUrl)));
  clients.push(...conns);
  conns[0]!.identify(emu.token, { shard: [0, 4] });
  conns[1]!.identify(emu.token, { shard: [1, 4] }); // another bucket: free
  await Promise.all([conns[0]!.waitDispatch('READY'), conns[1]!.waitDispatch('READY')]);
  conns[2]!.identify(emu.token, { shard: [2, 4] }); // bucket 0 again, 60 s too early
  expect((await conns[2]!.closed).code).toBe(4008);
  expect(emu.control.identifyRefusals().map((e) => e.shard)).toEqual([[2, 4]]);
  expect(
    emu.control
      .identifyLog()
      .map((e) => e.shard[0])
      .sort(),
  ).toEqual([0, 1]);
});
