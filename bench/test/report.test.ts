import { describe, expect, it } from 'vitest';
import { percentile, spread } from '../src/harness.js';
import { fmt, ratioOf, type Row, toMarkdown, verdictOf } from '../src/report.js';

const machine = {
  cpu: 'test cpu',
  cores: 2,
  node: 'v20',
  os: 'linux',
  memoryGiB: 1,
  loadAverageAtStart: [0, 0, 0],
  date: '2026-01-01T00:00:00.000Z',
};
const run = { mode: 'quick' as const, rounds: 3, durationSeconds: 1, versions: { x: '1.0.0' } };

function row(better: 'higher' | 'lower', ours: number, anchor: number, target?: Row['target']): Row {
  return {
    suite: 's',
    metric: 'm',
    unit: 'u',
    better,
    ours: spread([ours]),
    anchor: spread([anchor]),
    target,
  };
}

describe('spread and percentile', () => {
  it('takes the median of odd and even sample counts, with min and max', () => {
    expect(spread([3, 1, 2])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toMatchObject({ median: 2.5, min: 1, max: 4 });
  });

  it('uses nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 99)).toBeNaN();
  });
});

describe('ratio orientation', () => {
  it('is ours / anchor when higher is better', () => {
    expect(ratioOf(row('higher', 300, 100))).toBe(3);
  });

  it('is anchor / ours when lower is better, so > 1 still means we are better', () => {
    expect(ratioOf(row('lower', 2, 4))).toBe(2);
    expect(ratioOf(row('lower', 8, 4))).toBe(0.5);
  });

  it('has no ratio without an anchor', () => {
    expect(
      ratioOf({ suite: 's', metric: 'm', unit: 'u', better: 'higher', ours: spread([1]) }),
    ).toBeUndefined();
  });
});

describe('verdicts', () => {
  it('checks ratio targets against the oriented ratio', () => {
    expect(verdictOf(row('higher', 120, 100, { kind: 'ratio', min: 1.2 }))).toBe('met');
    expect(verdictOf(row('higher', 119, 100, { kind: 'ratio', min: 1.2 }))).toBe('MISSED');
  });

  it('treats "within 2x" as a ratio of at least 0.5', () => {
    expect(verdictOf(row('lower', 20, 10, { kind: 'within', factor: 2 }))).toBe('met');
    expect(verdictOf(row('lower', 21, 10, { kind: 'within', factor: 2 }))).toBe('MISSED');
  });

  it('checks absolute targets on our median', () => {
    const target = { kind: 'absolute' as const, text: '< 22 ms', check: (v: number) => v < 22 };
    expect(
      verdictOf({ suite: 's', metric: 'm', unit: 'ms', better: 'lower', ours: spread([21]), target }),
    ).toBe('met');
    expect(
      verdictOf({ suite: 's', metric: 'm', unit: 'ms', better: 'lower', ours: spread([23]), target }),
    ).toBe('MISSED');
  });

  it('never gives a verdict for a row that was not measured', () => {
    const r: Row = { suite: 's', metric: 'm', unit: '—', better: 'higher', notMeasured: 'package missing' };
    expect(verdictOf(r)).toBe('not measured');
    expect(toMarkdown([r], machine, run)).toContain('not yet measured: package missing');
  });
});

describe('markdown', () => {
  it('prints median [min–max], the ratio and the machine', () => {
    const r: Row = {
      suite: 'transport',
      metric: 'send',
      unit: 'packets/s',
      better: 'higher',
      ours: spread([200_000, 210_000, 190_000]),
      anchor: spread([100_000, 100_000, 100_000]),
      target: { kind: 'ratio', min: 1.2 },
    };
    const md = toMarkdown([r], machine, run);
    expect(md).toContain(
      '| transport | send | 200k [190k–210k] | 100k [100k–100k] | packets/s | 2.00x | ≥ 1.2x | met |',
    );
    expect(md).toContain('test cpu, 2 cores');
  });

  it('formats numbers compactly', () => {
    expect(fmt(20)).toBe('20');
    expect(fmt(20.004)).toBe('20.00');
    expect(fmt(123_456)).toBe('123k');
    expect(fmt(2_500_000)).toBe('2.50M');
  });
});
