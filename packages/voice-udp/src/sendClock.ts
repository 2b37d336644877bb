/**
 * The 20 ms send clock. Deadlines are absolute (start + n·interval), so a late timer does not
 * push every later packet back: the next wait is shortened instead (drift correction, as
 * discord.js's shared clock and songbird's live threads do, anchors.md 2 "20 ms loop").
 *
 * Each tick has two phases across all participants: first every participant dispatches the
 * packet it prepared (sends are cheap and happen as close to the deadline as possible), then
 * every participant prepares the next one (read, DAVE, encrypt). Many connections share one clock.
 * When the process stalls by more than `maxLagIntervals`, the missed deadlines are dropped and
 * counted rather than bursting packets to catch up.
 */
export interface ClockTimer {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimer: ClockTimer = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ClockParticipant {
  /** Send what was prepared for this deadline (if anything). */
  dispatch(): void;
  /** Get the packet for the next deadline ready. */
  prepare(): void;
}

export interface SendClockOptions {
  readonly intervalMs?: number;
  readonly timer?: ClockTimer;
  readonly maxLagIntervals?: number;
  /** A participant threw; it stays registered. Default: rethrow asynchronously is avoided, errors are counted. */
  readonly onError?: (error: unknown, participant: ClockParticipant) => void;
}

export interface SendClockStats {
  readonly ticks: number;
  /** Deadlines skipped after a stall longer than maxLagIntervals. */
  readonly skippedDeadlines: number;
  readonly participantErrors: number;
}

export class SendClock {
  readonly intervalMs: number;
  readonly #timer: ClockTimer;
  readonly #maxLag: number;
  readonly #onError: ((error: unknown, participant: ClockParticipant) => void) | undefined;
  readonly #participants = new Set<ClockParticipant>();
  /** The participants as a list, rebuilt only after add/remove instead of copied every tick. */
  #list: ClockParticipant[] | null = null;
  #handle: unknown = null;
  #deadline = 0;
  #ticks = 0;
  #skipped = 0;
  #errors = 0;

  constructor(options: SendClockOptions = {}) {
    this.intervalMs = options.intervalMs ?? 20;
    this.#timer = options.timer ?? systemTimer;
    this.#maxLag = options.maxLagIntervals ?? 3;
    this.#onError = options.onError;
  }

  get running(): boolean {
    return this.#handle !== null;
  }

  get size(): number {
    return this.#participants.size;
  }

  get stats(): SendClockStats {
    return { ticks: this.#ticks, skippedDeadlines: this.#skipped, participantErrors: this.#errors };
  }

  /** Register a participant; it prepares right away so the next deadline has a packet. */
  add(participant: ClockParticipant): () => void {
    if (!this.#participants.has(participant)) {
      this.#participants.add(participant);
      this.#list = null;
      this.#run(participant, 'prepare');
      if (!this.running) {
        this.#deadline = this.#timer.now() + this.intervalMs;
        this.#schedule();
      }
    }
    return () => this.remove(participant);
  }

  remove(participant: ClockParticipant): void {
    if (this.#participants.delete(participant)) this.#list = null;
    if (this.#participants.size === 0) this.stop();
  }

  stop(): void {
    if (this.#handle !== null) this.#timer.clearTimeout(this.#handle);
    this.#handle = null;
  }

  #schedule(): void {
    const wait = Math.max(0, this.#deadline - this.#timer.now());
    this.#handle = this.#timer.setTimeout(() => this.#tick(), wait);
  }

  #run(participant: ClockParticipant, phase: 'dispatch' | 'prepare'): void {
    try {
      participant[phase]();
    } catch (error) {
      this.#errors++;
      this.#onError?.(error, participant);
    }
  }

  #tick(): void {
    this.#handle = null;
    this.#ticks++;
    // A participant may add or remove participants mid-tick: this tick keeps the list it started
    // with (the next one sees the change), as the copy it replaces did.
    this.#list ??= [...this.#participants];
    const participants = this.#list;
    for (const participant of participants) this.#run(participant, 'dispatch');
    for (const participant of participants) {
      if (this.#participants.has(participant)) this.#run(participant, 'prepare');
    }
    if (this.#participants.size === 0) return;
    this.#deadline += this.intervalMs;
    const now = this.#timer.now();
    const behind = now - this.#deadline;
    if (behind > this.#maxLag * this.intervalMs) {
      const missed = Math.floor(behind / this.intervalMs) + 1;
      this.#skipped += missed;
      this.#deadline += missed * this.intervalMs;
    }
    this.#schedule();
  }
}
