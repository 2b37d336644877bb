import { EventEmitter } from 'node:events';
import { isSilenceFrame } from '@cordwire/voice-udp';
import { AsyncQueue } from './asyncQueue.js';
import {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type SlotContent,
} from './jitterBuffer.js';
import { mixFrames } from './mixer.js';
import type { OpusBackendChoice } from './opusCodec.js';
import { OpusDecoder } from './opusDecoder.js';
import { STEREO_FRAME_LENGTH } from './trackUnit.js';

/** A received frame as voice-ws's connection emits it (`connection.on('frame', …)`). */
export interface ReceivedOpusFrame {
  readonly userId: string;
  readonly ssrc: number;
  readonly sequence: number;
  /** null for a slot the transport declared lost. */
  readonly timestamp: number | null;
  /** null for a lost slot. */
  readonly opus: Uint8Array | null;
}

/** One user's 20 ms slot as it played out. */
export interface UserSlot {
  readonly userId: string;
  /** The receiver's slot index (20 ms each since start()). */
  readonly slot: number;
  readonly kind: SlotContent['kind'];
  /** The packet as received ('audio' slots only). */
  readonly opus: Uint8Array | null;
  /** Decoded stereo s16 PCM: the packet, loss concealment, or zeros for silence. */
  readonly pcm: Int16Array;
  /** Speech (not silence or a silence frame) in this slot. */
  readonly voice: boolean;
}

export interface ReceiverTick {
  readonly slot: number;
  readonly users: ReadonlyMap<string, UserSlot>;
  /** Everyone mixed (soft clipped); zeros when nobody sent audio. */
  readonly mixed: Int16Array;
  /** Whether any user sent speech in this slot. */
  readonly anyVoice: boolean;
}

export interface AudioReceiverEvents {
  speakingStart: [userId: string, slot: number];
  speakingEnd: [userId: string, slot: number];
  tick: [tick: ReceiverTick];
  /** A user appears for the first time (the slot their first packet plays in). */
  user: [userId: string, slot: number];
}

export interface AudioReceiverOptions extends JitterBufferOptions {
  readonly backend?: OpusBackendChoice;
  /** Time source in ms; default performance.now(). Injectable for tests. */
  readonly now?: () => number;
  /** Drive the 20 ms ticks with a timer (default true); false: call `tick()` yourself. */
  readonly timer?: boolean;
  /** Slots an async-iterable subscriber may fall behind before the oldest are dropped. Default 500 (10 s). */
  readonly subscriberCapacity?: number;
}

export interface UserReceiveStats {
  readonly jitter: JitterBufferStats;
  readonly audioSlots: number;
  readonly lostSlots: number;
  /** Lost slots rebuilt from the next packet's in-band FEC (the rest were concealed by PLC). */
  readonly fecSlots: number;
  /** Packets the decoder rejected (concealed instead): a corrupt packet costs only itself. */
  readonly corrupt: number;
}

interface UserState {
  readonly buffer: JitterBuffer;
  decoder: OpusDecoder | undefined;
  speaking: boolean;
  started: boolean;
  audio: number;
  lost: number;
  fec: number;
  corrupt: number;
}

const ZEROS = new Int16Array(STEREO_FRAME_LENGTH);

/**
 * The receive side: feed it every frame the connection receives; it plays them out on its own
 * 20 ms timeline (slot n = start + n × 20 ms of wall-clock time, catching up after a stall so
 * the timeline never drifts from the clock), one jitter buffer and decoder per user.
 * Each tick gives every known user a slot (audio, concealed loss, or silence), a time-aligned
 * mix of everyone, speaking events that follow the slots, and feeds the subscriptions:
 * `pcm(userId)`, `opus(userId)`, `mixed()`.
 */
export class AudioReceiver extends EventEmitter<AudioReceiverEvents> {
  readonly #options: AudioReceiverOptions;
  readonly #now: () => number;
  readonly #users = new Map<string, UserState>();
  readonly #pcmSubscribers = new Map<string, Set<AsyncQueue<Int16Array>>>();
  readonly #opusSubscribers = new Map<string, Set<AsyncQueue<UserSlot>>>();
  readonly #mixedSubscribers = new Set<AsyncQueue<Int16Array>>();
  #startedAt: number | null = null;
  #nextSlot = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: AudioReceiverOptions = {}) {
    super();
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Slots played so far: the length of the call in 20 ms units. */
  get slots(): number {
    return this.#nextSlot;
  }

  get running(): boolean {
    return this.#startedAt !== null;
  }

