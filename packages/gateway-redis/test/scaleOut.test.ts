/**
 * The bot over many processes, for real: an emulator, a redis-server, gateway processes and
 * worker processes (each a separate Node process), SIGKILL, and a Redis restart.
 */
import { type DispatchStream, type Emulator, type EmulatorSeed, startEmulator } from '@cordwire/emulator';
import { afterEach, expect, it } from 'vitest';
import { connectRedis, type RedisClient, RedisKeys } from '../src/index.js';
import { type Child, startChild } from './helpers/processes.js';
import { until } from './helpers/shared.js';
import { startTestRedis, type TestRedis } from '../src/testing.js';

const SHARDS = 48;
// Guild k lives on shard k: (id >> 22) % 48 === k.
const guildIds = Array.from({ length: SHARDS }, (_, k) =>
  ((BigInt(SHARDS * 1000 + k) << 22n) | 1n).toString(),
);
const seed: EmulatorSeed = {
  guilds: guildIds.map((id, k) => ({
    id,
    name: `g${k}`,
    channels: [{ id: String(BigInt(id) + 1n), name: 'general' }],
  })),
};

let redisServer: TestRedis | undefined;
let emu: Emulator | undefined;
let admin: RedisClient | undefined;
const children: Child[] = [];
const streams: DispatchStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.stop();
  await Promise.all(children.splice(0).map((c) => c.kill('SIGKILL')));
  await admin?.close().catch(() => {});
  await emu?.close();
  await redisServer?.close();
});

async function owners(
  redis: RedisClient,
  keys: RedisKeys,
  kind: string,
  count: number,
): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const o = await redis.sendCommand(['GET', keys.lease(kind, i)]);
    if (typeof o === 'string') m.set(o, (m.get(o) ?? 0) + 1);
  }
  return m;
}

interface Seen {
  s: number;
  i: string;
  q: number;
  t: string;
  worker: string;
}

function seenBy(workers: Child[]): Seen[] {
  const out: Seen[] = [];
  for (const w of workers)
    for (const l of w.lines)
      if (l.startsWith('{')) out.push({ ...(JSON.parse(l) as Omit<Seen, 'worker'>), worker: w.name });
  return out;
}

