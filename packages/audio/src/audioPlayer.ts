import { EventEmitter } from 'node:events';
import { SILENCE_FRAME, SILENCE_FRAMES_BEFORE_GAP } from '@cordwire/voice-udp';
import { AudioError } from './errors.js';
import {
  AudioTrack,
  type OpusFrames,
  type TrackEndReason,
  type TrackHooks,
  type TrackOptions,
} from './audioTrack.js';
import { mixFrames } from './mixer.js';
import type { OpusBackendChoice } from './opusCodec.js';
import { OpusEncoder } from './opusEncoder.js';
import type { AudioInput } from './trackInput.js';
import { STEREO_FRAME_LENGTH, type TrackUnit } from './trackUnit.js';

export type PlayerStatus = 'idle' | 'buffering' | 'playing' | 'paused';

export interface AudioPlayerEvents {
  stateChange: [from: PlayerStatus, to: PlayerStatus];
  trackStart: [track: AudioTrack];
  trackEnd: [track: AudioTrack, reason: TrackEndReason];
  trackError: [track: AudioTrack, error: AudioError];
}

export interface AudioPlayerOptions {
  readonly backend?: OpusBackendChoice;
  /** Encoder bitrate for mixed or PCM audio; default 64 000. */
  readonly bitrate?: number;
  /** ffmpeg binary for inputs that need it; default "ffmpeg" on PATH. */
  readonly ffmpegPath?: string;
}

export interface AudioPlayerStats {
  /** Frames handed out by nextFrame(). */
  readonly frames: number;
  /** Opus packets passed through untouched (one Opus track at volume 1). */
  readonly passthrough: number;
  /** Frames decoded/mixed and encoded. */
  readonly encoded: number;
  readonly silence: number;
  /** Frames the encoder failed on (sent as silence instead). */
  readonly encodeErrors: number;
}

/**
 * Plays tracks as Opus frames, one per 20 ms tick, pulled by the connection's send clock:
 * `connection.play(() => player.nextFrame())`. It knows nothing of sockets or encryption.
 *
 * - `enqueue()` adds to a queue played one after another; `play()` starts a track now, mixed
 *   over whatever plays (a sound effect over music).
 * - One Opus track alone at volume 1: its packets go out untouched (passthrough, no decode).
 *   Otherwise tracks are decoded, scaled, summed with soft clipping and encoded.
 * - When the last track stops, five silence frames go out (Discord's end-of-speech rule), then
 *   nextFrame() returns undefined: nothing to send (the sender's underrun).
 * - States idle / buffering / playing / paused, with `stateChange` and track events.
 */
export class AudioPlayer extends EventEmitter<AudioPlayerEvents> {
  readonly #options: AudioPlayerOptions;
  readonly #queue: AudioTrack[] = [];
  readonly #overlays: AudioTrack[] = [];
  readonly #hooks: TrackHooks;
  #encoder: OpusEncoder | undefined;
  #status: PlayerStatus = 'idle';
  #silenceLeft = 0;
  #paused = false;
  #destroyed = false;
  readonly #mixed = new Int16Array(STEREO_FRAME_LENGTH);
  #frames = 0;
  #passthrough = 0;
  #encoded = 0;
  #silence = 0;
  #encodeErrors = 0;

