/**
 * IDENTIFY is rate limited per application: shards whose `shard_id % max_concurrency` is equal
 * (their rate-limit key) must identify at least 5 s apart; different keys may go at once
 * (docs "Sharding", "Max Concurrency"). The queue is an interface so a queue shared by several
 * processes or machines (a Redis lock, an HTTP service) can replace the in-memory one.
 */
export interface IdentifyQueue {
  /** Resolves when `shardId` may send IDENTIFY; rejects if `signal` aborts first. */
  waitForIdentify(shardId: number, signal?: AbortSignal): Promise<void>;
}

export interface InMemoryIdentifyQueueOptions {
  /** session_start_limit.max_concurrency from /gateway/bot. */
  readonly maxConcurrency?: number;
  /** Spacing per rate-limit key; Discord's is 5 s. */
  readonly spacingMs?: number;
  readonly now?: () => number;
  /**
   * Runs `fn` after `ms` and returns its cancel function; default setTimeout. With `now`, lets
   * a test drive the queue on a manual clock.
   */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
}

function scheduleWithTimeout(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
  readonly signal?: AbortSignal;
  readonly onAbort: () => void;
}

interface Bucket {
  nextAt: number;
  readonly waiters: Waiter[];
  cancelTimer?: () => void;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

export class InMemoryIdentifyQueue implements IdentifyQueue {
  private readonly buckets = new Map<number, Bucket>();
  readonly maxConcurrency: number;
  private readonly spacingMs: number;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;

  constructor(options: InMemoryIdentifyQueueOptions = {}) {
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 1);
    this.spacingMs = options.spacingMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? scheduleWithTimeout;
  }

  waitForIdentify(shardId: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const key = shardId % this.maxConcurrency;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { nextAt: 0, waiters: [] };
      this.buckets.set(key, bucket);
    }
    const b = bucket;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = b.waiters.indexOf(waiter);
          if (i >= 0) b.waiters.splice(i, 1);
          reject(abortError(signal!));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      b.waiters.push(waiter);
      this.drain(b);
    });
  }

  private drain(b: Bucket): void {
    if (b.cancelTimer) return;
    while (b.waiters.length > 0) {
      const wait = b.nextAt - this.now();
      if (wait > 0) {
        b.cancelTimer = this.schedule(() => {
          b.cancelTimer = undefined;
          this.drain(b);
        }, wait);
        return;
      }
      const w = b.waiters.shift()!;
      w.signal?.removeEventListener('abort', w.onAbort);
      b.nextAt = this.now() + this.spacingMs;
      w.resolve();
    }
  }

  /** Cancels pending timers (waiters stay pending until their signals abort). */
  close(): void {
    for (const b of this.buckets.values()) {
      b.cancelTimer?.();
      b.cancelTimer = undefined;
    }
  }
}
