/**
 * Per-SSRC playout (jitter) buffer: puts RTP packets back in sequence order within a window and
 * accounts for what never arrives. A new stream first fills: nothing is released until `depth`
 * packets are held (so a reordered first packet is not mistaken for a late one), like songbird's
 * Fill mode. After that, packets in order pass straight through; after a gap the
 * buffer holds later packets until either the gap fills or `depth` packets are waiting, then
 * declares the gap lost (one `null` entry per missing sequence, so a decoder can conceal it).
 * Songbird's driver does the same job with a fixed playout length (anchors.md 2 "Receive").
 *
 * Counters: `lost` (declared missing), `late` (arrived after its slot was played or skipped),
 * `duplicate`, `reordered` (arrived out of order but in time), `resyncs` (sequence jumped more
 * than `maxJump`, e.g. the sender restarted; treated as a new stream, not as loss).
 * Memory is bounded: at most `depth` packets are held. Work is bounded too: one call returns at
 * most `depth + maxLostEntries` entries. A gap wider than `maxLostEntries` (a reordering attacker
 * can open gaps of up to `maxJump - 1`, which used to mean ~1000 null entries for one packet) is
 * counted in full in `lost`, but only its last `maxLostEntries` sequences come out as null
 * entries; the entry after the unannounced ones says how many were `skipped`.
 */

/** Default cap on null (lost) entries one call returns: 500 ms of 20 ms Opus frames. */
export const DEFAULT_MAX_LOST_ENTRIES = 25;
export interface PlayoutBufferOptions {
  /** Packets held behind a gap before it is declared lost. Default 5 (100 ms of Opus). */
  readonly depth?: number;
  /** A sequence jump at least this large restarts the stream. Default 1000. */
  readonly maxJump?: number;
  /** Null (lost) entries one `push` or `flush` returns at most; beyond, loss is counted as skipped. Default 25. */
  readonly maxLostEntries?: number;
}

export interface PlayoutEntry<T> {
  readonly sequence: number;
  /** null: this sequence was lost. */
  readonly value: T | null;
  /**
   * Lost sequences right before this entry that got no null entry of their own (the gap was
   * wider than `maxLostEntries`); absent when none.
   */
  readonly skipped?: number;
}

export interface PlayoutStats {
  readonly received: number;
  readonly delivered: number;
  readonly lost: number;
  readonly late: number;
  readonly duplicate: number;
  readonly reordered: number;
  readonly resyncs: number;
  readonly held: number;
}

export class PlayoutBuffer<T> {
  readonly #depth: number;
  readonly #maxJump: number;
  readonly #maxLostEntries: number;
  /** Null entries the current call may still return. */
  #nullBudget = 0;
  /** Lost sequences not announced yet, carried by the next entry. */
  #skipped = 0;
  readonly #held = new Map<number, T>();
  /** Extended (unwrapped) sequence of the next entry to release; null before the first packet. */
  #next: number | null = null;
  #filling = true;
  /** Highest extended sequence seen, the reference for unwrapping. */
  #highest = 0;
  #received = 0;
  #delivered = 0;
  #lost = 0;
  #late = 0;
  #duplicate = 0;
  #reordered = 0;
  #resyncs = 0;

  constructor(options: PlayoutBufferOptions = {}) {
    this.#depth = Math.max(1, options.depth ?? 5);
    this.#maxJump = Math.max(this.#depth + 1, options.maxJump ?? 1000);
    this.#maxLostEntries = Math.max(0, Math.floor(options.maxLostEntries ?? DEFAULT_MAX_LOST_ENTRIES));
  }

  get stats(): PlayoutStats {
    return {
      received: this.#received,
      delivered: this.#delivered,
      lost: this.#lost,
      late: this.#late,
      duplicate: this.#duplicate,
      reordered: this.#reordered,
      resyncs: this.#resyncs,
      held: this.#held.size,
    };
  }

  /** Add a packet (16-bit RTP sequence); returns the entries now ready, in order. */
  push(sequence: number, value: T): PlayoutEntry<T>[] {
    this.#received++;
    this.#nullBudget = this.#maxLostEntries;
    const out: PlayoutEntry<T>[] = [];
    const seq = sequence & 0xffff;
    if (this.#next === null) {
      this.#next = seq;
      this.#highest = seq;
    }
    const delta = ((seq - (this.#highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    let extended = this.#highest + delta;
    if (Math.abs(extended - this.#next) >= this.#maxJump) {
      // A restart, not 60 000 lost packets: release what is held and start over from here.
      this.#resyncs++;
      this.#drainAll(out);
      extended = this.#highest + delta;
      this.#next = extended;
      this.#highest = extended;
    }
    if (this.#filling && extended < this.#next) this.#next = extended;
    if (extended === this.#next && !this.#filling && this.#held.size === 0) {
      // Steady state (the packet the buffer waits for, nothing held): released at once, with the
      // same counters and entry as the general path below but no round trip through the map.
      if (extended < this.#highest) this.#reordered++;
      if (extended > this.#highest) this.#highest = extended;
      this.#delivered++;
      this.#next = extended + 1;
      this.#emit(out, extended, value);
      return out;
    }
    if (extended < this.#next) {
      this.#late++;
      return out;
    }
    if (this.#held.has(extended)) {
      this.#duplicate++;
      return out;
    }
    if (extended < this.#highest) this.#reordered++;
    if (extended > this.#highest) this.#highest = extended;
    this.#held.set(extended, value);
    if (this.#filling) {
      if (this.#held.size < this.#depth) return out;
      this.#filling = false;
    }
    this.#release(out);
    while (this.#held.size >= this.#depth) {
      this.#skipGap(out);
      this.#release(out);
    }
    return out;
  }

  /** Release everything held, declaring the gaps between lost (end of a talk spurt, shutdown). */
  flush(): PlayoutEntry<T>[] {
    const out: PlayoutEntry<T>[] = [];
    this.#nullBudget = this.#maxLostEntries;
    this.#filling = false;
    this.#drainAll(out);
    return out;
  }

  #release(out: PlayoutEntry<T>[]): void {
    let next = this.#next!;
    while (this.#held.has(next)) {
      this.#emit(out, next, this.#held.get(next)!);
      this.#held.delete(next);
      this.#delivered++;
      next++;
    }
    this.#next = next;
  }

  #skipGap(out: PlayoutEntry<T>[]): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const key of this.#held.keys()) if (key < lowest) lowest = key;
    const gap = lowest - this.#next!;
    const announced = Math.min(gap, this.#nullBudget);
    this.#nullBudget -= announced;
    this.#lost += gap;
    this.#skipped += gap - announced;
    for (let missing = lowest - announced; missing < lowest; missing++) this.#emit(out, missing, null);
    this.#next = lowest;
  }

  #emit(out: PlayoutEntry<T>[], extended: number, value: T | null): void {
    if (this.#skipped > 0) {
      out.push({ sequence: extended & 0xffff, value, skipped: this.#skipped });
      this.#skipped = 0;
    } else {
      out.push({ sequence: extended & 0xffff, value });
    }
  }

  #drainAll(out: PlayoutEntry<T>[]): void {
    while (this.#held.size > 0) {
      this.#skipGap(out);
      this.#release(out);
    }
  }
}
