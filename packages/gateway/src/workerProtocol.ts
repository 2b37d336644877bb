/**
 * Messages between the main thread and a shard worker (workerStrategy.ts, shardWorker.ts).
 * The identify queue and the session store stay on the main thread, so every worker shares
 * them: the worker asks, the main thread answers by id.
 */
import type { SessionInfo } from './shardCore.js';
import type { ShardOptions } from './shard.js';

/** Shard options that cross the thread boundary (no functions, no queue or store objects). */
export type WorkerShardOptions = Omit<ShardOptions, 'identifyQueue' | 'sessionStore' | 'random'>;

export type ToWorker =
  | { readonly type: 'spawn'; readonly shardId: number; readonly options: WorkerShardOptions }
  | { readonly type: 'connect'; readonly shardId: number }
  | { readonly type: 'send'; readonly shardId: number; readonly op: number; readonly d: unknown }
  | { readonly type: 'destroy'; readonly shardId: number; readonly resumable: boolean }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: string;
    };

export type FromWorker =
  | { readonly type: 'event'; readonly name: string; readonly event: Record<string, unknown> }
  | { readonly type: 'connected'; readonly shardId: number }
  | { readonly type: 'identify'; readonly id: number; readonly shardId: number }
  | { readonly type: 'sessionGet'; readonly id: number; readonly shardId: number }
  | {
      readonly type: 'sessionSet';
      readonly id: number;
      readonly shardId: number;
      readonly session: SessionInfo | null;
    };

/** Errors lose their class across postMessage; this keeps what a listener needs to act. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly closeCode?: number;
  readonly reason?: string;
  readonly stage?: string;
  readonly afterMs?: number;
}
