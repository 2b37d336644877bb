/**
 * Discord's REST rate limits (docs topics/rate-limits): per-route buckets keyed by bucket hash
 * and major parameter (channel, guild, or webhook id + token), announced on every response with
 * X-RateLimit-Limit / Remaining / Reset / Reset-After / Bucket; a per-bot global limit (50/s,
 * interaction callbacks exempt); and a 429 that always carries Retry-After and the bucket
 * headers, because @discordjs/rest re-sends at once without them (research rest-surface §3.2).
 */
import { createHash } from 'node:crypto';
import type { EmulatorClock } from '../clock.js';

export interface BucketRule {
  /** Shared by the routes of one bucket; hashed into X-RateLimit-Bucket. */
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitOptions {
  /** Requests per second per bot across all routes (default 50, Discord's). */
  globalPerSecond?: number;
  /** Turns every per-route and global limit off (headers are still sent). Default true. */
  enabled?: boolean;
}

/** Discord's documented/observed limits for the routes bots hit hardest; others get DEFAULT. */
const RULES: ReadonlyArray<[method: string, template: string, rule: BucketRule]> = [
  ['POST', '/channels/{channel}/messages', { name: 'channel-message-create', limit: 5, windowMs: 5_000 }],
  [
    'DELETE',
    '/channels/{channel}/messages/{message}',
    { name: 'channel-message-delete', limit: 5, windowMs: 1_000 },
  ],
  [
    'PUT',
    '/channels/{channel}/messages/{message}/reactions/{emoji}/@me',
    { name: 'reaction', limit: 1, windowMs: 250 },
  ],
  [
    'DELETE',
    '/channels/{channel}/messages/{message}/reactions/{emoji}/@me',
    { name: 'reaction', limit: 1, windowMs: 250 },
  ],
  ['PATCH', '/channels/{channel}', { name: 'channel-modify', limit: 5, windowMs: 5_000 }],
  ['PATCH', '/guilds/{guild}/members/{user}', { name: 'member-modify', limit: 10, windowMs: 10_000 }],
];
const DEFAULT_RULE = { limit: 50, windowMs: 1_000 };
/** Bucket states kept before expired ones are swept (ids in paths are chosen by the client). */
const BUCKET_SWEEP_SIZE = 10_000;

export function bucketRule(method: string, template: string): BucketRule {
  for (const [m, t, rule] of RULES) if (m === method && t === template) return rule;
  return { name: `${method} ${template}`, ...DEFAULT_RULE };
}

/** The top-level resource a bucket is split by (docs "Per-route": channel, guild, webhook). */
export function majorParameter(params: Record<string, string>, template: string): string {
  if (template.startsWith('/webhooks/')) return `webhooks/${params.application ?? ''}/${params.token ?? ''}`;
  if (template.startsWith('/interactions/')) return `interactions/${params.interaction ?? ''}`;
  if (params.channel !== undefined) return `channels/${params.channel}`;
  if (params.guild !== undefined) return `guilds/${params.guild}`;
  return 'global';
}

export function bucketHash(name: string): string {
  return createHash('sha256').update(`cordwire:${name}`).digest('hex').slice(0, 32);
}

export type RateLimitDecision =
  | { limited: false; headers: Record<string, string> }
  | {
      limited: true;
      headers: Record<string, string>;
      retryAfterMs: number;
      global: boolean;
    };

interface BucketState {
  remaining: number;
  resetAt: number;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private globalWindowStart = 0;
  private globalCount = 0;
  readonly globalPerSecond: number;
  enabled: boolean;

  constructor(
    private readonly clock: EmulatorClock,
    options: RateLimitOptions = {},
  ) {
    this.globalPerSecond = options.globalPerSecond ?? 50;
    this.enabled = options.enabled ?? true;
  }

  /** The bucket headers for a request that is let through or limited on its route. */
  static headers(rule: BucketRule, remaining: number, resetAt: number, now: number): Record<string, string> {
    return {
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-remaining': String(Math.max(0, remaining)),
      'x-ratelimit-reset': (resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': seconds(resetAt - now),
      'x-ratelimit-bucket': bucketHash(rule.name),
    };
  }

  /** Spends one request of the route's bucket and of the global window, or says why not. */
  take(rule: BucketRule, major: string, opts: { globalExempt: boolean }): RateLimitDecision {
    const now = this.clock.now();
    if (this.enabled && !opts.globalExempt) {
      if (now - this.globalWindowStart >= 1000) {
        this.globalWindowStart = now;
        this.globalCount = 0;
      }
      if (this.globalCount >= this.globalPerSecond) {
        const retryAfterMs = this.globalWindowStart + 1000 - now;
        return {
          limited: true,
          retryAfterMs,
          global: true,
          headers: { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        };
      }
    }
    const key = `${rule.name}:${major}`;
    if (this.buckets.size > BUCKET_SWEEP_SIZE) this.sweep(now);
    let state = this.buckets.get(key);
    if (!state || now >= state.resetAt) {
      state = { remaining: rule.limit, resetAt: now + rule.windowMs };
      this.buckets.set(key, state);
    }
    if (this.enabled && state.remaining <= 0) {
      return {
        limited: true,
        retryAfterMs: state.resetAt - now,
        global: false,
        headers: { ...RateLimiter.headers(rule, 0, state.resetAt, now), 'x-ratelimit-scope': 'user' },
      };
    }
    if (this.enabled) {
      state.remaining -= 1;
      if (!opts.globalExempt) this.globalCount += 1;
    }
    return { limited: false, headers: RateLimiter.headers(rule, state.remaining, state.resetAt, now) };
  }

  /**
   * A limit inside a bucket that its headers do not show, such as renaming a channel (2 per
   * 10 min per channel; @discordjs/rest handles this case as a "sublimit"). Returns how long to
   * wait, or 0 when the request may go.
   */
  takeSublimit(key: string, limit: number, windowMs: number): number {
    if (!this.enabled) return 0;
    const now = this.clock.now();
    const k = `sublimit:${key}`;
    let state = this.buckets.get(k);
    if (!state || now >= state.resetAt) {
      state = { remaining: limit, resetAt: now + windowMs };
      this.buckets.set(k, state);
    }
    if (state.remaining <= 0) return state.resetAt - now;
    state.remaining -= 1;
    return 0;
  }

  /** Drops buckets whose window is over: they would start afresh anyway. */
  private sweep(now: number): void {
    for (const [key, state] of this.buckets) if (now >= state.resetAt) this.buckets.delete(key);
  }

  /** Forgets every bucket (a new window everywhere). */
  reset(): void {
    this.buckets.clear();
    this.globalCount = 0;
  }
}

/** The 429 body and headers Discord sends (docs "Exceeding A Rate Limit"). */
export function tooManyRequests(
  retryAfterMs: number,
  scope: 'user' | 'global' | 'shared',
  headers: Record<string, string>,
): { status: 429; headers: Record<string, string>; body: Record<string, unknown> } {
  const retryAfter = Math.max(0, retryAfterMs) / 1000;
  return {
    status: 429,
    headers: {
      ...headers,
      // The header is whole seconds, rounded up, next to the exact value in the body.
      'retry-after': String(Math.max(1, Math.ceil(retryAfter))),
      'x-ratelimit-scope': scope,
      ...(scope === 'global' ? { 'x-ratelimit-global': 'true' } : {}),
    },
    body: {
      message: scope === 'shared' ? 'The resource is being rate limited.' : 'You are being rate limited.',
      retry_after: Number(retryAfter.toFixed(3)),
      global: scope === 'global',
    },
  };
}
