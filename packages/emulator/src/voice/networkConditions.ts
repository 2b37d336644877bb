/**
 * Injected network trouble on the relay's forward path: loss, reordering and jitter, all
 * drawn from a seeded generator so a failing test replays the same packet fate.
 *
 * Reordering swaps neighbours: a packet picked for reordering is held back and sent right
 * after the next packet to the same receiver, so it arrives exactly one place late. That
 * is what a playout buffer must absorb; longer displacements are modelled with jitter.
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
}

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
  #timers = new Set<NodeJS.Timeout>();

  constructor(conditions: NetworkConditions = {}) {
    this.#conditions = normalize(conditions);
    this.#random = seededRandom(this.#conditions.seed);
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
      return;
    }
    const delay = jitterMs > 0 ? this.#random() * jitterMs : 0;
    const emit = () => {
      out();
      this.#releaseHeld();
    };
    if (delay >= 1) {
      this.counters.delayed++;
      const t = setTimeout(() => {
        this.#timers.delete(t);
        emit();
      }, delay);
      this.#timers.add(t);
    } else {
      emit();
    }
  }

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = undefined;
    held?.();
  }

  dispose(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
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
  };
}
