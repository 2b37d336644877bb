/**
 * Rows, the verdict on each, and the two outputs (markdown table, JSON).
 * Ratio is oriented so that > 1 always means cordwire did better, whatever the unit.
 */
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { Spread } from './harness.js';

export type Better = 'higher' | 'lower';

export type Target =
  /** ours must beat the anchor by at least this ratio (ratio oriented as above) */
  | { readonly kind: 'ratio'; readonly min: number }
  /** ours must be within this factor of the anchor (ratio >= 1/factor) */
  | { readonly kind: 'within'; readonly factor: number }
  /** ours alone must satisfy a bound; `text` is how the table shows it */
  | { readonly kind: 'absolute'; readonly text: string; readonly check: (value: number) => boolean };

export interface Row {
  readonly suite: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: Better;
  readonly ours?: Spread;
  readonly anchor?: Spread;
  /** what the anchor column is, e.g. "@discordjs/voice 0.19.2" */
  readonly anchorName?: string;
  readonly target?: Target;
  readonly notes?: string;
  /** set instead of numbers when the suite could not run: why */
  readonly notMeasured?: string;
}

export type Verdict = 'met' | 'MISSED' | 'report only' | 'not measured';

export function ratioOf(row: Row): number | undefined {
  if (!row.ours || !row.anchor) return undefined;
  const o = row.ours.median;
  const a = row.anchor.median;
  if (!(o > 0) || !(a > 0)) return undefined;
  return row.better === 'higher' ? o / a : a / o;
}

export function verdictOf(row: Row): Verdict {
  if (row.notMeasured || !row.ours) return 'not measured';
  const t = row.target;
  if (!t) return 'report only';
  if (t.kind === 'absolute') return t.check(row.ours.median) ? 'met' : 'MISSED';
  const ratio = ratioOf(row);
  if (ratio === undefined) return 'not measured';
  const min = t.kind === 'ratio' ? t.min : 1 / t.factor;
  return ratio >= min ? 'met' : 'MISSED';
}

function targetText(t: Target | undefined): string {
  if (!t) return '—';
  if (t.kind === 'ratio') return `≥ ${t.min}x`;
  if (t.kind === 'within') return `within ${t.factor}x (≥ ${(1 / t.factor).toFixed(2)}x)`;
  return t.text;
}

/** k/M for large rates so the table stays narrow; two decimals for ms-scale values (20.00 ± 0.05). */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 1000 || Number.isInteger(value)) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function cell(s: Spread | undefined): string {
  if (!s) return '—';
  if (s.samples.length <= 1) return fmt(s.median);
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
  readonly loadAverageAtStart: readonly number[];
  readonly date: string;
}

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    os: `${platform()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}

export interface RunInfo {
  readonly mode: 'quick' | 'full';
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly versions: Readonly<Record<string, string>>;
}

const escapeCell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function toMarkdown(rows: readonly Row[], machine: Machine, run: RunInfo): string {
  const lines: string[] = [];
  lines.push(`# cordwire benchmarks (${run.mode})`);
  lines.push('');
  lines.push(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ` +
      `load average at start ${machine.loadAverageAtStart.join(' / ')}; ${machine.date}.`,
  );
  lines.push(
    `Mode ${run.mode}: median of ${run.rounds} interleaved rounds per row (ours and anchor alternating A B / B A in one process) ` +
      `after one warm-up round each, [min–max] beside it; total ${run.durationSeconds.toFixed(0)} s.`,
  );
  lines.push(
    `Versions: ${Object.entries(run.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  lines.push('Ratio is ours vs anchor oriented so that > 1 means cordwire is better.');
  lines.push('');
  lines.push('| suite | metric | ours | anchor | unit | ratio | target | verdict | notes |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const ratio = ratioOf(row);
    const verdict = verdictOf(row);
    const notes = row.notMeasured ? `not yet measured: ${row.notMeasured}` : (row.notes ?? '');
    const anchor = row.anchor ? `${cell(row.anchor)}` : '—';
    lines.push(
      `| ${row.suite} | ${escapeCell(row.metric)} | ${cell(row.ours)} | ${anchor} | ${row.unit} | ` +
        `${ratio === undefined ? '—' : `${ratio.toFixed(2)}x`} | ${escapeCell(targetText(row.target))} | ${verdict} | ${escapeCell(
          [row.anchorName ? `anchor: ${row.anchorName}` : '', notes].filter(Boolean).join('; '),
        )} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

export function toJson(rows: readonly Row[], machine: Machine, run: RunInfo): unknown {
  return {
    machine,
    run,
    rows: rows.map((row) => ({
      suite: row.suite,
      metric: row.metric,
      unit: row.unit,
      better: row.better,
      ours: row.ours ?? null,
      anchor: row.anchor ?? null,
      anchorName: row.anchorName ?? null,
      ratio: ratioOf(row) ?? null,
      target: row.target ? targetText(row.target) : null,
      verdict: verdictOf(row),
      notes: row.notes ?? null,
      notMeasured: row.notMeasured ?? null,
    })),
  };
}