  /** Start the timeline (slot 0 is now). Frames pushed before start() are ignored. */
  start(): void {
    if (this.#startedAt !== null) return;
    this.#startedAt = this.#now();
    this.#nextSlot = 0;
    if (this.#options.timer !== false) this.#schedule();
  }

  /** Play out every slot due by now, then stop; subscriptions end. */
  stop(): void {
    if (this.#startedAt === null) return;
    this.tick();
    this.#startedAt = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const set of [...this.#pcmSubscribers.values(), ...this.#opusSubscribers.values()]) {
      for (const q of set) q.close();
    }
    for (const q of this.#mixedSubscribers) q.close();
    for (const user of this.#users.values()) user.decoder?.destroy();
    this.#users.clear();
  }

  /** A frame from the connection (or any RTP source) for `frame.userId`. */
  push(frame: ReceivedOpusFrame): void {
    if (this.#startedAt === null) return;
    let user = this.#users.get(frame.userId);
    if (!user) {
      user = {
        buffer: new JitterBuffer(this.#options),
        decoder: undefined,
        speaking: false,
        started: false,
        audio: 0,
        lost: 0,
        fec: 0,
        corrupt: 0,
      };
      this.#users.set(frame.userId, user);
    }
    user.buffer.push(frame, this.#currentSlot());
  }

  /** Forget a user (they left): their slots stop. */
  removeUser(userId: string): void {
    const user = this.#users.get(userId);
    if (!user) return;
    user.decoder?.destroy();
    this.#users.delete(userId);
  }

  stats(userId: string): UserReceiveStats | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    return {
      jitter: user.buffer.stats,
      audioSlots: user.audio,
      lostSlots: user.lost,
      fecSlots: user.fec,
      corrupt: user.corrupt,
    };
  }

  /**
   * Decoded stereo s16 PCM of one user, 20 ms per item, silence included, from now on. Items are
   * shared with other subscribers (silence is one shared buffer): copy before changing them.
   */
  pcm(userId: string): AsyncIterable<Int16Array> {
    return this.#subscribe(this.#pcmSubscribers, userId);
  }

  /** One user's slots (with the received Opus packet) from now on. */
  opus(userId: string): AsyncIterable<UserSlot> {
    return this.#subscribe(this.#opusSubscribers, userId);
  }

  /** Everyone mixed, time-aligned, 20 ms per item. */
  mixed(): AsyncIterable<Int16Array> {
    const queue = new AsyncQueue<Int16Array>(this.#options.subscriberCapacity ?? 500);
    this.#mixedSubscribers.add(queue);
    return queue;
  }

  /** Play out every slot that is due by the clock (the timer calls this). */
  tick(): void {
    if (this.#startedAt === null) return;
    const due = this.#currentSlot();
    while (this.#nextSlot <= due) this.#playSlot(this.#nextSlot++);
  }

  #currentSlot(): number {
    return Math.floor((this.#now() - (this.#startedAt ?? this.#now())) / 20);
  }

  #schedule(): void {
    const startedAt = this.#startedAt;
    if (startedAt === null) return;
    const next = startedAt + (this.#nextSlot + 1) * 20;
    this.#timer = setTimeout(
      () => {
        this.tick();
        this.#schedule();
      },
      Math.max(0, next - this.#now()),
    );
  }

  #playSlot(slot: number): void {
    const users = new Map<string, UserSlot>();
    const inputs = [];
    let anyVoice = false;
    for (const [userId, user] of this.#users) {
      const content = user.buffer.take(slot);
      if (!user.started) {
        if (content.kind === 'silence') continue;
        user.started = true;
        this.emit('user', userId, slot);
      }
      const played = this.#decode(userId, user, slot, content);
      users.set(userId, played);
      if (played.kind !== 'silence') inputs.push({ pcm: played.pcm, volume: 1 });
      if (played.voice) anyVoice = true;
      if (played.voice && !user.speaking) {
        user.speaking = true;
        this.emit('speakingStart', userId, slot);
      } else if (!played.voice && user.speaking) {
        user.speaking = false;
        this.emit('speakingEnd', userId, slot);
      }
      for (const q of this.#pcmSubscribers.get(userId) ?? []) q.push(played.pcm);
      for (const q of this.#opusSubscribers.get(userId) ?? []) q.push(played);
    }
    const mixed = inputs.length === 0 ? ZEROS : mixFrames(inputs, STEREO_FRAME_LENGTH);
    for (const q of this.#mixedSubscribers) q.push(mixed);
    this.emit('tick', { slot, users, mixed, anyVoice });
  }

  #decode(userId: string, user: UserState, slot: number, content: SlotContent): UserSlot {
    if (content.kind === 'silence') {
      return { userId, slot, kind: 'silence', opus: null, pcm: ZEROS, voice: false };
    }
    user.decoder ??= new OpusDecoder({ channels: 2, backend: this.#options.backend });
    if (content.kind === 'lost') {
      user.lost++;
      // The next packet may carry this frame again at a lower rate (in-band FEC): use it if here.
      const next = user.buffer.peek(slot + 1);
      let pcm: Int16Array;
      if (next?.kind === 'audio') {
        user.fec++;
        pcm = user.decoder.recover(next.opus);
      } else pcm = user.decoder.conceal();
      return { userId, slot, kind: 'lost', opus: null, pcm, voice: user.speaking };
    }
    user.audio++;
    const voice = !isSilenceFrame(content.opus);
    try {
      const pcm = user.decoder.decode(content.opus);
      return { userId, slot, kind: 'audio', opus: content.opus, pcm: fit(pcm), voice };
    } catch {
      user.corrupt++;
      return { userId, slot, kind: 'lost', opus: null, pcm: user.decoder.conceal(), voice: user.speaking };
    }
  }

  #subscribe<T>(map: Map<string, Set<AsyncQueue<T>>>, userId: string): AsyncIterable<T> {
    const queue = new AsyncQueue<T>(this.#options.subscriberCapacity ?? 500);
    let set = map.get(userId);
    if (!set) {
      set = new Set();
      map.set(userId, set);
    }
    set.add(queue);
    return queue;
  }
}

/** A decoded packet may hold more than 20 ms (a 40/60 ms packet); the slot is 20 ms. */
function fit(pcm: Int16Array): Int16Array {
  if (pcm.length === STEREO_FRAME_LENGTH) return pcm;
  const out = new Int16Array(STEREO_FRAME_LENGTH);
  out.set(pcm.subarray(0, STEREO_FRAME_LENGTH));
  return out;
}
