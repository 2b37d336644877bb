import { expect, it } from 'vitest';
import { GatewayRedisError, type RedisClient, RedisIdentifyQueue, RedisKeys } from '../src/index.js';
import { redisForFile, until } from './helpers/shared.js';

const { client } = redisForFile();

let n = 0;
function keys(): RedisKeys {
  return new RedisKeys(`t${n++}`);
}

/** Resolves once `shardId`'s waiter entry has been refreshed `times` times (each refresh is one refused try). */
async function refusedTimes(
  redis: RedisClient,
  k: RedisKeys,
  bucket: number,
  shardId: number,
  times: number,
) {
  const seen = new Set<string>();
  const deadline = Date.now() + 10_000;
  while (seen.size < times) {
    if (Date.now() > deadline) throw new Error('waiter never retried');
    const v = await redis.sendCommand(['HGET', k.identifyExpiry(bucket), String(shardId)]);
    if (v !== null) seen.add(String(v));
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('two processes (two connections) share buckets: in each bucket shards go in shard-id order', async () => {
  const k = keys();
  const a = new RedisIdentifyQueue({
    redis: await client(),
    maxConcurrency: 2,
    spacingMs: 30,
    pollMs: 5,
    keys: k,
  });
  const b = new RedisIdentifyQueue({
    redis: await client(),
    maxConcurrency: 2,
    spacingMs: 30,
    pollMs: 5,
    keys: k,
  });
  const order: number[] = [];
  // Hold both buckets so that every shard is waiting before the first grant.
  const admin = await client();
  await admin.sendCommand(['SET', k.identifyLock(0), 'x', 'PX', '60000']);
  await admin.sendCommand(['SET', k.identifyLock(1), 'x', 'PX', '60000']);
  const shards = [7, 2, 5, 0, 3, 6, 1, 4];
  const done = shards.map((id) => (id % 2 === 0 ? a : b).waitForIdentify(id).then(() => order.push(id)));
  for (const id of shards) await refusedTimes(admin, k, id % 2, id, 2);
  await admin.sendCommand(['DEL', k.identifyLock(0), k.identifyLock(1)]);
  await Promise.all(done);
  expect(order.filter((id) => id % 2 === 0)).toEqual([0, 2, 4, 6]);
  expect(order.filter((id) => id % 2 === 1)).toEqual([1, 3, 5, 7]);
});

it('no shard of a bucket is let through while the bucket lock lives', async () => {
  const k = keys();
  const redis = await client();
  const q = new RedisIdentifyQueue({ redis, maxConcurrency: 1, spacingMs: 60_000, pollMs: 5, keys: k });
  await q.waitForIdentify(0);
  expect(Number(await redis.sendCommand(['PTTL', k.identifyLock(0)]))).toBeGreaterThan(0);
  let granted = false;
  const second = q.waitForIdentify(1).then(() => {
    granted = true;
  });
  await refusedTimes(redis, k, 0, 1, 5);
  expect(granted).toBe(false);
  await redis.sendCommand(['DEL', k.identifyLock(0)]); // as if 60 s had passed
  await second;
  expect(granted).toBe(true);
});

it("a dead process's waiting shard stops blocking its bucket once its entry expires", async () => {
  const k = keys();
  const redis = await client();
  // Shard 0 of a process that died: its entry was last refreshed long ago.
  await redis.sendCommand(['ZADD', k.identifyWaiters(0), '0', '0']);
  await redis.sendCommand(['HSET', k.identifyExpiry(0), '0', '1']);
  const q = new RedisIdentifyQueue({ redis, maxConcurrency: 1, spacingMs: 10, pollMs: 5, keys: k });
  await q.waitForIdentify(3);
  expect(Number(await redis.sendCommand(['ZCARD', k.identifyWaiters(0)]))).toBe(0);
});

it('the daily session start limit is shared: at 0 remaining nobody identifies until the window resets', async () => {
  const k = keys();
  const redis = await client();
  const q = new RedisIdentifyQueue({ redis, maxConcurrency: 4, spacingMs: 10, pollMs: 5, keys: k });
  await q.setSessionStartLimit({ remaining: 2, reset_after: 60_000 });
  // A second process's numbers do not reset the shared counter.
  await new RedisIdentifyQueue({ redis, maxConcurrency: 4, keys: k }).setSessionStartLimit({
    remaining: 1000,
    reset_after: 1,
  });
  await q.waitForIdentify(0);
  await q.waitForIdentify(1);
  expect(await q.sessionStartsRemaining()).toBe(0);
  let granted = false;
  const third = q.waitForIdentify(2).then(() => {
    granted = true;
  });
  await refusedTimes(redis, k, 2, 2, 4);
  expect(granted).toBe(false);
  await redis.sendCommand(['DEL', k.sessionStarts()]); // the window reset
  await third;
  expect(granted).toBe(true);
});

it('an abort leaves the queue with a typed error and removes the waiter', async () => {
  const k = keys();
  const redis = await client();
  await redis.sendCommand(['SET', k.identifyLock(0), 'x', 'PX', '60000']);
  const q = new RedisIdentifyQueue({ redis, maxConcurrency: 1, pollMs: 5, keys: k });
  const ac = new AbortController();
  const p = q.waitForIdentify(4, ac.signal);
  await refusedTimes(redis, k, 0, 4, 1);
  ac.abort();
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayRedisError);
  expect((err as GatewayRedisError).code).toBe('ABORTED');
  expect(Number(await redis.sendCommand(['ZCARD', k.identifyWaiters(0)]))).toBe(0);
});

it('refuses a max_concurrency that is not a whole number >= 1', async () => {
  const redis = await client();
  expect(() => new RedisIdentifyQueue({ redis, maxConcurrency: 0 })).toThrow(GatewayRedisError);
});
