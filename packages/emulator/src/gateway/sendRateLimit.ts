/**
 * The inbound limit Discord enforces per connection: 120 gateway sends per 60 s, heartbeats
 * included; one more and the connection is closed with 4008 (docs topics/gateway "Rate
 * Limiting"). A fixed window that starts when the connection opens: the most lenient reading
 * that is still exact, and the one discord.js's client-side limiter mirrors.
 */
import type { EmulatorClock } from '../clock.js';

export interface SendLimit {
  count: number;
  windowMs: number;
}

export const DISCORD_SEND_LIMIT: SendLimit = { count: 120, windowMs: 60_000 };

export class SendRateLimit {
  private windowStart: number;
  private used = 0;
  constructor(
    private readonly limit: SendLimit,
    private readonly clock: EmulatorClock,
  ) {
    this.windowStart = clock.now();
  }

  /** Counts one inbound payload; false means the client is over the limit. */
  take(): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.limit.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += 1;
    return this.used <= this.limit.count;
  }
}
