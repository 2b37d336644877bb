import { expect, it } from 'vitest';
import {
  type BrokerEvent,
  type DeliveredEvent,
  decodeEntry,
  type RedisClient,
  RedisEventConsumer,
  RedisEventPublisher,
  RedisKeys,
} from '../src/index.js';
import { redisForFile, until } from './helpers/shared.js';

const { server, client, clients } = redisForFile();

const GUILDS = Array.from({ length: 12 }, (_, i) => String(1300000000000000000n + BigInt(i) * 4194304n));

function events(count: number, session = 's1'): BrokerEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    shardId: i % 2,
    sessionId: `${session}-${i % 2}`,
    sequence: Math.floor(i / 2) + 1,
    t: 'MESSAGE_CREATE',
    d: { n: i, guild_id: GUILDS[i % GUILDS.length] },
    guildId: GUILDS[i % GUILDS.length],
  }));
}

/** Per guild, the `n`s in the order they were handled. */
function byGuild(got: DeliveredEvent[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const e of got) {
    const list = m.get(e.guildId ?? '') ?? [];
    list.push((e.d as { n: number }).n);
    m.set(e.guildId ?? '', list);
  }
  return m;
}

it('four consumers share the partitions; every event is handled once, each guild in order; repeats are dropped', async () => {
  const keys = new RedisKeys('b1');
  const publisher = new RedisEventPublisher({ redis: await client(), partitions: 8, keys });
  const got: DeliveredEvent[] = [];
  const consumers = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const c = new RedisEventConsumer({
        redis: await client(),
        name: `w${i}`,
        partitions: 8,
        keys,
        leaseTtlMs: 600,
        handler: (e) => {
          got.push(e);
        },
      });
      await c.start();
      return c;
    }),
  );
  await until(() => consumers.every((c) => c.partitions().length === 2), 'an even share of partitions');
  const all = events(1200);
  for (const e of all) publisher.publish(e);
  // The same events again, as a gateway that resumed from an older checkpoint would publish them.
  for (const e of all.slice(0, 300)) publisher.publish(e);
  await publisher.flush();
  await until(
    () => consumers.reduce((s, c) => s + c.stats.handled + c.stats.duplicates, 0) >= 1500,
    'all events',
  );
  expect(got.length).toBe(1200);
  expect(consumers.reduce((s, c) => s + c.stats.duplicates, 0)).toBe(300);
  const expected = byGuild(all.map((e, i) => ({ ...e, partition: 0, id: String(i) })));
  expect(byGuild(got)).toEqual(expected);
  for (const c of consumers) await c.stop();
});

it("a consumer that died with events read but not acknowledged: the partition's next owner claims them, in order", async () => {
  const keys = new RedisKeys('b2');
  const publisher = new RedisEventPublisher({ redis: await client(), partitions: 2, keys });
  const seen: number[] = [];
  let stuck = 0;
  // This consumer reads but never finishes a handler: it is as good as dead.
  const dying = new RedisEventConsumer({
    redis: await client(),
    name: 'dying',
    partitions: 2,
    keys,
    leaseTtlMs: 300,
    handler: () => {
      stuck++;
      return new Promise(() => {});
    },
  });
  await dying.start();
  await until(() => dying.partitions().length === 2, 'the dying consumer to hold both partitions');
  const all = events(40);
  for (const e of all) publisher.publish(e);
  await publisher.flush();
  await until(() => stuck >= 1, 'the dying consumer to read');
  // It dies: its connection goes, so its leases are no longer renewed.
  await clients.at(-1)?.destroy();
  const survivor = new RedisEventConsumer({
    redis: await client(),
    name: 'survivor',
    partitions: 2,
    keys,
    leaseTtlMs: 300,
    handler: (e) => {
      seen.push((e.d as { n: number }).n);
    },
  });
  await survivor.start();
  await until(() => seen.length >= 40, 'the survivor to handle every event');
  expect(survivor.stats.claimed).toBeGreaterThanOrEqual(1);
  expect([...seen].sort((a, b) => a - b)).toEqual(all.map((_, i) => i));
  const got = byGuild(seen.map((n) => ({ ...all[n]!, partition: 0, id: '' })));
  expect(got).toEqual(byGuild(all.map((e) => ({ ...e, partition: 0, id: '' }))));
  await survivor.stop();
});

it('decodes only well-formed entries: anything else is counted and acknowledged, never thrown', () => {
  expect(
    decodeEntry(0, '1-0', ['s', '1', 'i', 'x', 'q', '5', 't', 'READY', 'g', '', 'd', '{"a":1}']),
  ).toEqual({
    partition: 0,
    id: '1-0',
    shardId: 1,
    sessionId: 'x',
    sequence: 5,
    t: 'READY',
    d: { a: 1 },
    guildId: undefined,
  });
  for (const bad of [
    null,
    'x',
    ['s', '-1', 'i', 'x', 'q', '1', 't', 'T'],
    ['s', '1', 'q', '1', 't', 'T'],
    ['s', '1', 'i', 'x', 'q', '1', 't', 'T', 'd', '{'],
  ])
    expect(decodeEntry(0, '1-0', bad)).toBeUndefined();
});

it('a publisher holds events while Redis is down (bounded) and delivers them, in order, when it is back', async () => {
  const keys = new RedisKeys('b3');
  const redis = await client();
  const publisher = new RedisEventPublisher({ redis, partitions: 1, keys, maxBuffered: 50 });
  await server().stop();
  const all = events(80, 'outage');
  for (const e of all) publisher.publish(e);
  expect(publisher.stats.dropped).toBe(30);
  expect(publisher.stats.buffered).toBe(50);
  await server().start();
  await publisher.flush();
  const entries = (await redis.sendCommand(['XRANGE', keys.events(0), '-', '+'])) as unknown[];
  const ns = entries.map((e) => (decodeEntry(0, '', (e as unknown[])[1])?.d as { n: number } | undefined)?.n);
  // Event 0 was already handed to the client when Redis went (the batch in flight is never
  // dropped); of the 79 queued behind it, the 30 oldest went to keep the bound of 50.
  expect(ns).toEqual([0, ...all.slice(31).map((_, i) => i + 31)]);
  expect(publisher.stats.published).toBe(50);
});
