/**
 * Runs shards in worker_threads: the socket, decompression and parsing of a shard happen off the
 * main thread, which only receives its events. The identify queue and the session store stay on
 * the main thread so all workers share them.
 */
import { Worker } from 'node:worker_threads';
import {
  GatewayError,
  type GatewayErrorCode,
  GatewayFatalCloseError,
  GatewayInboundError,
  GatewayTimeoutError,
} from './errors.js';
import { type IdentifyQueue, InMemoryIdentifyQueue } from './identifyQueue.js';
import { MemorySessionStore } from './sessionStore.js';
import type { ShardEventSink, ShardHandle, ShardingStrategy } from './shardManager.js';
import type { ShardOptions } from './shard.js';
import type { FromWorker, SerializedError, ToWorker, WorkerShardOptions } from './workerProtocol.js';

export interface WorkerStrategyOptions {
  /** Shards per worker thread. Default 1. */
  readonly shardsPerWorker?: number;
  /** Extra Node flags for the workers. */
  readonly execArgv?: string[];
  /** The worker entry; default dist/shardWorker.js beside this file (override to run from source). */
  readonly workerUrl?: URL;
  /**
   * The identify queue for shards spawned without one (a ShardManager always passes its own).
   * Default: one InMemoryIdentifyQueue (max_concurrency 1, 5 s) shared by every shard of this
   * strategy, so shards spawned directly still identify one at a time.
   */
  readonly identifyQueue?: IdentifyQueue;
}

export interface WorkerStrategy extends ShardingStrategy {
  /** Terminates every worker (after destroying their shards). */
  close(): Promise<void>;
}

function reviveError(e: SerializedError, shardId: number): GatewayError {
  if (e.name === 'GatewayFatalCloseError' && e.closeCode !== undefined) {
    return new GatewayFatalCloseError(e.closeCode, e.reason ?? '', shardId);
  }
  if (e.name === 'GatewayTimeoutError' && e.stage) {
    return new GatewayTimeoutError(e.stage as 'handshake' | 'hello' | 'ready', e.afterMs ?? 0);
  }
  if (e.name === 'GatewayInboundError') {
    return new GatewayInboundError(
      e.code as 'GATEWAY_FRAME_TOO_LARGE' | 'GATEWAY_DECOMPRESS_FAILED' | 'GATEWAY_DECODE_FAILED',
      e.message,
    );
  }
  return new GatewayError((e.code ?? 'GATEWAY_DECODE_FAILED') as GatewayErrorCode, e.message);
}

export function workerThreadsStrategy(options: WorkerStrategyOptions = {}): WorkerStrategy {
  const perWorker = Math.max(1, options.shardsPerWorker ?? 1);
  const workers: Worker[] = [];
  const shardIds = new Map<Worker, number[]>();
  const sinks = new Map<number, ShardEventSink>();
  const connectWaiters = new Map<number, () => void>();
  let count = 0;
  let closing = false;
  // One queue and one store per strategy: shards that fall back to them coordinate identifies.
  const defaultQueue = options.identifyQueue ?? new InMemoryIdentifyQueue();
  const defaultStore = new MemorySessionStore();

  function workerFor(): Worker {
    const index = Math.floor(count++ / perWorker);
    let w = workers[index];
    if (!w) {
      w = new Worker(options.workerUrl ?? new URL('./shardWorker.js', import.meta.url), {
        execArgv: options.execArgv,
      });
      w.unref();
      const worker = w;
      // A worker that dies takes its shards with it: say so on each, never crash the process.
      const failed = (message: string) => {
        for (const shardId of shardIds.get(worker) ?? []) {
          sinks.get(shardId)?.('fatal', {
            type: 'fatal',
            shardId,
            error: new GatewayError('GATEWAY_WORKER_FAILED', `worker of shard ${shardId} failed: ${message}`),
          });
          connectWaiters.get(shardId)?.();
        }
        shardIds.set(worker, []);
      };
      w.on('error', (e) => failed(e.message));
      w.on('exit', (code) => {
        if (code !== 0 && !closing) failed(`exited with code ${code}`);
      });
      workers[index] = w;
      shardIds.set(w, []);
    }
    return w;
  }

  return {
    spawn(shardId: number, shardOptions: ShardOptions, sink: ShardEventSink): ShardHandle {
      const worker = workerFor();
      shardIds.get(worker)!.push(shardId);
      sinks.set(shardId, sink);
      const queue = shardOptions.identifyQueue ?? defaultQueue;
      const store = shardOptions.sessionStore ?? defaultStore;
      const { identifyQueue: _q, sessionStore: _s, random: _r, ...rest } = shardOptions;
      // Only data crosses to the worker (a manager also passes its strategy and other objects).
      const plain = JSON.parse(JSON.stringify(rest)) as WorkerShardOptions;
      const post = (m: ToWorker) => worker.postMessage(m);
      const reply = (id: number, work: () => unknown) => {
        Promise.resolve()
          .then(work)
          .then(
            (value) => post({ type: 'reply', id, ok: true, value }),
            (e: unknown) => post({ type: 'reply', id, ok: false, error: (e as Error)?.message }),
          );
      };
      worker.on('message', (m: FromWorker) => {
        if ('shardId' in m && m.shardId !== shardId) return;
        switch (m.type) {
          case 'event': {
            if (m.event.shardId !== shardId) return;
            const event = m.event.error
              ? { ...m.event, error: reviveError(m.event.error as SerializedError, shardId) }
              : m.event;
            (sink as (n: string, e: unknown) => void)(m.name, event);
            return;
          }
          case 'connected':
            connectWaiters.get(shardId)?.();
            return;
          case 'identify':
            reply(m.id, () => queue.waitForIdentify(m.shardId));
            return;
          case 'sessionGet':
            reply(m.id, () => store.get(m.shardId));
            return;
          case 'sessionSet':
            reply(m.id, () => store.set(m.shardId, m.session));
            return;
        }
      });
      post({ type: 'spawn', shardId, options: plain });
      return {
        connect: () =>
          new Promise<void>((resolve) => {
            connectWaiters.set(shardId, () => {
              connectWaiters.delete(shardId);
              resolve();
            });
            post({ type: 'connect', shardId });
          }),
        send: (op, d) => post({ type: 'send', shardId, op, d }),
        destroy: (o = {}) => post({ type: 'destroy', shardId, resumable: o.resumable ?? false }),
      };
    },
    async close() {
      closing = true;
      if (defaultQueue instanceof InMemoryIdentifyQueue && !options.identifyQueue) defaultQueue.close();
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}
