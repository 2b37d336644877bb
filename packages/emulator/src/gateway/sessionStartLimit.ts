/**
 * The session start limit (docs topics/gateway "Session Start Limit Object", "Identifying"):
 * `total` IDENTIFYs per `reset_after` window, across all shards; RESUME does not count. The
 * window opens with the first IDENTIFY after a reset, and once it has passed `remaining` is back
 * to `total`. What /gateway/bot reports and what the gateway enforces come from this one object.
 */
import type { EmulatorClock } from '../clock.js';

export interface SessionStartLimitInfo {
  total: number;
  remaining: number;
  reset_after: number;
}

export class SessionStartLimit {
  private used = 0;
  /** When the current window ends; undefined while no IDENTIFY was counted since the last reset. */
  private resetAt: number | undefined;

  constructor(
    readonly total: number,
    private readonly windowMs: number,
    private readonly clock: EmulatorClock,
  ) {}

  private roll(): void {
    if (this.resetAt !== undefined && this.clock.now() >= this.resetAt) {
      this.used = 0;
      this.resetAt = undefined;
    }
  }

  /** Counts one IDENTIFY; false when none was left (the caller then enforces the limit). */
  take(): boolean {
    this.roll();
    if (this.used >= this.total) return false;
    this.used += 1;
    this.resetAt ??= this.clock.now() + this.windowMs;
    return true;
  }

  info(): SessionStartLimitInfo {
    this.roll();
    return {
      total: this.total,
      remaining: this.total - this.used,
      reset_after: this.resetAt === undefined ? this.windowMs : Math.max(0, this.resetAt - this.clock.now()),
    };
  }
}
