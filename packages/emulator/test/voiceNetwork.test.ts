import { describe, expect, it } from 'vitest';
import { NetworkLink } from '../src/voice/networkConditions.js';

describe('injected network conditions', () => {
  it('loss is seeded: the same seed drops the same packets', () => {
    const run = (seed: number) => {
      const link = new NetworkLink({ loss: 0.05, seed });
      const out: number[] = [];
      for (let i = 0; i < 2000; i++) link.send(() => out.push(i));
      return { out, dropped: link.counters.dropped };
    };
    const a = run(3);
    expect(run(3)).toEqual(a);
    expect(run(4).out).not.toEqual(a.out);
    expect(a.dropped).toBeGreaterThan(60);
    expect(a.dropped).toBeLessThan(140);
    expect(a.out.length + a.dropped).toBe(2000);
  });

  it('reordering swaps neighbours and never loses a packet; turning it off releases what is held', () => {
    const link = new NetworkLink({ reorder: 0.3, seed: 1 });
    const out: number[] = [];
    for (let i = 0; i < 500; i++) link.send(() => out.push(i));
    link.set({});
    expect(out.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(link.counters.reordered).toBeGreaterThan(50);
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - i)).toBeLessThanOrEqual(1);
  });

  it('a reordered packet with no successor is sent after reorderHoldMs instead of waiting for the next spurt', () => {
    const pending: Array<{ fn: () => void; ms: number }> = [];
    const timer = {
      setTimeout: (fn: () => void, ms: number) => pending.push({ fn, ms }),
      clearTimeout: (handle: unknown) => {
        const entry = pending[(handle as number) - 1];
        if (entry) entry.fn = () => {};
      },
    };
    const link = new NetworkLink({ reorder: 1, seed: 1, reorderHoldMs: 60 }, timer);
    const out: number[] = [];
    link.send(() => out.push(1));
    expect(out).toEqual([]);
    expect(link.counters.reordered).toBe(1);
    expect(pending.map((p) => p.ms)).toEqual([60]);
    pending[0]!.fn();
    expect(out).toEqual([1]);
    // A successor within the hold releases it first, and cancels the hold timer.
    link.send(() => out.push(2));
    link.send(() => out.push(3));
    expect(out).toEqual([1, 3, 2]);
    pending.at(-1)!.fn();
    expect(out).toEqual([1, 3, 2]);
  });
});
