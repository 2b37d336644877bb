import { PlayoutBuffer, type PlayoutBufferOptions, type PlayoutStats } from '@cordwire/voice-udp';

/**
 * One speaker's jitter buffer: places received Opus packets on the receiver's 20 ms timeline by
 * their RTP timestamp, so that audio plays out at a steady pace `delaySlots` behind arrival and
 * gaps keep their length.
 *
 * Stage 1 is voice-udp's `PlayoutBuffer` (sequence order, duplicates, declared losses). Stage 2
 * maps each packet's RTP timestamp to a slot: the first packet of a stream anchors
 * (slot = arrival slot + delay), later ones land at anchor + Δtimestamp / 960. So:
 * - a slot with a packet plays it; a slot declared lost is concealed (PLC);
 * - a slot nobody sent anything for is silence: the sender was quiet (its RTP timestamp kept
 *   running, RFC 3550 §5.1), and silence is kept, not squeezed out;
 * - a straggler that arrives after its slot played is late (counted, dropped); when the newest
 *   packet is already behind (the sender stalled), the timeline moves instead (`stretches`);
 * - a new SSRC (the user reconnected) or a timestamp far from the current timeline re-anchors.
 */
export type SlotContent =
  | { readonly kind: 'audio'; readonly opus: Uint8Array }
  | { readonly kind: 'lost' }
  | { readonly kind: 'silence' };

export interface JitterBufferOptions {
  /** Slots (20 ms each) between arrival and playout; absorbs jitter. Default 3 (60 ms). */
  readonly delaySlots?: number;
  /**
   * Options of the sequence-order stage. Frames from a voice-ws connection are already in order,
   * so the default depth is 1 (no extra hold); raw RTP needs more (e.g. 5).
   */
  readonly playout?: PlayoutBufferOptions;
  /** A packet more than this many slots ahead of now re-anchors the timeline. Default 250 (5 s). */
  readonly maxAheadSlots?: number;
}

export interface JitterBufferStats {
  readonly playout: PlayoutStats;
  /** Arrived after their slot was played (dropped). */
  readonly late: number;
  /** Times the sender fell behind the clock and the timeline was moved to play on (a gap). */
  readonly stretches: number;
  /** Arrived after the sequence stage gave them up, but before their slot played (kept). */
  readonly rescued: number;
  /** Timeline restarts (new SSRC, timestamp jump). */
  readonly reanchors: number;
  /** Slots waiting to play. */
  readonly held: number;
}

const SAMPLES_PER_SLOT = 960;
const LOST = { kind: 'lost' } as const;
const SILENCE = { kind: 'silence' } as const;