  constructor(options: AudioPlayerOptions = {}) {
    super();
    this.#options = options;
    this.#hooks = {
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
      onStart: (track) => this.emit('trackStart', track),
      onEnd: (track, reason) => this.#ended(track, reason),
      onError: (track, error) => {
        // An 'error'-less EventEmitter would throw on emit('error'); trackError is a plain event.
        this.emit('trackError', track, error);
      },
    };
  }

  get status(): PlayerStatus {
    return this.#status;
  }

  get stats(): AudioPlayerStats {
    return {
      frames: this.#frames,
      passthrough: this.#passthrough,
      encoded: this.#encoded,
      silence: this.#silence,
      encodeErrors: this.#encodeErrors,
    };
  }

  /** Tracks waiting in the queue, the playing one first. */
  get queue(): readonly AudioTrack[] {
    return this.#queue;
  }

  /** Every track that can sound now: the queue's head and the overlays. */
  get tracks(): readonly AudioTrack[] {
    return this.#queue.length > 0 ? [this.#queue[0]!, ...this.#overlays] : [...this.#overlays];
  }

  /** Start a track now, mixed over whatever plays. */
  play(input: AudioInput | OpusFrames, options: TrackOptions = {}): AudioTrack {
    const track = this.#create(input, options);
    this.#overlays.push(track);
    track.activate();
    return track;
  }

  /** Add a track to the queue; it starts when the ones before it end. */
  enqueue(input: AudioInput | OpusFrames, options: TrackOptions = {}): AudioTrack {
    const track = this.#create(input, options);
    this.#queue.push(track);
    if (this.#queue.length === 1) track.activate();
    return track;
  }

  /** End the queue's current track; the next one starts. */
  skip(): void {
    this.#queue[0]?.stop();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  /** Stop everything and clear the queue. */
  stop(): void {
    for (const track of [...this.#overlays, ...this.#queue]) track.stop();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.stop();
    this.#destroyed = true;
    this.#encoder?.destroy();
    this.#encoder = undefined;
  }

  /**
   * The next 20 ms Opus frame, or undefined when there is nothing to send this tick (idle,
   * paused after the trailing silence, or every track still buffering).
   */
  nextFrame(): Uint8Array | undefined {
    if (this.#destroyed) return undefined;
    const units: Array<{ track: AudioTrack; unit: TrackUnit }> = [];
    if (!this.#paused) {
      const head = this.#pullQueue();
      if (head) units.push(head);
      for (const track of [...this.#overlays]) {
        const unit = track.pull();
        if (unit) units.push({ track, unit });
      }
    }
    if (units.length === 0) return this.#quiet();
    this.#setStatus('playing');
    this.#silenceLeft = SILENCE_FRAMES_BEFORE_GAP;
    this.#frames++;
    const only = units.length === 1 ? units[0]! : undefined;
    if (only && only.unit.kind === 'opus' && only.track.volume === 1 && this.#audibleTracks() === 1) {
      this.#passthrough++;
      return only.unit.opus;
    }
    const inputs = [];
    for (const { track, unit } of units) {
      try {
        inputs.push({ pcm: track.toPcm(unit), volume: track.volume });
      } catch {
        // A packet the decoder rejects costs its 20 ms of this track, not the mix.
      }
    }
    const pcm = mixFrames(inputs, STEREO_FRAME_LENGTH, this.#mixed);
    this.#encoded++;
    try {
      this.#encoder ??= new OpusEncoder({ backend: this.#options.backend, bitrate: this.#options.bitrate });
      return this.#encoder.encodeFrame(pcm);
    } catch {
      // The send clock must never see a throw from here: this tick goes out as silence.
      this.#encodeErrors++;
      return SILENCE_FRAME;
    }
  }

  #create(input: AudioInput | OpusFrames, options: TrackOptions): AudioTrack {
    if (this.#destroyed) throw new AudioError('INVALID_ARGUMENT', 'this player was destroyed');
    return new AudioTrack(input, options, this.#hooks);
  }

  /** The queue's unit for this tick; a track that ended hands over to the next at once. */
  #pullQueue(): { track: AudioTrack; unit: TrackUnit } | undefined {
    for (;;) {
      const track = this.#queue[0];
      if (!track) return undefined;
      const unit = track.pull();
      if (unit) return { track, unit };
      if (unit === undefined) return undefined;
      // Ended: #ended() shifted it off the queue and activated the next; pull from that one.
      if (this.#queue[0] === track) this.#queue.shift();
    }
  }

  #audibleTracks(): number {
    let n = 0;
    for (const track of this.tracks) if (track.state === 'playing' || track.state === 'buffering') n++;
    return n;
  }

  #quiet(): Uint8Array | undefined {
    if (this.#silenceLeft > 0) {
      this.#silenceLeft--;
      this.#silence++;
      this.#frames++;
      return SILENCE_FRAME;
    }
    const tracks = this.tracks;
    if (this.#paused || (tracks.length > 0 && tracks.every((t) => t.state === 'paused')))
      this.#setStatus('paused');
    else if (tracks.some((t) => t.state === 'buffering' || t.state === 'playing'))
      this.#setStatus('buffering');
    else this.#setStatus('idle');
    return undefined;
  }

  #ended(track: AudioTrack, reason: TrackEndReason): void {
    const overlay = this.#overlays.indexOf(track);
    if (overlay >= 0) this.#overlays.splice(overlay, 1);
    const queued = this.#queue.indexOf(track);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      if (queued === 0) this.#queue[0]?.activate();
    }
    this.emit('trackEnd', track, reason);
  }

  #setStatus(status: PlayerStatus): void {
    if (status === this.#status) return;
    const from = this.#status;
    this.#status = status;
    this.emit('stateChange', from, status);
  }
}
