/**
 * A SessionStore (@cordwire/gateway's seam) in Redis, so a shard restarted in another process
 * or on another machine resumes (RESUME with the stored session id and sequence) instead of
 * identifying, and nothing in between is lost.
 *
 * The shard writes its session at READY and when a connection ends; between those, the process
 * running it calls `checkpoint()` with the latest sequence at a bounded interval (see
 * SequenceCheckpointer), so a process killed without warning loses at most that interval of
 * sequence: the new owner resumes from slightly earlier, Discord replays, and consumers drop the
 * duplicates by (shard, session, sequence).
 */
import type { SessionInfo, SessionStore } from '@cordwire/gateway';
import { RedisKeys } from './keys.js';
import { evalScript, type RedisClient } from './redis.js';

// Moves the sequence forward only, and only for the session it belongs to.
const CHECKPOINT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local s = cjson.decode(raw)
if s.sessionId ~= ARGV[1] or tonumber(ARGV[2]) <= s.sequence then return 0 end
s.sequence = tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(s), 'KEEPTTL')
return 1
`;

function isSessionInfo(v: unknown): v is SessionInfo {
  const s = v as Partial<SessionInfo> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.sessionId === 'string' &&
    typeof s.resumeGatewayUrl === 'string' &&
    Number.isSafeInteger(s.sequence) &&
    Number.isInteger(s.shardId) &&
    Number.isInteger(s.shardCount)
  );
}

export interface RedisSessionStoreOptions {
  readonly redis: RedisClient;
  readonly keys?: RedisKeys;
  /** Sessions older than this are gone on Discord's side anyway. Default 1 hour. */
  readonly ttlMs?: number;
}

export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;

  constructor(options: RedisSessionStoreOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys ?? new RedisKeys();
    this.#ttlMs = options.ttlMs ?? 3_600_000;
  }

  async get(shardId: number): Promise<SessionInfo | null> {
    const raw = await this.#redis.sendCommand(['GET', this.#keys.session(shardId)]);
    if (typeof raw !== 'string') return null;
    try {
      const parsed: unknown = JSON.parse(raw);
      // A malformed entry is no session: the shard identifies rather than resuming garbage.
      return isSessionInfo(parsed) && parsed.shardId === shardId ? parsed : null;
    } catch {
      return null;
    }
  }

  async set(shardId: number, session: SessionInfo | null): Promise<void> {
    const key = this.#keys.session(shardId);
    if (session === null) await this.#redis.sendCommand(['DEL', key]);
    else await this.#redis.sendCommand(['SET', key, JSON.stringify(session), 'PX', String(this.#ttlMs)]);
  }

  /** Moves the stored sequence of `sessionId` forward to `sequence`; true when it did. */
  async checkpoint(shardId: number, sessionId: string, sequence: number): Promise<boolean> {
    const r = await evalScript(this.#redis, CHECKPOINT, [this.#keys.session(shardId)], [sessionId, sequence]);
    return Number(r) === 1;
  }
}

/**
 * Calls `store.checkpoint` for each shard at most once per `intervalMs`, with the newest sequence
 * seen, so a busy shard costs one Redis write per interval rather than one per event.
 */
export class SequenceCheckpointer {
  readonly #store: Pick<RedisSessionStore, 'checkpoint'>;
  readonly #intervalMs: number;
  readonly #pending = new Map<number, { sessionId: string; sequence: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(store: Pick<RedisSessionStore, 'checkpoint'>, intervalMs = 1000) {
    this.#store = store;
    this.#intervalMs = intervalMs;
  }

  note(shardId: number, sessionId: string, sequence: number): void {
    this.#pending.set(shardId, { sessionId, sequence });
    this.#timer ??= setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref?.();
  }

  async flush(): Promise<void> {
    const batch = [...this.#pending];
    this.#pending.clear();
    await Promise.all(
      batch.map(([shardId, s]) =>
        this.#store.checkpoint(shardId, s.sessionId, s.sequence).catch(() => false),
      ),
    );
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
