/**
 * One gateway process of a bot that spans processes and machines. It leases shards (leases.ts),
 * runs each leased shard with the Redis identify queue and session store, appends every dispatch
 * to the broker, checkpoints sequences, and executes the commands workers send to its shards.
 *
 * Start as many as you like, anywhere that reaches the same Redis: they split the shards between
 * them; when one dies, the others take its shards over and resume them from the session store.
 */
import { randomUUID } from 'node:crypto';
import { fetchGatewayBot, type IdentifyQueue, Shard, type ShardOptions } from '@cordwire/gateway';
import { RedisEventPublisher, streamsOf } from './eventBroker.js';
import { RedisIdentifyQueue } from './identifyQueue.js';
import { RedisKeys } from './keys.js';
import { LeaseSet } from './leases.js';
import { command, connectRedis, type RedisClient } from './redis.js';
import { RedisSessionStore, SequenceCheckpointer } from './sessionStore.js';

export interface GatewayProcessOptions {
  /** `redis://host:port`. */
  readonly redisUrl: string;
  readonly token: string;
  readonly intents: number;
  /** REST base for /gateway/bot. Default https://discord.com/api/v10. */
  readonly restUrl?: string;
  /** Total shards; default /gateway/bot's recommendation (must agree across processes). */
  readonly shardCount?: number;
  /** Identify spacing per bucket (Discord: 5000). */
  readonly identifySpacingMs?: number;
  /** Shard lease TTL; a dead process's shards move after about this long. Default 5000. */
  readonly leaseTtlMs?: number;
  readonly partitions?: number;
  /** How often a shard's sequence is written to the session store. Default 1000 ms. */
  readonly checkpointMs?: number;
  /** Other Shard options (encoding, compression, timeouts). */
  readonly shard?: Omit<
    ShardOptions,
    'token' | 'intents' | 'shardId' | 'shardCount' | 'gatewayUrl' | 'identifyQueue' | 'sessionStore'
  >;
  readonly prefix?: string;
  /** Replaces the shared Redis identify queue (only to show what goes wrong without it). */
  readonly identifyQueue?: IdentifyQueue;
  /** This process's id in Redis (default a random UUID). */
  readonly owner?: string;
  readonly log?: (line: string) => void;
}

export interface GatewayProcess {
  readonly owner: string;
  readonly shardCount: number;
  /** The shards this process runs now. */
  shards(): number[];
  readonly publisher: RedisEventPublisher;
  /** Stops every shard resumably (sessions stay in the store) and hands the leases back. */
  stop(): Promise<void>;
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const log = options.log ?? (() => {});
  const keys = new RedisKeys(options.prefix);
  const owner = options.owner ?? randomUUID();
  const redis = await connectRedis({
    url: options.redisUrl,
    onReconnect: (attempt, delayMs) => log(`redis: reconnect ${attempt} in ${delayMs} ms`),
  });
  const restUrl = options.restUrl ?? 'https://discord.com/api/v10';
  const info = await fetchGatewayBot(restUrl, options.token);
  const shardCount = options.shardCount ?? info.shards;
  await command(redis, ['SET', `${keys.prefix}:meta:shardCount`, shardCount]);
  const queue = new RedisIdentifyQueue({
    redis,
    maxConcurrency: Math.max(1, info.session_start_limit.max_concurrency),
    spacingMs: options.identifySpacingMs ?? 5000,
    keys,
  });
  await queue.setSessionStartLimit(info.session_start_limit);
  const store = new RedisSessionStore({ redis, keys });
  const checkpointer = new SequenceCheckpointer(store, options.checkpointMs ?? 1000);
  const publisher = new RedisEventPublisher({ redis, partitions: options.partitions, keys });
  const running = new Map<number, Shard>();
  const commands = new CommandReader(redis, keys, running, log);

