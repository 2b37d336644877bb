/**
 * Injected network trouble on the relay's forward path: loss, reordering and jitter, all
 * drawn from a seeded generator so a failing test replays the same packet fate.
 *
 * Reordering swaps neighbours: a packet picked for reordering is held back and sent right
 * after the next packet to the same receiver, so it arrives exactly one place late. That
 * is what a playout buffer must absorb; longer displacements are modelled with jitter.
 * If no next packet comes within `reorderHoldMs` (the held one ended a talk spurt), it is
 * sent anyway: otherwise it would surface only when the next spurt starts, seconds late.
 */

export interface NetworkConditions {
  /** Probability (0..1) that a forwarded packet is dropped. */
  readonly loss?: number;
  /** Probability (0..1) that a packet swaps places with the next one. */
  readonly reorder?: number;
  /** Each packet is delayed by a uniform 0..jitterMs. 0 keeps order. */
  readonly jitterMs?: number;
  /** Seed of the generator; the same seed gives the same fate sequence. Default 1. */
  readonly seed?: number;
  /** Longest a reordered packet waits for the next one before it is sent alone. Default 100 ms. */
  readonly reorderHoldMs?: number;
}

/** Timers of a link (jitter delays, the reorder hold); injectable for tests. */
export interface NetworkLinkTimer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemLinkTimer: NetworkLinkTimer = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** mulberry32: a tiny seeded PRNG, good enough for fault injection (not for keys). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NetworkLinkCounters {
  dropped: number;
  reordered: number;
  delayed: number;
  delivered: number;
}

/** One receiver's link: decides the fate of each packet and delivers via `deliver`. */
export class NetworkLink {
  readonly counters: NetworkLinkCounters = { dropped: 0, reordered: 0, delayed: 0, delivered: 0 };
  #conditions: Required<NetworkConditions>;
  #random: () => number;
  #held: (() => void) | undefined;
  #holdTimer: unknown;
  #timers = new Set<unknown>();
  readonly #timer: NetworkLinkTimer;

  constructor(conditions: NetworkConditions = {}, timer: NetworkLinkTimer = systemLinkTimer) {
    this.#conditions = normalize(conditions);
    this.#random = seededRandom(this.#conditions.seed);
    this.#timer = timer;
  }

  set(conditions: NetworkConditions): void {
    this.#conditions = normalize(conditions);
    this.#random = seededRandom(this.#conditions.seed);
    // Release anything held so turning reordering off never strands a packet.
    this.#releaseHeld();
  }

  send(deliver: () => void): void {
    const { loss, reorder, jitterMs } = this.#conditions;
    if (loss > 0 && this.#random() < loss) {
      this.counters.dropped++;
      return;
    }
    const out = () => {
      this.counters.delivered++;
      deliver();
    };
    if (reorder > 0 && this.#held === undefined && this.#random() < reorder) {
      this.counters.reordered++;
      this.#held = out;
      this.#holdTimer = this.#timer.setTimeout(() => {
        this.#holdTimer = undefined;
        this.#releaseHeld();
      }, this.#conditions.reorderHoldMs);
      return;
    }
    const delay = jitterMs > 0 ? this.#random() * jitterMs : 0;
    const emit = () => {
      out();
      this.#releaseHeld();
    };
    if (delay >= 1) {
      this.counters.delayed++;
      const t = this.#timer.setTimeout(() => {
        this.#timers.delete(t);
        emit();
      }, delay);
      this.#timers.add(t);
    } else {
      emit();
    }
  }

  #releaseHeld(): void {
    if (this.#holdTimer !== undefined) this.#timer.clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    const held = this.#held;
    this.#held = undefined;
    held?.();
  }

  dispose(): void {
    for (const t of this.#timers) this.#timer.clearTimeout(t);
    this.#timers.clear();
    if (this.#holdTimer !== undefined) this.#timer.clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#held = undefined;
  }
}

function normalize(c: NetworkConditions): Required<NetworkConditions> {
  const p = (v: number | undefined) => Math.min(1, Math.max(0, v ?? 0));
  return {
    loss: p(c.loss),
    reorder: p(c.reorder),
    jitterMs: Math.max(0, c.jitterMs ?? 0),
    seed: c.seed ?? 1,
    reorderHoldMs: Math.max(0, c.reorderHoldMs ?? 100),
  };
}
