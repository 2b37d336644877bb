/**
 * Runs a bot's shards: reads /gateway/bot for the URL, the shard count and max_concurrency,
 * starts the shards of this process's range, and re-emits their events with the shard id.
 *
 * Shards start round by round: round r holds the ids r*max_concurrency ... (r+1)*max_concurrency-1,
 * one per rate-limit key, and the next round starts once every shard of the current one has
 * been granted its IDENTIFY (or resumed). The identify queue does the spacing; starting in rounds
 * only makes the order deterministic (shard 5 never identifies before shard 1).
 *
 * Where shards run is a strategy: `inProcessStrategy` (the default) creates Shard objects here,
 * `workerThreadsStrategy` (workerStrategy.ts) runs them in worker threads.
 */
import { EventEmitter } from 'node:events';
import type { GatewayDispatchMap, UserSendData, UserSendOpcode } from './payloads.js';
import { fetchGatewayBot, type GatewayBotInfo } from './gatewayBot.js';
import { keepToken, tokenOf, withoutToken } from './botToken.js';
import {
  type IdentifyQueue,
  InMemoryIdentifyQueue,
  type InMemoryIdentifyQueueOptions,
} from './identifyQueue.js';
import { SHARD_EVENT_NAMES, Shard, type ShardEvents, type ShardOptions } from './shard.js';

export interface ShardManagerOptions extends Omit<ShardOptions, 'shardId' | 'shardCount' | 'gatewayUrl'> {
  /** REST base used for /gateway/bot. Default https://discord.com/api/v10. */
  readonly restUrl?: string;
  /** Total shards; default: what /gateway/bot recommends. */
  readonly shardCount?: number;
  /** This process's shards (for one bot spread over processes); default all. */
  readonly shardIds?: readonly number[] | { readonly start: number; readonly end: number };
  /** Spacing per max_concurrency key for the default queue. Default 5000 ms. */
  readonly identifySpacingMs?: number;
  /** Clock and timer of the default queue (InMemoryIdentifyQueueOptions); for tests. */
  readonly identifyClock?: Pick<InMemoryIdentifyQueueOptions, 'now' | 'schedule'>;
  readonly strategy?: ShardingStrategy;
}

/** The seam between the manager and where shards live. */
export interface ShardingStrategy {
  spawn(shardId: number, options: ShardOptions, events: ShardEventSink): ShardHandle;
}

export interface ShardHandle {
  connect(): Promise<void>;
  send<Op extends UserSendOpcode>(op: Op, d: UserSendData<Op>): void;
  destroy(options?: { resumable?: boolean }): void;
}

export type ShardEventSink = <K extends keyof ShardEvents>(name: K, ...args: ShardEvents[K]) => void;

const LIFECYCLE = SHARD_EVENT_NAMES;

export const inProcessStrategy: ShardingStrategy = {
  spawn(_shardId, options, sink) {
    const shard = new Shard(options);
    for (const name of LIFECYCLE) {
      (shard.on as (n: string, l: (e: unknown) => void) => Shard)(name, (e) =>
        (sink as (n: string, e: unknown) => void)(name, e),
      );
    }
    return shard;
  },
};

function rangeIds(ids: ShardManagerOptions['shardIds'], count: number): number[] {
  if (!ids) return Array.from({ length: count }, (_, i) => i);
  if (Array.isArray(ids)) return [...(ids as readonly number[])].sort((a, b) => a - b);
  const { start, end } = ids as { start: number; end: number };
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

export class ShardManager extends EventEmitter<ShardEvents> {
  private readonly handles = new Map<number, ShardHandle>();
  private info: GatewayBotInfo | null = null;
  private shardCountValue = 0;

  /** The options without the token (botToken.ts: the token is never kept in a field). */
  private readonly options: Omit<ShardManagerOptions, 'token'>;

  constructor(options: ShardManagerOptions) {
    super();
    this.options = withoutToken(options);
    keepToken(this, options.token);
  }

  get shardCount(): number {
    return this.shardCountValue;
  }

  get gatewayInfo(): GatewayBotInfo | null {
    return this.info;
  }

  /** The shard a guild's events arrive on: (guild_id >> 22) % shard_count (docs "Sharding"). */
  shardIdForGuild(guildId: string): number {
    return Number((BigInt(guildId) >> 22n) % BigInt(this.shardCountValue || 1));
  }

  /**
   * Fetches /gateway/bot and starts this process's shards; resolves once every shard is READY
   * or RESUMED (or has failed fatally: watch the `fatal` event).
   */
  async connect(): Promise<void> {
    const o = this.options;
    this.info = await fetchGatewayBot(o.restUrl ?? 'https://discord.com/api/v10', tokenOf(this));
    this.shardCountValue = o.shardCount ?? this.info.shards;
    const maxConcurrency = Math.max(1, this.info.session_start_limit.max_concurrency);
    const inner: IdentifyQueue =
      o.identifyQueue ??
      new InMemoryIdentifyQueue({
        maxConcurrency,
        spacingMs: o.identifySpacingMs ?? 5000,
        ...o.identifyClock,
      });
    const started = new Map<number, () => void>();
    const live = new Map<number, () => void>();
    const allLive: Promise<void>[] = [];
    const queue: IdentifyQueue = {
      waitForIdentify: async (shardId, signal) => {
        await inner.waitForIdentify(shardId, signal);
        started.get(shardId)?.();
      },
    };
    const strategy = o.strategy ?? inProcessStrategy;
    const sink: ShardEventSink = (name, ...args) => {
      if (name === 'ready' || name === 'resumed' || name === 'fatal') {
        const id = (args[0] as { shardId: number }).shardId;
        started.get(id)?.();
        live.get(id)?.();
      }
      (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args);
    };
    const ids = rangeIds(o.shardIds, this.shardCountValue);
    for (let i = 0; i < ids.length; i += maxConcurrency) {
      const round = ids.slice(i, i + maxConcurrency);
      await Promise.all(
        round.map(async (shardId) => {
          const up = new Promise<void>((resolve) => started.set(shardId, resolve));
          allLive.push(new Promise<void>((resolve) => live.set(shardId, resolve)));
          const handle = strategy.spawn(
            shardId,
            {
              ...o,
              token: tokenOf(this),
              shardId,
              shardCount: this.shardCountValue,
              gatewayUrl: this.info!.url,
              identifyQueue: queue,
            },
            sink,
          );
          this.handles.set(shardId, handle);
          await handle.connect();
          await up;
          started.delete(shardId);
        }),
      );
    }
    await Promise.all(allLive);
  }

  /** As Shard.onDispatch, for every shard of this manager. */
  onDispatch<T extends keyof GatewayDispatchMap>(
    t: T,
    listener: (d: GatewayDispatchMap[T], event: ShardEvents['dispatch'][0]) => void,
  ): () => void {
    const l = (e: ShardEvents['dispatch'][0]) => {
      if (e.t === t) listener(e.d as GatewayDispatchMap[T], e);
    };
    this.on('dispatch', l);
    return () => this.off('dispatch', l);
  }

  send<Op extends UserSendOpcode>(shardId: number, op: Op, d: UserSendData<Op>): void {
    this.handles.get(shardId)?.send(op, d);
  }

  /** The in-process Shard for an id (undefined with other strategies). */
  shard(shardId: number): Shard | undefined {
    const h = this.handles.get(shardId);
    return h instanceof Shard ? h : undefined;
  }

  destroy(options: { resumable?: boolean } = {}): void {
    for (const h of this.handles.values()) h.destroy(options);
    this.handles.clear();
  }
}
