import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  connectRedis,
  type RedisClient,
  RedisKeys,
  RedisSessionStore,
  SequenceCheckpointer,
} from '../src/index.js';
import { startTestRedis, type TestRedis } from '../src/testing.js';

let server: TestRedis;
let redis: RedisClient;
beforeAll(async () => {
  server = await startTestRedis();
  redis = await connectRedis({ url: server.url });
});
afterAll(async () => {
  await redis.close();
  await server.close();
});

const session = {
  sessionId: 'abc',
  resumeGatewayUrl: 'ws://127.0.0.1:1/',
  sequence: 10,
  shardId: 3,
  shardCount: 8,
};

it('keeps a session per shard across store instances (another process reads what one wrote)', async () => {
  const keys = new RedisKeys('s1');
  await new RedisSessionStore({ redis, keys }).set(3, session);
  expect(await new RedisSessionStore({ redis, keys }).get(3)).toEqual(session);
  expect(await new RedisSessionStore({ redis, keys }).get(4)).toBeNull();
  await new RedisSessionStore({ redis, keys }).set(3, null);
  expect(await new RedisSessionStore({ redis, keys }).get(3)).toBeNull();
});

it('a checkpoint only moves the sequence forward, and only for the stored session', async () => {
  const keys = new RedisKeys('s2');
  const store = new RedisSessionStore({ redis, keys });
  await store.set(3, session);
  expect(await store.checkpoint(3, 'abc', 25)).toBe(true);
  expect(await store.checkpoint(3, 'abc', 20)).toBe(false);
  expect(await store.checkpoint(3, 'other-session', 99)).toBe(false);
  expect(await store.checkpoint(5, 'abc', 99)).toBe(false);
  expect(await store.get(3)).toEqual({ ...session, sequence: 25 });
});

it('a malformed or foreign entry reads as no session (the shard identifies instead of resuming garbage)', async () => {
  const keys = new RedisKeys('s3');
  const store = new RedisSessionStore({ redis, keys });
  for (const bad of [
    'not json',
    '{"sessionId":1}',
    JSON.stringify({ ...session, shardId: 9 }),
    JSON.stringify({ ...session, sequence: 2 ** 60 }),
  ]) {
    await redis.sendCommand(['SET', keys.session(3), bad]);
    expect(await store.get(3), bad).toBeNull();
  }
});

it('the checkpointer writes the newest sequence once per interval, not once per event', async () => {
  const writes: Array<[number, string, number]> = [];
  const cp = new SequenceCheckpointer(
    {
      checkpoint: async (shardId, sessionId, sequence) => {
        writes.push([shardId, sessionId, sequence]);
        return true;
      },
    },
    60_000,
  );
  for (let s = 1; s <= 500; s++) cp.note(1, 'x', s);
  cp.note(2, 'y', 7);
  await cp.flush();
  cp.stop();
  expect(writes).toEqual([
    [1, 'x', 500],
    [2, 'y', 7],
  ]);
});