export class JitterBuffer {
  readonly #delay: number;
  readonly #maxAhead: number;
  readonly #playoutOptions: PlayoutBufferOptions;
  #playout: PlayoutBuffer<{ timestamp: number | null; opus: Uint8Array | null }>;
  readonly #slots = new Map<number, SlotContent>();
  #ssrc: number | undefined;
  #anchorSlot: number | null = null;
  #anchorTimestamp = 0;
  #lastTimestamp = 0;
  /** The next slot to play; packets for earlier slots are late. */
  #nextSlot = Number.NEGATIVE_INFINITY;
  #late = 0;
  #stretches = 0;
  #rescued = 0;
  #reanchors = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.#delay = Math.max(0, options.delaySlots ?? 3);
    this.#maxAhead = options.maxAheadSlots ?? 250;
    this.#playoutOptions = { depth: 1, ...options.playout };
    this.#playout = new PlayoutBuffer(this.#playoutOptions);
  }

  get stats(): JitterBufferStats {
    return {
      playout: this.#playout.stats,
      late: this.#late,
      stretches: this.#stretches,
      rescued: this.#rescued,
      reanchors: this.#reanchors,
      held: this.#slots.size,
    };
  }

  /**
   * A packet (or a slot the transport already declared lost: `opus` null) arriving while the
   * receiver's clock is at `nowSlot`.
   */
  push(
    packet: { ssrc: number; sequence: number; timestamp: number | null; opus: Uint8Array | null },
    nowSlot: number,
  ): void {
    if (this.#ssrc !== undefined && packet.ssrc !== this.#ssrc) {
      // A reconnect: new SSRC, new sequence and timestamp bases. Keep what is queued, start over.
      this.#place(this.#playout.flush(), nowSlot);
      this.#playout = new PlayoutBuffer(this.#playoutOptions);
      this.#anchorSlot = null;
      this.#reanchors++;
    }
    this.#ssrc = packet.ssrc;
    const lateBefore = this.#playout.stats.late;
    this.#place(
      this.#playout.push(packet.sequence, { timestamp: packet.timestamp, opus: packet.opus }),
      nowSlot,
    );
    if (this.#playout.stats.late > lateBefore && packet.opus && packet.timestamp !== null) {
      // Too late for the sequence stage (it already declared the slot lost), but its slot may
      // not have played yet: the time-domain delay still rescues it.
      const slot = this.#slotOf(packet.timestamp);
      if (slot !== null && slot >= this.#nextSlot && this.#slots.get(slot)?.kind !== 'audio') {
        this.#slots.set(slot, { kind: 'audio', opus: packet.opus });
        this.#rescued++;
      } else this.#late++;
    }
  }

  /** What is waiting for `slot` (the receiver looks one ahead for FEC data), without taking it. */
  peek(slot: number): SlotContent | undefined {
    return this.#slots.get(slot);
  }

  /** What plays in `slot`; slots must be taken in increasing order. */
  take(slot: number): SlotContent {
    this.#nextSlot = slot + 1;
    const content = this.#slots.get(slot);
    if (content) {
      this.#slots.delete(slot);
      return content;
    }
    return SILENCE;
  }

  #place(
    entries: ReadonlyArray<{
      sequence: number;
      value: { timestamp: number | null; opus: Uint8Array | null } | null;
    }>,
    nowSlot: number,
  ): void {
    for (const entry of entries) {
      const timestamp = entry.value?.timestamp ?? (this.#lastTimestamp + SAMPLES_PER_SLOT) >>> 0;
      this.#lastTimestamp = timestamp;
      let slot = this.#slotOf(timestamp);
      if (slot === null || slot > nowSlot + this.#delay + this.#maxAhead || slot < nowSlot - this.#maxAhead) {
        if (this.#anchorSlot !== null) this.#reanchors++;
        this.#anchorSlot = Math.max(nowSlot + this.#delay, this.#nextSlot);
        this.#anchorTimestamp = timestamp;
        slot = this.#anchorSlot;
      }
      if (slot < this.#nextSlot) {
        // Behind the playout point. A slot already declared lost has nothing to play. A packet
        // (always the newest so far: the sequence stage releases in order) means the sender
        // fell behind the wall clock (its clock stalled, or the network held packets): move the
        // timeline so it plays `delay` from now, and the audio resumes after a gap, like any
        // adaptive jitter buffer, instead of every later packet being dropped as late.
        if (!entry.value?.opus) continue;
        this.#anchorSlot = Math.max(nowSlot + this.#delay, this.#nextSlot);
        this.#anchorTimestamp = timestamp;
        slot = this.#anchorSlot;
        this.#stretches++;
      }
      const opus = entry.value?.opus ?? null;
      this.#slots.set(slot, opus ? { kind: 'audio', opus } : LOST);
    }
    // Bounded: a sender far ahead of the clock cannot pile up more than maxAhead slots.
    if (this.#slots.size > this.#maxAhead + this.#delay) {
      const keys = [...this.#slots.keys()].sort((a, b) => a - b);
      for (const key of keys.slice(0, this.#slots.size - this.#maxAhead - this.#delay))
        this.#slots.delete(key);
    }
  }

  #slotOf(timestamp: number): number | null {
    if (this.#anchorSlot === null) return null;
    // Signed 32-bit difference: RTP timestamps wrap.
    const delta = (timestamp - this.#anchorTimestamp) | 0;
    return this.#anchorSlot + Math.round(delta / SAMPLES_PER_SLOT);
  }
}
