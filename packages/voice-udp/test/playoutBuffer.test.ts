import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlayoutBuffer, type PlayoutEntry } from '../src/index.js';
import { DEFAULT_MAX_LOST_ENTRIES } from '../src/playoutBuffer.js';
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

  it('jittered streams (loss, reorder, duplicates near a moving sequence): every packet delivered once with its own value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 8 }),
        (start, steps, depth) => {
          const buffer = new PlayoutBuffer<number>({ depth });
          const delivered: number[] = [];
          let previous: number | null = null;
          const check = (entries: readonly { sequence: number; value: number | null }[]) => {
            for (const entry of entries) {
              if (previous !== null) expect(entry.sequence).toBe((previous + 1) & 0xffff);
              previous = entry.sequence;
              if (entry.value !== null) {
                expect(entry.value).toBe(entry.sequence);
                delivered.push(entry.value);
              }
            }
          };
          let sequence = start;
          for (const step of steps) {
            // Mostly +1 (in order), sometimes +2 (a gap), a step back (reorder or late) or a repeat.
            sequence = (sequence + (step > 2 ? 1 : step)) & 0xffff;
            check(buffer.push(sequence, sequence));
          }
          check(buffer.flush());
          const s = buffer.stats;
          expect(s.resyncs).toBe(0);
          expect(s.held).toBe(0);
          expect(delivered.length).toBe(s.delivered);
          expect(new Set(delivered).size).toBe(delivered.length);
          expect(s.delivered + s.late + s.duplicate).toBe(s.received);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('an in-order stream across two sequence wraps passes straight through: no resync, no loss', () => {
    const buffer = new PlayoutBuffer<number>({ depth: 3 });
    let delivered = 0;
    for (let i = 0; i < 140_000; i++) delivered += buffer.push(i & 0xffff, i).length;
    delivered += buffer.flush().length;
    expect(delivered).toBe(140_000);
    expect(buffer.stats).toMatchObject({ delivered: 140_000, lost: 0, late: 0, resyncs: 0, reordered: 0 });
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
              // Consecutive, except for lost sequences the entry says were skipped unannounced.
              if (previous !== null && buffer.stats.resyncs === 0)
                expect(entry.sequence).toBe((previous + 1 + (entry.skipped ?? 0)) & 0xffff);
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

  it('a reordering attacker gets a bounded number of entries per packet, and loss stays counted', () => {
    // Jumps just under maxJump ahead, then back: each gap would have been ~1000 null entries.
    const buffer = new PlayoutBuffer<number>({ depth: 5 });
    let worst = 0;
    let base = 0;
    for (let i = 0; i < 2000; i++) {
      base = (base + (i % 2 === 0 ? 990 : 7)) & 0xffff;
      worst = Math.max(worst, buffer.push(base, i).length);
    }
    expect(worst).toBeLessThanOrEqual(5 + DEFAULT_MAX_LOST_ENTRIES);
    const s = buffer.stats;
    expect(s.lost).toBeGreaterThan(100_000);
  });

  it('any adversarial sequence stream: entries per packet stay within depth + maxLostEntries', () => {
    const step = fc.oneof(
      fc.integer({ min: -1200, max: 1200 }),
      fc.constantFrom(999, -999, 1000, 32_768, 1, 0, -1),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 400 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 64 }),
        (steps, depth, maxLostEntries) => {
          const buffer = new PlayoutBuffer<number>({ depth, maxLostEntries });
          let seq = 0;
          let missing = 0;
          let nulls = 0;
          const bound = depth + maxLostEntries;
          const count = (entries: ReturnType<typeof buffer.push>) => {
            expect(entries.length).toBeLessThanOrEqual(bound);
            for (const e of entries) {
              if (e.value === null) nulls++;
              missing += e.skipped ?? 0;
            }
          };
          for (const d of steps) {
            seq = (seq + d) & 0xffff;
            count(buffer.push(seq, seq));
          }
          count(buffer.flush());
          // Every lost sequence is either a null entry or counted as skipped.
          expect(nulls + missing).toBe(buffer.stats.lost);
        },
      ),
      { numRuns: 400 },
    );
  });
});
