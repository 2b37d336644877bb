import { AudioError, type OggError } from './errors.js';
import { ffmpegSource } from './ffmpegSource.js';
import { oggOpusSource } from './oggOpusSource.js';
import { OpusDecoder } from './opusDecoder.js';
import { opusPacketSamples } from './opusPacket.js';
import { pcmSource } from './pcmSource.js';
import { ReadAhead } from './readAhead.js';
import { type AudioInput, type AudioInputType, isReopenable, openBytes, sniff } from './trackInput.js';
import { FRAME_SAMPLES, STEREO_FRAME_LENGTH, type TrackUnit } from './trackUnit.js';

export type TrackState = 'queued' | 'buffering' | 'playing' | 'paused' | 'ended';
export type TrackEndReason = 'finished' | 'stopped' | 'error';

export interface TrackOptions {
  /**
   * How to read the input. 'auto' (default): Ogg Opus when it starts with "OggS", else ffmpeg.
   * 'pcm' / 'f32': raw 48 kHz s16le / f32le; 'opus': an iterable of 20 ms Opus packets.
   */
  readonly type?: AudioInputType | 'opus';
  /** Channels of raw PCM input; default 2. */
  readonly channels?: number;
  /** Linear gain; 1 keeps Opus passthrough possible. */
  readonly volume?: number;
  /** true: forever; a number: that many extra times. Needs a re-openable input. */
  readonly loop?: boolean | number;
  /** Start this far into the track. */
  readonly startMs?: number;
  /** Units read ahead (20 ms each); bounds memory for endless streams. Default 50. */
  readonly readAhead?: number;
}

/** Opus packets given directly: each one 20 ms. */
export type OpusFrames = Iterable<Uint8Array> | AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array>);

export interface TrackHooks {
  readonly ffmpegPath: string;
  readonly onStart: (track: AudioTrack) => void;
  readonly onEnd: (track: AudioTrack, reason: TrackEndReason) => void;
  readonly onError: (track: AudioTrack, error: AudioError) => void;
}

export interface TrackStats {
  readonly framesPlayed: number;
  readonly corruptPages: number;
  readonly loops: number;
}

/**
 * One playing (or queued) source and its controls. States: queued → buffering (waiting for
 * its first frame) → playing ⇄ paused → ended. `trackStart` fires when it is first activated
 * and `trackEnd` exactly once whatever happens (end, stop, error), even for an empty clip.
 */
export class AudioTrack {
  readonly input: AudioInput | OpusFrames;
  readonly #type: AudioInputType | 'opus';
  readonly #channels: number;
  readonly #readAheadUnits: number;
  readonly #hooks: TrackHooks;
  #state: TrackState = 'queued';
  #volume: number;
  #loopsLeft: number;
  #reader: ReadAhead<TrackUnit> | undefined;
  readonly #opened = { count: 0 };
  /** Where the current reader started, and frames handed out since. */
  #baseMs: number;
  #frames = 0;
  #framesPlayed = 0;
  #skipFrames = 0;
  #corrupt = 0;
  #loops = 0;
  #decoder: OpusDecoder | undefined;
  /** Decoded PCM not yet handed out (a packet longer than 20 ms). */
  #leftover: Int16Array | undefined;
  #resolveFinished!: (reason: TrackEndReason) => void;
  /** Resolves with why the track ended. */
  readonly finished: Promise<TrackEndReason>;

  constructor(input: AudioInput | OpusFrames, options: TrackOptions, hooks: TrackHooks) {
    this.input = input;
    this.#type = options.type ?? 'auto';
    this.#channels = options.channels ?? 2;
    this.#volume = options.volume ?? 1;
    const loop = options.loop ?? false;
    this.#loopsLeft = loop === true ? Number.POSITIVE_INFINITY : loop === false ? 0 : Math.max(0, loop);
    this.#baseMs = Math.max(0, options.startMs ?? 0);
    this.#readAheadUnits = options.readAhead ?? 50;
    this.#hooks = hooks;
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    if (this.#channels !== 1 && this.#channels !== 2) {
      throw new AudioError('INVALID_ARGUMENT', `PCM channels must be 1 or 2, got ${this.#channels}`);
    }
  }

  get state(): TrackState {
    return this.#state;
  }

  get volume(): number {
    return this.#volume;
  }

  /** Playback position in milliseconds. */
  get positionMs(): number {
    return this.#baseMs + this.#frames * 20;
  }

