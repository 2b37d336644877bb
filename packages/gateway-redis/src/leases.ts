/**
 * Leases: which process owns which shard (or which worker owns which event partition).
 *
 * Each of `count` items has a lease key that holds its owner's id and expires `ttlMs` after the
 * owner last renewed it. Owners also announce themselves in a sorted set scored by the time their
 * announcement expires, so every owner can count the live ones and aim for an even share
 * (ceil(count / live)). When an owner dies its leases expire and the survivors' share grows, so
 * they take its items over within about one TTL plus one renewal period; when a new owner
 * arrives, the others hand back what is above their share. All decisions use Redis's clock.
 */
import { GatewayRedisError } from './errors.js';
import { RedisKeys } from './keys.js';
import { evalScript, type RedisClient } from './redis.js';

const ANNOUNCE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZCARD', KEYS[1])
`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export type LeaseReleaseReason = 'lost' | 'rebalance' | 'stop';

export interface LeaseSetOptions {
  readonly redis: RedisClient;
  /** What is leased, e.g. 'shard' or 'partition'; part of the keys. */
  readonly kind: string;
  readonly count: number;
  /** This owner's id; unique per process. */
  readonly owner: string;
  readonly ttlMs?: number;
  /** Called when an item becomes ours. Errors are reported through onError, not thrown. */
  readonly onAcquire: (id: number) => void | Promise<void>;
  readonly onRelease: (id: number, reason: LeaseReleaseReason) => void | Promise<void>;
  readonly onError?: (error: unknown) => void;
  readonly keys?: RedisKeys;
}

export class LeaseSet {
  readonly #o: LeaseSetOptions;
  readonly #ttlMs: number;
  readonly #keys: RedisKeys;
  readonly #held = new Set<number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #ticking: Promise<void> | undefined;

  constructor(options: LeaseSetOptions) {
    if (!Number.isInteger(options.count) || options.count < 1)
      throw new GatewayRedisError('INVALID_OPTIONS', 'lease count must be a whole number >= 1');
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#keys = options.keys ?? new RedisKeys();
  }

  held(): number[] {
    return [...this.#held].sort((a, b) => a - b);
  }

  /** Announces this owner, takes a first share, and keeps renewing every ttl/3. */
  async start(): Promise<void> {
    this.#running = true;
    await this.tick();
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(
      () => {
        this.#ticking = this.tick().finally(() => this.#schedule());
      },
      Math.max(50, Math.floor(this.#ttlMs / 3)),
    );
  }

  /** One round: announce, renew, hand back above the share, take up to the share. */
  async tick(): Promise<void> {
    const { redis, kind, owner, count } = this.#o;
    try {
      const live = Number(
        await evalScript(redis, ANNOUNCE, [this.#keys.members(kind)], [owner, this.#ttlMs]),
      );
      for (const id of this.held()) {
        const ok = Number(await evalScript(redis, RENEW, [this.#keys.lease(kind, id)], [owner, this.#ttlMs]));
        if (ok !== 1) await this.#drop(id, 'lost');
      }
      const share = Math.ceil(count / Math.max(1, live));
      for (const id of this.held().reverse()) {
        if (this.#held.size <= share) break;
        await evalScript(redis, RELEASE, [this.#keys.lease(kind, id)], [owner]);
        await this.#drop(id, 'rebalance');
      }
      // Start at an offset so owners do not all race for item 0.
      const start = Math.abs(hash(owner)) % count;
      for (let k = 0; k < count && this.#held.size < share && this.#running; k++) {
        const id = (start + k) % count;
        if (this.#held.has(id)) continue;
        const r = await redis.sendCommand([
          'SET',
          this.#keys.lease(kind, id),
          owner,
          'NX',
          'PX',
          String(this.#ttlMs),
        ]);
        if (String(r) === 'OK') {
          this.#held.add(id);
          try {
            await this.#o.onAcquire(id);
          } catch (e) {
            this.#o.onError?.(e);
          }
        }
      }
    } catch (e) {
      // Redis away: keep what we hold until renewals fail after it returns; report and retry.
      this.#o.onError?.(e);
    }
  }

  async #drop(id: number, reason: LeaseReleaseReason): Promise<void> {
    if (!this.#held.delete(id)) return;
    try {
      await this.#o.onRelease(id, reason);
    } catch (e) {
      this.#o.onError?.(e);
    }
  }

  /** Hands every lease back (so others take over at once) and stops renewing. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    const { redis, kind, owner } = this.#o;
    for (const id of this.held()) {
      await evalScript(redis, RELEASE, [this.#keys.lease(kind, id)], [owner]).catch(() => {});
      await this.#drop(id, 'stop');
    }
    await redis.sendCommand(['ZREM', this.#keys.members(kind), owner]).catch(() => {});
  }
}

/** FNV-1a, for spreading owners and guilds; not for security. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
