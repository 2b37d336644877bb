/**
 * A worker process: consumes the bot's events from the broker and sends commands back to the
 * shard that owns a guild (presence, voice state, request guild members).
 */
import { randomUUID } from 'node:crypto';
import { type DeliveredEvent, RedisEventConsumer } from './eventBroker.js';
import { RedisKeys } from './keys.js';
import { command, connectRedis, type RedisClient } from './redis.js';

export interface WorkerOptions {
  readonly redisUrl: string;
  readonly handler: (event: DeliveredEvent) => unknown;
  /** Consumer group: workers of one kind share it; another kind of worker gets every event too. */
  readonly group?: string;
  readonly name?: string;
  readonly partitions?: number;
  readonly leaseTtlMs?: number;
  readonly prefix?: string;
  readonly log?: (line: string) => void;
}

export interface Worker {
  readonly name: string;
  readonly consumer: RedisEventConsumer;
  /** Sends a gateway command on the shard that owns `guildId`: (guild_id >> 22) % shard_count. */
  sendToGuild(guildId: string, op: number, d: unknown): Promise<void>;
  sendToShard(shardId: number, op: number, d: unknown): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const keys = new RedisKeys(options.prefix);
  const log = options.log ?? (() => {});
  const name = options.name ?? randomUUID();
  const redis: RedisClient = await connectRedis({
    url: options.redisUrl,
    onReconnect: (attempt, delayMs) => log(`redis: reconnect ${attempt} in ${delayMs} ms`),
  });
  const consumer = new RedisEventConsumer({
    redis,
    name,
    group: options.group,
    partitions: options.partitions,
    leaseTtlMs: options.leaseTtlMs,
    handler: options.handler,
    keys,
    onError: (e) => log(`consumer: ${(e as Error)?.message ?? e}`),
  });
  await consumer.start();
  const sendToShard = async (shardId: number, op: number, d: unknown) => {
    await command(redis, [
      'XADD',
      keys.commands(shardId),
      'MAXLEN',
      '~',
      10_000,
      '*',
      'op',
      op,
      'd',
      JSON.stringify(d),
    ]);
  };
  return {
    name,
    consumer,
    sendToShard,
    async sendToGuild(guildId, op, d) {
      const count = Number(await command(redis, ['GET', `${keys.prefix}:meta:shardCount`]));
      const shards = Number.isInteger(count) && count > 0 ? count : 1;
      await sendToShard(Number((BigInt(guildId) >> 22n) % BigInt(shards)), op, d);
    },
    async stop() {
      await consumer.stop();
      await redis.close().catch(() => {});
    },
  };
}
