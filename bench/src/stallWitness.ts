/**
 * Says who made a timer fire late: this process (its garbage collector, or JavaScript that kept
 * the event loop busy) or the machine (the process was runnable but got no CPU: other processes,
 * or the VM's vCPU descheduled by its host).
 *
 * The test is CPU time. While a timer waits, an idle process uses next to none; if the process's
 * CPU time grew by most of the lateness, something in it was running, and a GC pause recorded by a
 * PerformanceObserver in that window says whether it was the collector. If the CPU time did not
 * grow, the process was not running at all. `process.cpuUsage()` covers every thread of the
 * process, so V8's helper threads count as the process too.
 */
import { PerformanceObserver } from 'node:perf_hooks';

export type StallCause = 'machine' | 'gc' | 'process';

export interface Span {
  /** performance.now() at the start and the end of the window */
  readonly start: number;
  readonly end: number;
  /** process CPU time (ms, all threads) used in the window */
  readonly cpu: number;
}

/** Process CPU time so far, in milliseconds. */
export function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export class StallWitness {
  readonly #observer: PerformanceObserver;
  readonly #gcPauses: { start: number; end: number }[] = [];

  constructor() {
    this.#observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.#gcPauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.#observer.disconnect();
  }

  /** The longest GC pause seen, in ms. */
  get maxGcPause(): number {
    return this.#gcPauses.reduce((max, p) => Math.max(max, p.end - p.start), 0);
  }

  /** GC pause time inside the window, in ms. */
  gcWithin(span: Span): number {
    let sum = 0;
    for (const p of this.#gcPauses)
      sum += Math.max(0, Math.min(p.end, span.end) - Math.max(p.start, span.start));
    return sum;
  }

  /**
   * Why `span` (a late timer's wait) took as long as it did; `lateness` is the part past the deadline.
   * CPU time decides first: a GC pause measured in wall time also grows while the process waits for
   * a CPU, so a pause counts only when the process really was running through the lateness.
   */
  cause(span: Span, lateness: number): StallCause {
    if (span.cpu < lateness / 2) return 'machine';
    if (this.gcWithin(span) >= lateness / 2) return 'gc';
    return 'process';
  }
}