  const leases = new LeaseSet({
    redis,
    kind: 'shard',
    count: shardCount,
    owner,
    ttlMs: options.leaseTtlMs ?? 5000,
    keys,
    onAcquire: (shardId) => {
      const shard = new Shard({
        ...options.shard,
        token: options.token,
        intents: options.intents,
        shardId,
        shardCount,
        gatewayUrl: info.url,
        identifyQueue: options.identifyQueue ?? queue,
        sessionStore: store,
      });
      running.set(shardId, shard);
      shard.on('dispatch', ({ t, s, d }) => {
        const sessionId =
          shard.session?.sessionId ?? (t === 'READY' ? (d as { session_id?: string }).session_id : undefined);
        if (!sessionId) return;
        const guildId = (d as { guild_id?: unknown; id?: unknown } | null)?.guild_id;
        publisher.publish({
          shardId,
          sessionId,
          sequence: s,
          t,
          d,
          guildId:
            typeof guildId === 'string'
              ? guildId
              : t === 'GUILD_CREATE'
                ? String((d as { id?: unknown }).id)
                : undefined,
        });
        checkpointer.note(shardId, sessionId, s);
      });
      shard.on('ready', ({ sessionId }) => log(`shard ${shardId}: ready (session ${sessionId.slice(0, 8)})`));
      shard.on('resumed', ({ replayed }) => log(`shard ${shardId}: resumed, ${replayed} replayed`));
      shard.on('fatal', ({ error }) => log(`shard ${shardId}: fatal: ${error.message}`));
      commands.watch(shardId);
      log(`shard ${shardId}: leased`);
      void shard.connect();
    },
    onRelease: (shardId, reason) => {
      commands.unwatch(shardId);
      running.get(shardId)?.destroy({ resumable: true });
      running.delete(shardId);
      log(`shard ${shardId}: released (${reason})`);
    },
    onError: (e) => log(`leases: ${(e as Error)?.message ?? e}`),
  });
  await leases.start();
  commands.start();

  return {
    owner,
    shardCount,
    shards: () => leases.held(),
    publisher,
    async stop() {
      commands.stop();
      await leases.stop();
      await checkpointer.flush();
      checkpointer.stop();
      await publisher.flush();
      publisher.close();
      await redis.close().catch(() => {});
    },
  };
}

/**
 * Reads the command streams of this process's shards (consumer group 'gateway'), sends each
 * command on its shard and acknowledges it. A command left unacknowledged by a process that
 * died is claimed by the shard's next owner.
 */
class CommandReader {
  readonly #watched = new Set<number>();
  readonly #fresh = new Set<number>();
  #running = false;
  #reader: RedisClient | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly shards: ReadonlyMap<number, Shard>,
    private readonly log: (line: string) => void,
  ) {}

  watch(shardId: number): void {
    this.#watched.add(shardId);
    this.#fresh.add(shardId);
  }

  unwatch(shardId: number): void {
    this.#watched.delete(shardId);
    this.#fresh.delete(shardId);
  }

  start(): void {
    this.#running = true;
    void this.#loop();
  }

  stop(): void {
    this.#running = false;
    void this.#reader?.close().catch(() => {});
  }

  async #loop(): Promise<void> {
    this.#reader = this.redis.duplicate();
    this.#reader.on('error', () => {});
    await this.#reader.connect().catch(() => {});
    while (this.#running) {
      const ids = [...this.#watched];
      if (ids.length === 0) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        for (const id of ids) {
          if (!this.#fresh.delete(id)) continue;
          await command(this.redis, [
            'XGROUP',
            'CREATE',
            this.keys.commands(id),
            'gateway',
            '0',
            'MKSTREAM',
          ]).catch(() => {});
          const r = (await command(this.redis, [
            'XAUTOCLAIM',
            this.keys.commands(id),
            'gateway',
            'owner',
            0,
            '0-0',
            'COUNT',
            1000,
          ])) as unknown[];
          for (const entry of (r?.[1] as unknown[]) ?? []) await this.#run(id, entry);
        }
        const reply = (await command(this.#reader, [
          'XREADGROUP',
          'GROUP',
          'gateway',
          'owner',
          'COUNT',
          100,
          'BLOCK',
          500,
          'STREAMS',
          ...ids.map((id) => this.keys.commands(id)),
          ...ids.map(() => '>'),
        ])) as unknown;
        for (const [key, entries] of streamsOf(reply)) {
          const id = ids.find((x) => this.keys.commands(x) === key);
          if (id === undefined) continue;
          for (const entry of entries) await this.#run(id, entry);
        }
      } catch (e) {
        if (this.#running) this.log(`commands: ${(e as Error)?.message ?? e}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async #run(shardId: number, entry: unknown): Promise<void> {
    if (!Array.isArray(entry)) return;
    const [entryId, fields] = entry as [string, string[]];
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < (fields?.length ?? 0); i += 2) f[String(fields[i])] = String(fields[i + 1]);
    const shard = this.shards.get(shardId);
    if (!shard) return; // not ours any more: the next owner claims it
    try {
      const op = Number(f.op);
      const d: unknown = JSON.parse(f.d ?? 'null');
      if (Number.isInteger(op)) shard.send(op as never, d as never);
    } catch {
      this.log(`commands: dropped a malformed command for shard ${shardId}`);
    }
    await command(this.redis, ['XACK', this.keys.commands(shardId), 'gateway', entryId]);
  }
}
