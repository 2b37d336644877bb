/**
 * An IdentifyQueue (@cordwire/gateway's seam) shared by every process of a bot through Redis.
 *
 * Discord lets one shard per rate-limit bucket (`shard_id % max_concurrency`) identify every
 * 5 s, across the whole bot, and counts identifies against a daily session_start_limit. Here each
 * bucket is a lock key that lives `spacingMs` after a grant, and a sorted set of waiting shards
 * scored by shard id, so the lowest waiting shard goes first whichever process it lives in.
 * A waiter refreshes its entry while it waits; the entry of a process that died expires and
 * stops blocking the bucket. Every decision is one Lua script, on Redis's clock, so processes on
 * machines with skewed clocks still agree.
 */
import type { IdentifyQueue } from '@cordwire/gateway';
import { GatewayRedisError } from './errors.js';
import { RedisKeys } from './keys.js';
import { evalScript, type RedisClient } from './redis.js';

// Returns 0 when granted, -1 when another shard of the bucket is ahead, or the ms to wait.
const TRY_IDENTIFY = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = redis.call('HGETALL', KEYS[2])
for i = 1, #expiry, 2 do
  if tonumber(expiry[i + 1]) < now then
    redis.call('ZREM', KEYS[1], expiry[i])
    redis.call('HDEL', KEYS[2], expiry[i])
  end
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[3]))
if redis.call('ZRANGE', KEYS[1], 0, 0)[1] ~= ARGV[1] then return -1 end
local wait = redis.call('PTTL', KEYS[3])
if wait > 0 then return wait end
local left = tonumber(redis.call('GET', KEYS[4]) or '-1')
if left == 0 then
  local reset = redis.call('PTTL', KEYS[4])
  if reset > 0 then return reset end
elseif left > 0 then
  redis.call('DECR', KEYS[4])
end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 0
`;

const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 0
`;

export interface RedisIdentifyQueueOptions {
  readonly redis: RedisClient;
  /** session_start_limit.max_concurrency from /gateway/bot. */
  readonly maxConcurrency: number;
  /** Spacing per bucket; Discord's is 5000 ms. */
  readonly spacingMs?: number;
  /** How often a waiting shard asks again (at most; it sleeps less when told the lock's TTL). */
  readonly pollMs?: number;
  /** How long a waiter's entry outlives its last refresh (a dead process's shards stop blocking). */
  readonly waiterTtlMs?: number;
  readonly keys?: RedisKeys;
}

export class RedisIdentifyQueue implements IdentifyQueue {
  readonly #redis: RedisClient;
  readonly #maxConcurrency: number;
  readonly #spacingMs: number;
  readonly #pollMs: number;
  readonly #waiterTtlMs: number;
  readonly #keys: RedisKeys;

  constructor(options: RedisIdentifyQueueOptions) {
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1)
      throw new GatewayRedisError('INVALID_OPTIONS', 'maxConcurrency must be a whole number >= 1');
    this.#redis = options.redis;
    this.#maxConcurrency = options.maxConcurrency;
    this.#spacingMs = options.spacingMs ?? 5000;
    this.#pollMs = options.pollMs ?? 100;
    this.#waiterTtlMs = options.waiterTtlMs ?? Math.max(2000, this.#pollMs * 10);
    this.#keys = options.keys ?? new RedisKeys();
  }

  /**
   * Shares the daily limit from GET /gateway/bot. Only the first process's numbers are kept
   * (SET NX), so processes that start later do not reset a counter others have spent from.
   */
  async setSessionStartLimit(limit: { remaining: number; reset_after: number }): Promise<void> {
    await this.#redis.sendCommand([
      'SET',
      this.#keys.sessionStarts(),
      String(limit.remaining),
      'PX',
      String(Math.max(1, limit.reset_after)),
      'NX',
    ]);
  }

  /** Identifies left in the shared daily window, or undefined when no limit was set. */
  async sessionStartsRemaining(): Promise<number | undefined> {
    const v = await this.#redis.sendCommand(['GET', this.#keys.sessionStarts()]);
    return v === null ? undefined : Number(v);
  }

  async waitForIdentify(shardId: number, signal?: AbortSignal): Promise<void> {
    const bucket = shardId % this.#maxConcurrency;
    const keys = [
      this.#keys.identifyWaiters(bucket),
      this.#keys.identifyExpiry(bucket),
      this.#keys.identifyLock(bucket),
      this.#keys.sessionStarts(),
    ];
    const member = String(shardId);
    for (;;) {
      if (signal?.aborted) {
        await evalScript(this.#redis, LEAVE, keys.slice(0, 2), [member]).catch(() => {});
        throw new GatewayRedisError('ABORTED', `identify of shard ${shardId} was cancelled`);
      }
      let wait = this.#pollMs;
      try {
        const r = Number(
          await evalScript(this.#redis, TRY_IDENTIFY, keys, [member, this.#spacingMs, this.#waiterTtlMs]),
        );
        if (r === 0) return;
        if (r > 0) wait = Math.min(r, this.#pollMs);
      } catch {
        // Redis is away: keep waiting (node-redis reconnects with backoff); never identify unsafely.
      }
      await sleep(wait, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
