/**
 * The event broker: gateway processes append dispatches to Redis Streams; worker processes
 * consume them through a consumer group and acknowledge each one.
 *
 * Streams are partitioned by guild (events without a guild by shard), and each partition is
 * leased to one worker at a time (leases.ts), so a guild's events are handled in order even with
 * many workers. When a worker dies, the partition's lease expires, another worker takes it and
 * first claims (XAUTOCLAIM) what the dead one had read but not acknowledged. Delivery is at least
 * once; a worker drops repeats by (shard, session, sequence), remembered per partition in Redis
 * beside the acknowledgement, so a repeat is recognised whichever worker sees it. Streams are
 * trimmed to about `maxLen` entries each.
 */
import { RedisKeys } from './keys.js';
import { hash, LeaseSet } from './leases.js';
import { command, evalScript, type RedisClient } from './redis.js';

export interface BrokerEvent {
  readonly shardId: number;
  readonly sessionId: string;
  readonly sequence: number;
  readonly t: string;
  readonly d: unknown;
  readonly guildId?: string | undefined;
}

export interface DeliveredEvent extends BrokerEvent {
  readonly partition: number;
  /** The stream entry id. */
  readonly id: string;
}

/** The partition an event goes to: by guild, so one guild's events stay in one ordered stream. */
export function partitionOf(e: Pick<BrokerEvent, 'guildId' | 'shardId'>, partitions: number): number {
  return e.guildId ? hash(e.guildId) % partitions : e.shardId % partitions;
}

export interface PublisherOptions {
  readonly redis: RedisClient;
  readonly partitions?: number;
  /** Approximate entries kept per partition stream (XADD MAXLEN ~). Default 100000. */
  readonly maxLen?: number;
  /** Events held in memory while Redis is away; beyond it the oldest are dropped and counted. */
  readonly maxBuffered?: number;
  readonly keys?: RedisKeys;
}

export interface PublisherStats {
  published: number;
  buffered: number;
  dropped: number;
  retries: number;
}

export class RedisEventPublisher {
  readonly #redis: RedisClient;
  readonly #partitions: number;
  readonly #maxLen: number;
  readonly #maxBuffered: number;
  readonly #keys: RedisKeys;
  readonly #queue: BrokerEvent[] = [];
  /** The batch being written now; it goes back to the front of the queue if the write fails. */
  #inflight: BrokerEvent[] = [];
  readonly #stats: PublisherStats = { published: 0, buffered: 0, dropped: 0, retries: 0 };
  #pumping: Promise<void> | undefined;
  #closed = false;

  constructor(options: PublisherOptions) {
    this.#redis = options.redis;
    this.#partitions = options.partitions ?? 16;
    this.#maxLen = options.maxLen ?? 100_000;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    this.#keys = options.keys ?? new RedisKeys();
  }

  get stats(): Readonly<PublisherStats> {
    return { ...this.#stats, buffered: this.#queue.length + this.#inflight.length };
  }

  /** Queues one event; events go to Redis in the order they were published. Never throws. */
  publish(event: BrokerEvent): void {
    if (this.#closed) return;
    this.#queue.push(event);
    this.#trim();
    this.#kick();
  }

  /** Drops the oldest queued events beyond the bound (never the batch already being written). */
  #trim(): void {
    while (this.#queue.length > 0 && this.#queue.length + this.#inflight.length > this.#maxBuffered) {
      this.#queue.shift();
      this.#stats.dropped++;
    }
  }

  #kick(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      // An event published while the pump was finishing would otherwise wait for the next one.
      if (this.#queue.length > 0) this.#kick();
    });
  }

  /** Resolves when everything published so far is in Redis (or the publisher was closed). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      this.#kick();
      await this.#pumping;
    }
  }

  close(): void {
    this.#closed = true;
  }

  async #pump(): Promise<void> {
    let failures = 0;
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue.splice(0, 256);
      this.#inflight = batch;
      try {
        // One pipeline, in order; node-redis writes the batch on one connection back to back.
        await Promise.all(batch.map((e) => command(this.#redis, this.#xadd(e))));
        this.#inflight = [];
        this.#stats.published += batch.length;
        failures = 0;
      } catch {
        this.#inflight = [];
        this.#queue.unshift(...batch);
        this.#trim();
        // Some of the batch may be in Redis already: sending it again makes repeats, which
        // consumers drop by sequence. Waiting keeps memory to the bound above.
        this.#stats.retries++;
        failures++;
        await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** Math.min(failures, 6))));
      }
    }
  }

  #xadd(e: BrokerEvent): Array<string | number> {
    const p = partitionOf(e, this.#partitions);
    return [
      'XADD',
      this.#keys.events(p),
      'MAXLEN',
      '~',
      this.#maxLen,
      '*',
      's',
      e.shardId,
      'i',
      e.sessionId,
      'q',
      e.sequence,
      't',
      e.t,
      'g',
      e.guildId ?? '',
      'd',
      JSON.stringify(e.d ?? null),
    ];
  }
}

// Acknowledges a batch of one partition's entries and remembers, per shard session, the highest
// sequence handled. ARGV: group, the number of ids, the ids, then session/sequence pairs.
const ACK = `
local n = tonumber(ARGV[2])
redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 3, 2 + n))
for i = 3 + n, #ARGV, 2 do
  local last = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '-1')
  if tonumber(ARGV[i + 1]) > last then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
return n
`;

/** What a batch has to acknowledge in one partition. */
interface PendingAcks {
  ids: string[];
  /** Highest sequence handled per `shard:session`. */
  sequences: Map<string, number>;
}

