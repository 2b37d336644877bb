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
});