  get stats(): TrackStats {
    return { framesPlayed: this.#framesPlayed, corruptPages: this.#corrupt, loops: this.#loops };
  }

  setVolume(volume: number): void {
    if (!(volume >= 0) || !Number.isFinite(volume))
      throw new AudioError('INVALID_ARGUMENT', 'volume must be a finite number >= 0');
    this.#volume = volume;
  }

  setLoop(loop: boolean | number): void {
    this.#loopsLeft = loop === true ? Number.POSITIVE_INFINITY : loop === false ? 0 : Math.max(0, loop);
  }

  pause(): void {
    if (this.#state === 'playing' || this.#state === 'buffering' || this.#state === 'queued')
      this.#state = 'paused';
  }

  resume(): void {
    if (this.#state === 'paused') this.#state = this.#reader ? 'playing' : 'queued';
  }

  stop(): void {
    this.#end('stopped');
  }

  /**
   * Jump to `ms`. Re-openable inputs restart there (Ogg skips by granule, PCM by byte offset,
   * ffmpeg restarts with -ss); a one-time stream can only move forward (frames are skipped).
   */
  seek(ms: number): void {
    if (this.#state === 'ended') return;
    const target = Math.max(0, ms);
    this.#leftover = undefined;
    this.#decoder?.destroy();
    this.#decoder = undefined;
    if (isReopenable(this.input as AudioInput) || !this.#reader) {
      this.#reader?.close();
      this.#reader = undefined;
      this.#baseMs = target;
      this.#frames = 0;
      this.#skipFrames = 0;
      if (this.#state !== 'queued' && this.#state !== 'paused') this.#state = 'buffering';
      if (this.#state !== 'queued') this.#open();
      return;
    }
    if (target < this.positionMs) {
      throw new AudioError('INVALID_ARGUMENT', 'this input is a one-time stream: it can only seek forward');
    }
    this.#skipFrames = Math.round((target - this.positionMs) / 20);
  }

  /** @internal The player activates the track: open its source. */
  activate(): void {
    if (this.#state === 'ended' || this.#reader) return;
    if (this.#state === 'queued') this.#state = 'buffering';
    this.#hooks.onStart(this);
    this.#open();
  }

  /**
   * @internal One 20 ms unit for this tick: an Opus packet of exactly 20 ms or a stereo PCM
   * frame; undefined while buffering (or paused); null once the track has ended.
   */
  pull(): TrackUnit | null | undefined {
    for (;;) {
      if (this.#state === 'ended') return null;
      if (this.#state === 'paused' || !this.#reader) return undefined;
      const unit = this.#next();
      if (unit === undefined) return undefined;
      if (unit === null) {
        const error = this.#reader.error;
        if (error) {
          this.#hooks.onError(this, asAudioError(error));
          this.#end('error');
          return null;
        }
        if (
          this.#loopsLeft > 0 &&
          (isReopenable(this.input as AudioInput) ||
            (this.#type === 'opus' && typeof this.input === 'function'))
        ) {
          this.#loopsLeft--;
          this.#loops++;
          this.#reader.close();
          this.#baseMs = 0;
          this.#frames = 0;
          this.#open();
          continue;
        }
        this.#end('finished');
        return null;
      }
      if (this.#skipFrames > 0) {
        this.#skipFrames--;
        this.#frames++;
        continue;
      }
      this.#state = 'playing';
      this.#frames++;
      this.#framesPlayed++;
      return unit;
    }
  }

  /** @internal PCM for a unit, decoding Opus with this track's decoder (stereo out). */
  toPcm(unit: TrackUnit): Int16Array {
    if (unit.kind === 'pcm') return unit.pcm;
    const pcm = this.#decode(unit.opus, unit.channels);
    return pcm.length >= STEREO_FRAME_LENGTH ? pcm.subarray(0, STEREO_FRAME_LENGTH) : padded(pcm);
  }

  #next(): TrackUnit | null | undefined {
    for (;;) {
      const leftover = this.#leftover;
      if (leftover && leftover.length >= STEREO_FRAME_LENGTH) {
        this.#leftover =
          leftover.length > STEREO_FRAME_LENGTH ? leftover.subarray(STEREO_FRAME_LENGTH) : undefined;
        return { kind: 'pcm', pcm: leftover.subarray(0, STEREO_FRAME_LENGTH) };
      }
      const unit = this.#reader!.read();
      if (unit === undefined) return undefined;
      if (unit === null) {
        // The end: what is left of a short packet plays as one last, padded frame.
        if (!leftover) return null;
        this.#leftover = undefined;
        return { kind: 'pcm', pcm: padded(leftover) };
      }
      if (!leftover && (unit.kind === 'pcm' || opusPacketSamples(unit.opus) === FRAME_SAMPLES)) return unit;
      // A packet of another duration (2.5 to 120 ms), or anything after one: decode and cut the
      // audio into 20 ms frames, so the timeline stays exact.
      let pcm: Int16Array;
      if (unit.kind === 'pcm') pcm = unit.pcm;
      else {
        try {
          pcm = this.#decode(unit.opus, unit.channels);
        } catch {
          this.#corrupt++;
          pcm = new Int16Array(Math.max(1, opusPacketSamples(unit.opus)) * 2);
        }
      }
      if (!leftover) this.#leftover = pcm;
      else {
        const joined = new Int16Array(leftover.length + pcm.length);
        joined.set(leftover);
        joined.set(pcm, leftover.length);
        this.#leftover = joined;
      }
    }
  }

  #decode(opus: Uint8Array, channels: number): Int16Array {
    if (!this.#decoder || this.#decoder.channels !== channels) {
      this.#decoder?.destroy();
      this.#decoder = new OpusDecoder({ channels });
    }
    const pcm = this.#decoder.decode(opus);
    if (channels === 2) return pcm;
    const stereo = new Int16Array(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) stereo[i * 2] = stereo[i * 2 + 1] = pcm[i]!;
    return stereo;
  }

  #open(): void {
    this.#reader = new ReadAhead(this.#units(this.#baseMs), this.#readAheadUnits);
  }

  async *#units(startMs: number): AsyncGenerator<TrackUnit[]> {
    const input = this.input;
    const onCorrupt = (_: OggError) => {
      this.#corrupt++;
    };
    if (this.#type === 'opus') {
      let skip = Math.round(startMs / 20);
      const frames =
        typeof input === 'function' ? input() : (input as Iterable<Uint8Array> | AsyncIterable<Uint8Array>);
      for await (const opus of frames as AsyncIterable<Uint8Array>) {
        if (skip > 0) {
          skip--;
          continue;
        }
        yield [{ kind: 'opus', opus, channels: 2 }];
      }
      return;
    }
    const audio = input as AudioInput;
    const bytes = () => openBytes(audio, this.#opened);
    switch (this.#type) {
      case 'pcm':
      case 'f32':
        yield* pcmSource(
          bytes(),
          { sample: this.#type === 'pcm' ? 's16' : 'f32', channels: this.#channels },
          startMs,
        );
        return;
      case 'ogg':
        yield* oggOpusSource(bytes(), startMs, onCorrupt);
        return;
      case 'ffmpeg':
        yield* ffmpegSource(audio, bytes, this.#hooks.ffmpegPath, startMs);
        return;
      default: {
        const sniffed = await sniff(bytes());
        if (sniffed.ogg) yield* oggOpusSource(sniffed.bytes, startMs, onCorrupt);
        else {
          let first = true;
          const reuse = () => {
            if (first) {
              first = false;
              return sniffed.bytes;
            }
            return bytes();
          };
          yield* ffmpegSource(audio, reuse, this.#hooks.ffmpegPath, startMs);
        }
      }
    }
  }

  #end(reason: TrackEndReason): void {
    if (this.#state === 'ended') return;
    const wasActive = this.#reader !== undefined || this.#state !== 'queued';
    this.#state = 'ended';
    this.#reader?.close();
    this.#reader = undefined;
    this.#decoder?.destroy();
    this.#decoder = undefined;
    this.#leftover = undefined;
    if (!wasActive) this.#hooks.onStart(this);
    this.#hooks.onEnd(this, reason);
    this.#resolveFinished(reason);
  }
}

function padded(pcm: Int16Array): Int16Array {
  if (pcm.length === STEREO_FRAME_LENGTH) return pcm;
  const out = new Int16Array(STEREO_FRAME_LENGTH);
  out.set(pcm.subarray(0, STEREO_FRAME_LENGTH));
  return out;
}

function asAudioError(error: Error): AudioError {
  if (error instanceof AudioError) return error;
  return new AudioError('SOURCE_FAILED', `track source failed: ${error.message}`, { cause: error });
}