it('three gateway processes share 48 shards and identify in global bucket order; a SIGKILLed one is taken over and resumed; workers lose nothing', async () => {
  redisServer = await startTestRedis();
  emu = await startEmulator({
    seed,
    shards: SHARDS,
    maxConcurrency: 4,
    identifyIntervalMs: 100,
    identifyPolicy: 'refuse',
  });
  const keys = new RedisKeys('scale');
  admin = await connectRedis({ url: redisServer.url });
  // Hold every bucket until all three processes wait with all their shards, so the order is global.
  for (let b = 0; b < 4; b++) await admin.sendCommand(['SET', keys.identifyLock(b), 'test', 'PX', '120000']);
  const env = {
    REDIS_URL: redisServer.url,
    REST_URL: emu.restUrl,
    BOT_TOKEN: emu.token,
    SPACING_MS: '350', // the emulator's 100 ms plus room for a busy machine's delivery jitter
    LEASE_TTL_MS: '1500',
    PREFIX: 'scale',
  };
  const gateways = ['g1', 'g2', 'g3'].map((name) =>
    startChild(name, 'gatewayMain.ts', { ...env, OWNER: name }),
  );
  children.push(...gateways);
  await until(async () => {
    const o = await owners(admin!, keys, 'shard', SHARDS);
    let waiting = 0;
    for (let b = 0; b < 4; b++)
      waiting += Number(await admin!.sendCommand(['ZCARD', keys.identifyWaiters(b)]));
    return waiting === SHARDS && [...o.values()].join() === '16,16,16';
  }, 'three processes holding 16 shards each, all waiting to identify');
  for (let b = 0; b < 4; b++) await admin.sendCommand(['DEL', keys.identifyLock(b)]);
  await until(() => emu!.control.identifyLog().length === SHARDS, 'every shard to identify');

  expect(emu.control.identifyRefusals()).toEqual([]);
  const log = emu.control.identifyLog().map((e) => e.shard[0]);
  expect([...log].sort((a, b) => a - b)).toEqual(Array.from({ length: SHARDS }, (_, i) => i));
  for (let b = 0; b < 4; b++) {
    const inBucket = log.filter((s) => s % 4 === b);
    expect(inBucket).toEqual([...inBucket].sort((x, y) => x - y));
  }

  const workers = ['w1', 'w2', 'w3', 'w4'].map((name) =>
    startChild(name, 'workerMain.ts', { ...env, NAME: name }),
  );
  children.push(...workers);
  await until(
    async () => [...(await owners(admin!, keys, 'partition:workers', 8)).values()].join() === '2,2,2,2',
    'four workers holding two partitions each',
  );
  for (const guildId of guildIds) streams.push(emu.control.startStream({ ratePerSecond: 4, guildId }));
  await until(() => seenBy(workers).filter((e) => e.t === 'MESSAGE_CREATE').length > 200, 'events to flow');

  // A gateway process dies without warning.
  const victim = gateways[0]!;
  await victim.kill('SIGKILL');
  await until(async () => {
    const o = await owners(admin!, keys, 'shard', SHARDS);
    return !o.has('g1') && [...o.values()].reduce((a, b) => a + b, 0) === SHARDS;
  }, 'the survivors to lease every shard');
  await until(
    () => gateways.slice(1).reduce((n, g) => n + g.lines.filter((l) => / resumed, /.test(l)).length, 0) >= 16,
    'the 16 orphaned shards to resume in the survivors',
  );
  // They resumed: no shard identified again.
  expect(emu.control.identifyLog()).toHaveLength(SHARDS);

  // A worker dies without warning; its partitions (and what it had read) go to the others.
  const sent = () => streams.reduce((n, s) => n + s.sent(), 0);
  await until(
    () => seenBy(workers).filter((e) => e.t === 'MESSAGE_CREATE').length > sent() * 0.6,
    'more events',
  );
  await workers[0]!.kill('SIGKILL');
  await until(async () => {
    const o = await owners(admin!, keys, 'partition:workers', 8);
    return !o.has('w1') && [...o.values()].reduce((a, b) => a + b, 0) === 8;
  }, 'the other workers to lease every partition');
  await new Promise((r) => setTimeout(r, 1000));
  for (const s of streams) s.stop();
  const total = sent();
  await until(() => {
    const got = new Set(
      seenBy(workers)
        .filter((e) => e.t === 'MESSAGE_CREATE')
        .map((e) => `${e.s}:${e.i}:${e.q}`),
    );
    return got.size >= total;
  }, `all ${total} streamed events at the workers`);

  const all = seenBy(workers);
  // No gap: per shard session, the sequences seen form one unbroken run from READY (1).
  const bySession = new Map<string, Set<number>>();
  for (const e of all) {
    const set = bySession.get(`${e.s}:${e.i}`) ?? new Set<number>();
    set.add(e.q);
    bySession.set(`${e.s}:${e.i}`, set);
  }
  expect(bySession.size).toBe(SHARDS);
  for (const [session, seqs] of bySession) {
    const max = Math.max(...seqs);
    expect(seqs.size, `session ${session}`).toBe(max);
    expect(seqs.has(1), `session ${session} READY`).toBe(true);
  }
  // No duplicate at any worker that lived; a repeat can only be something the dead worker
  // handled but never acknowledged (at-least-once), handled once more by the partition's new owner.
  const counts = new Map<string, Seen[]>();
  for (const e of all) counts.set(`${e.s}:${e.i}:${e.q}`, [...(counts.get(`${e.s}:${e.i}:${e.q}`) ?? []), e]);
  for (const [key, list] of counts) {
    if (list.length === 1) continue;
    expect(list.length, key).toBe(2);
    expect(list.filter((e) => e.worker === 'w1').length, key).toBe(1);
  }
});

