/**
 * The measuring rules every suite follows, kept in one place so that no suite can quietly bend them:
 * - ours and the anchor do the same work in the same process, interleaved A B A B ... so that a
 *   neighbour stealing CPU for a while (2 shared vCPUs here) hurts both sides alike;
 * - one warm-up round per side before anything is recorded (JIT, lazy imports, first sockets);
 * - the reported value is the median of the rounds, with min and max beside it;
 * - targets are checked against that median and never feed back into the measurement.
 */
import { performance } from 'node:perf_hooks';

/** One side's result for one round, in the row's unit. */
export type RoundFn = () => number | Promise<number>;

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median =
    n === 0 ? Number.NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[n - 1] ?? Number.NaN, samples };
}

/** Nearest-rank percentile of an unsorted list (p in 0..100). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface PairedResult {
  readonly ours: Spread;
  readonly anchor: Spread;
}

/**
 * Runs `rounds` recorded rounds of each side, alternating which side goes first each round
 * (A B, B A, A B ...) so neither side always runs right after the other's garbage.
 */
export async function interleave(ours: RoundFn, anchor: RoundFn, rounds: number): Promise<PairedResult> {
  await ours();
  await anchor();
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      a.push(await ours());
      b.push(await anchor());
    } else {
      b.push(await anchor());
      a.push(await ours());
    }
  }
  return { ours: spread(a), anchor: spread(b) };
}

/** Rounds of one side only (rows with no anchor: zstd, ETF, the send clock, the emulator). */
export async function repeat(fn: RoundFn, rounds: number, warmup = true): Promise<Spread> {
  if (warmup) await fn();
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) out.push(await fn());
  return spread(out);
}

/**
 * Operations per second of a synchronous body run `iterations` times. The body gets the
 * iteration index so it can vary its input (nonces, sequence numbers) the way real traffic does.
 */
export function opsPerSecond(iterations: number, body: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) body(i);
  const ms = performance.now() - start;
  return (iterations * 1000) / ms;
}

export async function asyncOpsPerSecond(
  iterations: number,
  body: (i: number) => Promise<void>,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await body(i);
  const ms = performance.now() - start;
  return (iterations * 1000) / ms;
}

/** Milliseconds one call takes (for MLS operations that are slow enough to time one by one). */
export async function timeMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** A full garbage collection when node runs with --expose-gc (the bench scripts pass it). */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every few ms until it holds or `timeoutMs` passes; bounded, never hangs. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** `interleave` for rounds that measure several things at once (MLS: create, process, join). */
export async function interleaveRecords<K extends string>(
  ours: () => Promise<Record<K, number>>,
  anchor: () => Promise<Record<K, number>>,
  rounds: number,
): Promise<Record<K, PairedResult>> {
  await ours();
  await anchor();
  const a: Record<K, number>[] = [];
  const b: Record<K, number>[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      a.push(await ours());
      b.push(await anchor());
    } else {
      b.push(await anchor());
      a.push(await ours());
    }
  }
  const keys = Object.keys(a[0] ?? {}) as K[];
  return Object.fromEntries(
    keys.map((k) => [k, { ours: spread(a.map((x) => x[k])), anchor: spread(b.map((x) => x[k])) }]),
  ) as Record<K, PairedResult>;
}
