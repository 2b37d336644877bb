import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryIdentifyQueue, SendRateLimit } from '../src/index.js';

describe('send rate limit (sliding window)', () => {
  it('never lets more than 120 sends into any 60 s span, whatever the mix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 2000 }), priority: fc.boolean() }), {
          maxLength: 600,
        }),
        fc.integer({ min: 1000, max: 45_000 }),
        (steps, interval) => {
          const limit = new SendRateLimit();
          limit.setHeartbeatInterval(interval);
          const reservedBeats = Math.ceil(60_000 / interval) + 2;
          let now = 0;
          let priorityInWindow: number[] = [];
          const sentAt: number[] = [];
          for (const step of steps) {
            now += step.gap;
            priorityInWindow = priorityInWindow.filter((t) => t > now - 60_000);
            // Priority sends are heartbeats/identify/resume: at most the reserve per window.
            if (step.priority && priorityInWindow.length < reservedBeats) {
              limit.recordPriority(now);
              priorityInWindow.push(now);
              sentAt.push(now);
            } else if (limit.tryUserSend(now) === 0) {
              sentAt.push(now);
            }
          }
          for (let i = 0; i < sentAt.length; i++) {
            const inSpan = sentAt.filter((t) => t >= sentAt[i]! && t < sentAt[i]! + 60_000).length;
            expect(inSpan).toBeLessThanOrEqual(120);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('says how long until the next slot frees', () => {
    const limit = new SendRateLimit(6, 1000, 1); // 3 reserved, 3 for users
    expect(limit.tryUserSend(0)).toBe(0);
    expect(limit.tryUserSend(10)).toBe(0);
    expect(limit.tryUserSend(20)).toBe(0);
    expect(limit.tryUserSend(30)).toBe(970);
    expect(limit.tryUserSend(1000)).toBe(0);
  });
});

describe('in-memory identify queue', () => {
  it('grants one shard per max_concurrency key at a time, in request order per key', async () => {
    const queue = new InMemoryIdentifyQueue({ maxConcurrency: 2, spacingMs: 30 });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4, 5].map((id) => queue.waitForIdentify(id).then(() => order.push(id))));
    // Key 0 holds 0, 2, 4 and key 1 holds 1, 3, 5: each key in order, keys interleaved.
    expect(order.filter((id) => id % 2 === 0)).toEqual([0, 2, 4]);
    expect(order.filter((id) => id % 2 === 1)).toEqual([1, 3, 5]);
    expect(order.slice(0, 2).sort()).toEqual([0, 1]);
  });

  it('drops a waiter whose signal aborts', async () => {
    const queue = new InMemoryIdentifyQueue({ spacingMs: 50 });
    await queue.waitForIdentify(0);
    const abort = new AbortController();
    const waiting = queue.waitForIdentify(1, abort.signal);
    abort.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    queue.close();
  });
});
