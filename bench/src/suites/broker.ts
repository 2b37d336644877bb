/**
 * Suite: the event broker of @cordwire/gateway-redis against @discordjs/brokers, on one real
 * redis-server. Each side: one publisher appends the same MESSAGE_CREATE payloads (a send time
 * inside), four consumers in one consumer group handle and acknowledge them.
 *
 * Rows: events/s from the first publish to the last acknowledgement; added latency p50/p99 from
 * publish to handler; Redis memory per 1,000 retained events (MEMORY USAGE of the streams).
 * Both sides are checked to deliver every event exactly once before anything is timed.
 * @discordjs/brokers' streams are not trimmed and it encodes with its default (msgpack);
 * ours writes JSON fields. Redis is flushed between rounds.
 */
import { performance } from 'node:perf_hooks';
import { PubSubRedisBroker } from '@discordjs/brokers';
import {
  connectRedis,
  type RedisClient,
  RedisEventConsumer,
  RedisEventPublisher,
  RedisKeys,
} from '@cordwire/gateway-redis';
import { startTestRedis } from '@cordwire/gateway-redis/testing';
import { Redis } from 'ioredis';
import { interleave, percentile } from '../harness.js';
import type { Row } from '../report.js';
import { notMeasuredRow, type Suite } from '../suite.js';

const WORKERS = 4;
const PARTITIONS = 16;
const GUILDS = Array.from({ length: 64 }, (_, i) => String(1300000000000000000n + (BigInt(i) << 22n)));

function payload(n: number): Record<string, unknown> {
  return {
    id: String(1400000000000000000n + BigInt(n)),
    channel_id: '1300000000000000101',
    guild_id: GUILDS[n % GUILDS.length],
    author: {
      id: '1300000000000000010',
      username: 'alice',
      global_name: null,
      discriminator: '0',
      avatar: null,
    },
    content: `message number ${n} with a little text in it`,
    timestamp: '2026-12-03T14:00:00.000Z',
    tts: false,
    mention_everyone: false,
    mentions: [],
    attachments: [],
    embeds: [],
    sentAt: performance.now(),
  };
}

interface Round {
  eventsPerSecond: number;
  latencies: number[];
  bytesPer1000: number;
}