export interface ConsumerOptions {
  readonly redis: RedisClient;
  /** The consumer group (one per kind of worker). Default 'workers'. */
  readonly group?: string;
  /** This consumer's name; unique per process. */
  readonly name: string;
  readonly partitions?: number;
  /** Handles one event; the event is acknowledged when it resolves. A throw leaves it pending. */
  readonly handler: (event: DeliveredEvent) => unknown;
  readonly batch?: number;
  readonly blockMs?: number;
  readonly leaseTtlMs?: number;
  readonly keys?: RedisKeys;
  readonly onError?: (error: unknown) => void;
}

export interface ConsumerStats {
  handled: number;
  duplicates: number;
  claimed: number;
  failed: number;
  malformed: number;
}

export class RedisEventConsumer {
  readonly #o: ConsumerOptions;
  readonly #group: string;
  readonly #partitions: number;
  readonly #keys: RedisKeys;
  readonly #leases: LeaseSet;
  readonly #lastSeen = new Map<number, Map<string, number>>();
  readonly #needsClaim = new Set<number>();
  readonly #acks = new Map<number, PendingAcks>();
  readonly #stats: ConsumerStats = { handled: 0, duplicates: 0, claimed: 0, failed: 0, malformed: 0 };
  #reader: RedisClient | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: ConsumerOptions) {
    this.#o = options;
    this.#group = options.group ?? 'workers';
    this.#partitions = options.partitions ?? 16;
    this.#keys = options.keys ?? new RedisKeys();
    this.#leases = new LeaseSet({
      redis: options.redis,
      kind: `partition:${this.#group}`,
      count: this.#partitions,
      owner: options.name,
      ttlMs: options.leaseTtlMs ?? 5000,
      keys: this.#keys,
      onAcquire: (p) => this.#acquire(p),
      onRelease: (p) => {
        this.#lastSeen.delete(p);
        this.#needsClaim.delete(p);
      },
      onError: (e) => options.onError?.(e),
    });
  }

  get stats(): Readonly<ConsumerStats> {
    return { ...this.#stats };
  }

  partitions(): number[] {
    return this.#leases.held();
  }

  async start(): Promise<void> {
    this.#running = true;
    // Blocking reads get their own connection so they never hold up acknowledgements.
    this.#reader = this.#o.redis.duplicate();
    this.#reader.on('error', () => {});
    await this.#reader.connect();
    await this.#leases.start();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#leases.stop();
    await this.#reader?.close().catch(() => {});
  }

  async #acquire(p: number): Promise<void> {
    const key = this.#keys.events(p);
    try {
      await command(this.#o.redis, ['XGROUP', 'CREATE', key, this.#group, '0', 'MKSTREAM']);
    } catch (e) {
      if (!String((e as Error)?.message).includes('BUSYGROUP')) throw e;
    }
    const raw = (await command(this.#o.redis, ['HGETALL', this.#keys.dedupe(p)])) as unknown;
    const seen = new Map<string, number>();
    if (Array.isArray(raw))
      for (let i = 0; i + 1 < raw.length; i += 2) seen.set(String(raw[i]), Number(raw[i + 1]));
    else if (raw && typeof raw === 'object')
      for (const [k, v] of Object.entries(raw as Record<string, string>)) seen.set(k, Number(v));
    this.#lastSeen.set(p, seen);
    this.#needsClaim.add(p);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const held = this.#leases.held();
      if (held.length === 0) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        for (const p of held) if (this.#needsClaim.has(p)) await this.#claim(p);
        const reply = (await command(this.#reader!, [
          'XREADGROUP',
          'GROUP',
          this.#group,
          this.#o.name,
          'COUNT',
          this.#o.batch ?? 500,
          'BLOCK',
          this.#o.blockMs ?? 500,
          'STREAMS',
          ...held.map((p) => this.#keys.events(p)),
          ...held.map(() => '>'),
        ])) as unknown;
        for (const [key, entries] of streamsOf(reply)) {
          const p = held.find((x) => this.#keys.events(x) === key);
          if (p === undefined || !this.#leases.held().includes(p)) continue;
          for (const [id, fields] of entries) await this.#handle(p, id, fields);
        }
        await this.#settle();
      } catch (e) {
        await this.#settle().catch(() => {});
        this.#o.onError?.(e);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Takes over every entry of the partition that was read but never acknowledged, oldest first. */
  async #claim(p: number): Promise<void> {
    const key = this.#keys.events(p);
    let cursor = '0-0';
    const claimed: Array<[string, string[]]> = [];
    do {
      const r = (await command(this.#o.redis, [
        'XAUTOCLAIM',
        key,
        this.#group,
        this.#o.name,
        0,
        cursor,
        'COUNT',
        1000,
      ])) as unknown[];
      cursor = String(r[0]);
      for (const entry of (r[1] as unknown[]) ?? []) {
        if (Array.isArray(entry) && entry.length === 2)
          claimed.push([String(entry[0]), entry[1] as string[]]);
      }
    } while (cursor !== '0-0');
    this.#needsClaim.delete(p);
    this.#stats.claimed += claimed.length;
    claimed.sort((a, b) => compareIds(a[0], b[0]));
    for (const [id, fields] of claimed) await this.#handle(p, id, fields);
    await this.#settle();
  }

  async #handle(p: number, id: string, fields: unknown): Promise<void> {
    const event = decodeEntry(p, id, fields);
    if (!event) {
      this.#stats.malformed++;
      this.#ack(p, id);
      return;
    }
    const session = `${event.shardId}:${event.sessionId}`;
    const seen = this.#lastSeen.get(p) ?? new Map<string, number>();
    if (event.sequence <= (seen.get(session) ?? -1)) {
      this.#stats.duplicates++;
      this.#ack(p, id);
      return;
    }
    try {
      await this.#o.handler(event);
    } catch (e) {
      // Left pending: this worker (after a restart) or the next owner of the partition retries it.
      this.#stats.failed++;
      this.#o.onError?.(e);
      return;
    }
    seen.set(session, event.sequence);
    this.#stats.handled++;
    this.#ack(p, id, session, event.sequence);
  }

  #ack(p: number, id: string, session?: string, sequence?: number): void {
    let pending = this.#acks.get(p);
    if (!pending) {
      pending = { ids: [], sequences: new Map() };
      this.#acks.set(p, pending);
    }
    pending.ids.push(id);
    if (session !== undefined && sequence !== undefined && sequence > (pending.sequences.get(session) ?? -1))
      pending.sequences.set(session, sequence);
  }

  /**
   * Acknowledges what the batch handled: one script per partition. Handler order is what keeps a
   * guild's events in order; acknowledgements only have to land before the partition moves, and
   * the script keeps the remembered sequences monotonic.
   */
  async #settle(): Promise<void> {
    const batches = [...this.#acks];
    this.#acks.clear();
    const calls: Promise<unknown>[] = [];
    for (const [p, { ids, sequences }] of batches) {
      // At most 1000 ids a call: Lua's unpack has a stack limit.
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const last = i + 1000 >= ids.length;
        calls.push(
          evalScript(
            this.#o.redis,
            ACK,
            [this.#keys.events(p), this.#keys.dedupe(p)],
            [this.#group, chunk.length, ...chunk, ...(last ? [...sequences].flat() : [])],
          ),
        );
      }
    }
    await Promise.all(calls);
  }
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as < bs ? -1 : as > bs ? 1 : 0) : am < bm ? -1 : 1;
}

/** XREADGROUP's reply as [stream key, [[id, fields]...]] pairs (RESP2 arrays or RESP3 maps). */
export function streamsOf(reply: unknown): Array<[string, Array<[string, unknown]>]> {
  if (!reply) return [];
  const pairs: Array<[unknown, unknown]> = Array.isArray(reply)
    ? (reply as unknown[]).map((x) => (Array.isArray(x) ? [x[0], x[1]] : [undefined, undefined]))
    : Object.entries(reply as Record<string, unknown>);
  return pairs
    .filter(([k, v]) => k !== undefined && Array.isArray(v))
    .map(([k, v]) => [
      String(k),
      (v as unknown[]).filter(Array.isArray).map((e) => [String((e as unknown[])[0]), (e as unknown[])[1]]),
    ]);
}

/** One stream entry as an event, or undefined when it is not one of ours. */
export function decodeEntry(partition: number, id: string, fields: unknown): DeliveredEvent | undefined {
  const f: Record<string, string> = {};
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) f[String(fields[i])] = String(fields[i + 1]);
  } else if (fields && typeof fields === 'object') {
    for (const [k, v] of Object.entries(fields as Record<string, unknown>)) f[k] = String(v);
  } else return undefined;
  const shardId = Number(f.s);
  const sequence = Number(f.q);
  if (!Number.isInteger(shardId) || shardId < 0 || !Number.isSafeInteger(sequence) || !f.i || !f.t)
    return undefined;
  let d: unknown;
  try {
    d = JSON.parse(f.d ?? 'null');
  } catch {
    return undefined;
  }
  return { partition, id, shardId, sessionId: f.i, sequence, t: f.t, d, guildId: f.g || undefined };
}