// Capacity, not spacing (the 48-shard test proves the spacing with refusals on): the emulator
// holds a large bot's 2,500 light shard connections from two processes, each shard identified once.
it('a large bot: 2,500 shards with max_concurrency 16 over two processes, each identified exactly once', async () => {
  redisServer = await startTestRedis();
  emu = await startEmulator({
    seed: { guilds: [] },
    shards: 2500,
    maxConcurrency: 16,
    identifyIntervalMs: 0,
    sessionStartLimit: 5000,
  });
  const env = {
    REDIS_URL: redisServer.url,
    REST_URL: emu.restUrl,
    BOT_TOKEN: emu.token,
    SPACING_MS: '5',
    LEASE_TTL_MS: '10000',
    PREFIX: 'large',
  };
  children.push(
    startChild('l1', 'gatewayMain.ts', { ...env, OWNER: 'l1' }),
    startChild('l2', 'gatewayMain.ts', { ...env, OWNER: 'l2' }),
  );
  await until(
    () => emu!.control.identifyLog().length >= 2500 && emu!.control.connectionStats().connections === 2500,
    '2,500 shards',
    120_000,
  );
  const shards = emu.control.identifyLog().map((e) => e.shard[0]);
  expect(shards).toHaveLength(2500);
  expect(new Set(shards).size).toBe(2500);
}, 180_000);

it('negative control: processes that each space only their own identifies are refused by the emulator', async () => {
  redisServer = await startTestRedis();
  emu = await startEmulator({
    seed,
    shards: 16,
    maxConcurrency: 1,
    identifyIntervalMs: 300,
    identifyPolicy: 'refuse',
  });
  const env = {
    REDIS_URL: redisServer.url,
    REST_URL: emu.restUrl,
    BOT_TOKEN: emu.token,
    SPACING_MS: '350',
    LEASE_TTL_MS: '3000',
    PREFIX: 'control',
    LOCAL_QUEUE: '1',
  };
  children.push(
    startChild('a', 'gatewayMain.ts', { ...env, OWNER: 'a' }),
    startChild('b', 'gatewayMain.ts', { ...env, OWNER: 'b' }),
  );
  await until(() => emu!.control.identifyRefusals().length > 0, 'a refused identify');
  expect(emu.control.identifyRefusals().length).toBeGreaterThan(0);
});

it('redis-server restarts mid-stream: nobody crashes, clients back off and reconnect, and the stream goes on', async () => {
  redisServer = await startTestRedis();
  emu = await startEmulator({ seed, shards: 2, maxConcurrency: 1, identifyIntervalMs: 0 });
  const env = {
    REDIS_URL: redisServer.url,
    REST_URL: emu.restUrl,
    BOT_TOKEN: emu.token,
    SPACING_MS: '50',
    LEASE_TTL_MS: '3000',
    PREFIX: 'restart',
  };
  const gateway = startChild('gw', 'gatewayMain.ts', { ...env, OWNER: 'gw' });
  const worker = startChild('wk', 'workerMain.ts', { ...env, NAME: 'wk' });
  children.push(gateway, worker);
  await gateway.waitFor((l) => l.startsWith('started'), 'the gateway to start');
  await worker.waitFor((l) => l.startsWith('worker'), 'the worker to start');
  await until(() => emu!.control.identifyLog().length === 2, 'both shards to identify');
  const guildId = guildIds.find((id) => Number((BigInt(id) >> 22n) % 2n) === 0)!;
  const stream = emu.control.startStream({ ratePerSecond: 50, guildId });
  streams.push(stream);
  const messages = () => worker.lines.filter((l) => l.includes('"MESSAGE_CREATE"')).length;
  await until(() => messages() > 20, 'events before the restart');
  await redisServer.stop();
  await gateway.waitFor((l) => l.startsWith('redis: reconnect'), 'the gateway to back off');
  await new Promise((r) => setTimeout(r, 500));
  await redisServer.start();
  const before = stream.sent();
  await until(() => messages() > before + 20, 'events after the restart');
  stream.stop();
  const total = stream.sent();
  await until(
    () => new Set(worker.lines.filter((l) => l.includes('"MESSAGE_CREATE"'))).size >= total,
    `all ${total} events`,
  );
  expect(gateway.process.exitCode).toBeNull();
  expect(worker.process.exitCode).toBeNull();
  expect(gateway.lines.filter((l) => l.startsWith('[stderr]'))).toEqual([]);
});
