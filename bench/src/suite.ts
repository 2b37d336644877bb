import type { Row } from './report.js';

export interface SuiteContext {
  readonly quick: boolean;
  /** recorded rounds per row (interleaved with the anchor) */
  readonly rounds: number;
  /** progress on stderr, so stdout carries only the table */
  log(message: string): void;
}

export interface Suite {
  /** short name used by --only and in the table */
  readonly name: string;
  run(ctx: SuiteContext): Promise<Row[]>;
}

/** Turns a suite that could not run into an honest row instead of a number. */
export function notMeasuredRow(suite: string, metric: string, why: string): Row {
  return { suite, metric, unit: '—', better: 'higher', notMeasured: why };
}
