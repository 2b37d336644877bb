import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlayoutBuffer, type PlayoutEntry } from '../src/index.js';
import { lossyReorder, seededRandom } from './seededRandom.js';

describe('PlayoutBuffer', () => {
  it('fills to its depth first, then passes in-order packets straight through', () => {
    const buffer = new PlayoutBuffer<number>({ depth: 3 });
    expect(buffer.push(11, 11)).toEqual([]);
    expect(buffer.push(10, 10)).toEqual([]);
    expect(buffer.push(12, 12).map((e) => e.sequence)).toEqual([10, 11, 12]);
    expect(buffer.push(13, 13)).toEqual([{ sequence: 13, value: 13 }]);
    expect(buffer.stats).toMatchObject({ delivered: 4, lost: 0, held: 0, late: 0 });
  });

  it('10 s of packets with 5 % loss and reordering (seeded): in order, loss counter equals what was dropped', () => {
    for (const seed of [1, 2, 3, 2024]) {
      const random = seededRandom(seed);
      const start = 65_000; // crosses the 16-bit sequence wrap
      const sequences = Array.from({ length: 500 }, (_, i) => (start + i) & 0xffff);
      const { arrived, dropped } = lossyReorder(sequences, random);
      expect(dropped.length).toBeGreaterThan(10);
      const buffer = new PlayoutBuffer<number>({ depth: 5 });
      const out: PlayoutEntry<number>[] = [];
      for (const sequence of arrived) out.push(...buffer.push(sequence, sequence));
      out.push(...buffer.flush());
      expect(out.map((entry) => entry.sequence)).toEqual(sequences);
      expect(out.filter((entry) => entry.value === null).map((entry) => entry.sequence)).toEqual(dropped);
      for (const entry of out) if (entry.value !== null) expect(entry.value).toBe(entry.sequence);
      expect(buffer.stats).toMatchObject({
        lost: dropped.length,
        late: 0,
        duplicate: 0,
        delivered: 500 - dropped.length,
        held: 0,
      });
      expect(buffer.stats.reordered).toBeGreaterThan(0);
    }
  });

  it('counts late and duplicate packets and drops them', () => {
    const buffer = new PlayoutBuffer<number>({ depth: 2 });
    buffer.push(0, 0);
    buffer.push(1, 1);
    buffer.push(3, 3);
    expect(buffer.push(4, 4).map((e) => e.sequence)).toEqual([2, 3, 4]); // 2 declared lost
    expect(buffer.push(2, 2)).toEqual([]);
    expect(buffer.push(4, 4)).toEqual([]);
    buffer.push(6, 6);
    expect(buffer.push(6, 6)).toEqual([]);
    expect(buffer.stats).toMatchObject({ lost: 1, late: 2, duplicate: 1, held: 1 });
  });

  it('treats a large sequence jump as a restart, not as thousands of losses', () => {
    const buffer = new PlayoutBuffer<number>({ depth: 1 });
    buffer.push(100, 1);
    expect(buffer.push(30_000, 2)).toEqual([{ sequence: 30_000, value: 2 }]);
    expect(buffer.stats).toMatchObject({ lost: 0, resyncs: 1 });
  });

  it('stays bounded and in order for any arrival pattern', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 16 }),
        (sequences, depth) => {
          const buffer = new PlayoutBuffer<number>({ depth });
          let previous: number | null = null;
          for (const sequence of sequences) {
            for (const entry of buffer.push(sequence, sequence)) {
              if (previous !== null && buffer.stats.resyncs === 0)
                expect(entry.sequence).toBe((previous + 1) & 0xffff);
              previous = entry.sequence;
            }
            expect(buffer.stats.held).toBeLessThan(depth);
          }
          const s = buffer.stats;
          expect(s.delivered + s.late + s.duplicate + s.held).toBe(s.received);
        },
      ),
      { numRuns: 300 },
    );
  });
});
