/**
 * Every key this package writes, in one place, under one prefix per bot (default `cordwire`), so
 * several bots can share a Redis and an operator can find (or delete) all of one bot's state.
 * The Lua scripts touch several keys at once, so they assume one Redis (with or without
 * replicas), not Redis Cluster.
 */
export class RedisKeys {
  constructor(readonly prefix = 'cordwire') {}

  identifyWaiters(bucket: number): string {
    return `${this.prefix}:identify:${bucket}:waiters`;
  }
  identifyExpiry(bucket: number): string {
    return `${this.prefix}:identify:${bucket}:expiry`;
  }
  identifyLock(bucket: number): string {
    return `${this.prefix}:identify:${bucket}:lock`;
  }
  /** The daily session_start_limit counter, shared by every bucket. */
  sessionStarts(): string {
    return `${this.prefix}:identify:starts`;
  }
  session(shardId: number): string {
    return `${this.prefix}:session:${shardId}`;
  }
  events(partition: number): string {
    return `${this.prefix}:events:${partition}:stream`;
  }
  dedupe(partition: number): string {
    return `${this.prefix}:events:${partition}:dedupe`;
  }
  commands(shardId: number): string {
    return `${this.prefix}:commands:${shardId}`;
  }
  lease(kind: string, id: number): string {
    return `${this.prefix}:lease:${kind}:${id}`;
  }
  members(kind: string): string {
    return `${this.prefix}:members:${kind}`;
  }
}
