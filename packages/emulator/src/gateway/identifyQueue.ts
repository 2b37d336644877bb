/**
 * Identify concurrency (docs topics/gateway "Session Start Limit" / "max_concurrency"): shards
 * fall into `max_concurrency` buckets by `shard_id % max_concurrency`, and each bucket accepts
 * one IDENTIFY per interval (5 s on Discord). By default an early identify is queued, not
 * rejected, so the observable effect is the order and spacing of READYs, which identifyLog()
 * records. With the 'refuse' policy (tryTake) an early identify is refused instead, which is how
 * a test proves that clients in several processes coordinate their identifies themselves.
 */
import type { EmulatorClock } from '../clock.js';

interface Bucket {
  nextAt: number;
  waiting: Array<(acceptedAt: number) => void>;
  timer: unknown;
}

export class IdentifyQueue {
  private readonly buckets = new Map<number, Bucket>();
  private closed = false;

  constructor(
    private readonly maxConcurrency: number,
    private readonly intervalMs: number,
    private readonly clock: EmulatorClock,
  ) {}

  /**
   * Runs `start` when the shard's bucket allows, with the time it was let through (the time the
   * spacing is measured from); the returned function cancels a waiting entry.
   */
  enqueue(shardId: number, start: (acceptedAt: number) => void): () => void {
    const key = shardId % this.maxConcurrency;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { nextAt: 0, waiting: [], timer: undefined };
      this.buckets.set(key, bucket);
    }
    bucket.waiting.push(start);
    this.pump(bucket);
    return () => {
      const i = bucket.waiting.indexOf(start);
      if (i >= 0) bucket.waiting.splice(i, 1);
    };
  }

  /**
   * For the 'refuse' policy: lets the shard through now if its bucket is free (nothing waiting,
   * spacing elapsed) and returns true; otherwise returns false and changes nothing.
   */
  tryTake(shardId: number): boolean {
    const key = shardId % this.maxConcurrency;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { nextAt: 0, waiting: [], timer: undefined };
      this.buckets.set(key, bucket);
    }
    const now = this.clock.now();
    if (bucket.waiting.length > 0 || now < bucket.nextAt) return false;
    bucket.nextAt = now + this.intervalMs;
    return true;
  }

  private pump(bucket: Bucket): void {
    if (this.closed || bucket.timer !== undefined) return;
    while (bucket.waiting.length > 0) {
      const now = this.clock.now();
      if (now < bucket.nextAt) {
        bucket.timer = this.clock.setTimeout(() => {
          bucket.timer = undefined;
          this.pump(bucket);
        }, bucket.nextAt - now);
        return;
      }
      bucket.nextAt = now + this.intervalMs;
      const start = bucket.waiting.shift()!;
      start(now);
    }
  }

  close(): void {
    this.closed = true;
    for (const bucket of this.buckets.values()) {
      if (bucket.timer !== undefined) this.clock.clearTimeout(bucket.timer);
      bucket.waiting.length = 0;
    }
  }
}