async function until(cond: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`broker bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function memoryOf(redis: RedisClient, keys: string[]): Promise<number> {
  let total = 0;
  for (const k of keys)
    total += Number((await redis.sendCommand(['MEMORY', 'USAGE', k, 'SAMPLES', '0'])) ?? 0);
  return total;
}

async function oursRound(url: string, admin: RedisClient, count: number): Promise<Round> {
  await admin.sendCommand(['FLUSHALL']);
  const keys = new RedisKeys('bench');
  // The whole burst is published at once, so the in-memory bound must hold it (ioredis queues the
  // anchor's whole burst the same way); with the default 10,000 the oldest would be dropped.
  const pub = new RedisEventPublisher({
    redis: await connectRedis({ url }),
    partitions: PARTITIONS,
    keys,
    maxBuffered: count,
  });
  const latencies: number[] = [];
  const seen = new Set<number>();
  const conns: RedisClient[] = [];
  const consumers: RedisEventConsumer[] = [];
  for (let w = 0; w < WORKERS; w++) {
    const redis = await connectRedis({ url });
    conns.push(redis);
    const c = new RedisEventConsumer({
      redis,
      name: `w${w}`,
      partitions: PARTITIONS,
      keys,
      blockMs: 100,
      handler: (e) => {
        const d = e.d as { sentAt: number; n: number };
        latencies.push(performance.now() - d.sentAt);
        seen.add(d.n);
      },
    });
    await c.start();
    consumers.push(c);
  }
  await until(
    () => consumers.every((c) => c.partitions().length === PARTITIONS / WORKERS),
    'partitions to settle',
  );
  const t0 = performance.now();
  for (let n = 0; n < count; n++) {
    const d: Record<string, unknown> = { ...payload(n), n };
    pub.publish({
      shardId: 0,
      sessionId: 's',
      sequence: n + 1,
      t: 'MESSAGE_CREATE',
      d,
      guildId: d.guild_id as string,
    });
  }
  if (pub.stats.dropped > 0) throw new Error(`ours: the publisher dropped ${pub.stats.dropped} events`);
  await until(() => seen.size >= count, 'every event at ours');
  const elapsed = performance.now() - t0;
  const bytes = await memoryOf(
    admin,
    Array.from({ length: PARTITIONS }, (_, p) => keys.events(p)),
  );
  for (const c of consumers) await c.stop();
  for (const r of conns) await r.close();
  if (seen.size !== count || latencies.length !== count)
    throw new Error('ours: not every event exactly once');
  return { eventsPerSecond: (count * 1000) / elapsed, latencies, bytesPer1000: (bytes / count) * 1000 };
}

async function theirsRound(url: string, admin: RedisClient, count: number): Promise<Round> {
  await admin.sendCommand(['FLUSHALL']);
  const publisherRedis = new Redis(url);
  const publisher = new PubSubRedisBroker<{ MESSAGE_CREATE: Record<string, unknown> }>(publisherRedis, {
    group: 'publisher',
  });
  publisher.on('error', () => {});
  const latencies: number[] = [];
  const seen = new Set<number>();
  let handled = 0;
  const subs: Array<{
    broker: PubSubRedisBroker<{ MESSAGE_CREATE: Record<string, unknown> }>;
    redis: Redis;
  }> = [];
  for (let w = 0; w < WORKERS; w++) {
    const redis = new Redis(url);
    const broker = new PubSubRedisBroker<{ MESSAGE_CREATE: Record<string, unknown> }>(redis, {
      group: 'workers',
      name: `w${w}`,
      blockTimeout: 100,
    });
    // Its read loop reports the connection we close at the end of the round as an error.
    broker.on('error', () => {});
    broker.on('MESSAGE_CREATE', ({ data, ack }) => {
      const d = data as { sentAt: number; n: number };
      latencies.push(performance.now() - d.sentAt);
      seen.add(d.n);
      handled++;
      void ack();
    });
    await broker.subscribe(['MESSAGE_CREATE']);
    subs.push({ broker, redis });
  }
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let n = 0; n < count; n++) sends.push(publisher.publish('MESSAGE_CREATE', { ...payload(n), n }));
  await Promise.all(sends);
  await until(() => seen.size >= count, 'every event at @discordjs/brokers');
  const elapsed = performance.now() - t0;
  const bytes = await memoryOf(admin, ['MESSAGE_CREATE']);
  for (const s of subs) await s.broker.destroy();
  await publisher.destroy();
  publisherRedis.disconnect();
  for (const s of subs) s.redis.disconnect();
  if (seen.size !== count || handled !== count)
    throw new Error('@discordjs/brokers: not every event exactly once');
  return { eventsPerSecond: (count * 1000) / elapsed, latencies, bytesPer1000: (bytes / count) * 1000 };
}

export const brokerSuite: Suite = {
  name: 'broker',
  async run(ctx) {
    let server: Awaited<ReturnType<typeof startTestRedis>>;
    try {
      server = await startTestRedis();
    } catch (e) {
      return [notMeasuredRow('broker', 'events/s through the broker, 4 workers', (e as Error).message)];
    }
    const admin = await connectRedis({ url: server.url });
    const count = ctx.quick ? 5_000 : 20_000;
    const ours: Round[] = [];
    const theirs: Round[] = [];
    try {
      ctx.log(`broker: ${count} events per round, ${WORKERS} workers`);
      const r = await interleave(
        async () => {
          const x = await oursRound(server.url, admin, count);
          ours.push(x);
          return x.eventsPerSecond;
        },
        async () => {
          const x = await theirsRound(server.url, admin, count);
          theirs.push(x);
          return x.eventsPerSecond;
        },
        ctx.rounds,
      );
      // The warm-up rounds are the first of each list; the rest pair with the recorded medians.
      const rec = (list: Round[], f: (r: Round) => number) => list.slice(1).map(f);
      const med = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return {
          median: s[Math.floor((s.length - 1) / 2)] ?? Number.NaN,
          min: s[0] ?? Number.NaN,
          max: s.at(-1) ?? Number.NaN,
          samples: xs,
        };
      };
      const anchorName = '@discordjs/brokers 1.0.0 (ioredis)';
      const rows: Row[] = [
        {
          suite: 'broker',
          metric: `events/s, publisher to 4 acknowledging workers (${count} events)`,
          unit: 'events/s',
          better: 'higher',
          ours: r.ours,
          anchor: r.anchor,
          anchorName,
        },
        ...([50, 99] as const).map(
          (p): Row => ({
            suite: 'broker',
            metric: `added latency p${p}, publish to handler`,
            unit: 'ms',
            better: 'lower',
            ours: med(rec(ours, (x) => percentile(x.latencies, p))),
            anchor: med(rec(theirs, (x) => percentile(x.latencies, p))),
            anchorName,
            notes: 'everything published at once: the latency includes queueing behind the burst',
          }),
        ),
        {
          suite: 'broker',
          metric: 'Redis memory per 1,000 retained events',
          unit: 'KiB',
          better: 'lower',
          ours: med(rec(ours, (x) => x.bytesPer1000 / 1024)),
          anchor: med(rec(theirs, (x) => x.bytesPer1000 / 1024)),
          anchorName,
          notes: 'ours: 16 partition streams with JSON fields; theirs: one stream per event type, msgpack',
        },
      ];
      return rows;
    } finally {
      await admin.close();
      await server.close();
    }
  },
};
