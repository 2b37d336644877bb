import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { SILENCE_FRAME } from '@cordwire/voice-udp';
import type { AudioReceiver, ReceiverTick } from './audioReceiver.js';
import { AudioError } from './errors.js';
import { OggOpusMuxer } from './oggMuxer.js';
import type { OpusBackendChoice } from './opusCodec.js';
import { OpusEncoder } from './opusEncoder.js';

/** The lead-in frame every file starts with, skipped at decode (RFC 7845 §4.2 pre-skip). */
const LEAD_IN_SAMPLES = 960;

export interface RecorderOptions {
  /** Where the files go: `<userId>.opus` and `mix.opus`. */
  readonly directory: string;
  /** Record each user (default true). */
  readonly users?: boolean;
  /** Record everyone mixed (default true); the mix is encoded, so it costs an encoder. */
  readonly mix?: boolean;
  readonly backend?: OpusBackendChoice;
  /** Ogg pages flushed to disk every this many frames; default 50 (one second). */
  readonly packetsPerPage?: number;
}

export interface RecordingSummary {
  /** File path per user id, and 'mix' for the mix. */
  readonly files: ReadonlyMap<string, string>;
  /** Length of every file in 20 ms frames: the receiver slots from start to stop. */
  readonly frames: number;
}

interface Track {
  readonly path: string;
  readonly muxer: OggOpusMuxer;
  readonly out: WriteStream;
}

/**
 * Records a call from an AudioReceiver into Ogg Opus files, one per user plus the mix, all of
 * the same length: one 20 ms frame per receiver slot from start() to stop(), so a file lasts as
 * long as the call did by the wall clock, with granule positions counting 960 per frame.
 * - A user's file holds the Opus packets exactly as received (no re-encode); slots without a
 *   packet (silence, or a loss the network caused) hold the Opus silence frame. A user who first
 *   speaks later starts with silence back to the recording's start.
 * - Users are recorded by user id, not SSRC, so a reconnect (new SSRC) continues the same file.
 * - Every file opens with one silence frame and a pre-skip of 960 that drops exactly it: players
 *   (and opusinfo) expect a pre-skip of at least the encoder delay, and the playback length
 *   (last granule − pre-skip) is then exactly frames × 20 ms, the call's length.
 */
export class Recorder {
  readonly #receiver: AudioReceiver;
  readonly #options: RecorderOptions;
  readonly #tracks = new Map<string, Track>();
  #mix: Track | undefined;
  #encoder: OpusEncoder | undefined;
  #firstSlot: number | null = null;
  #frames = 0;
  #listener: ((tick: ReceiverTick) => void) | undefined;

  constructor(receiver: AudioReceiver, options: RecorderOptions) {
    this.#receiver = receiver;
    this.#options = options;
  }

  get frames(): number {
    return this.#frames;
  }

  /** Start recording at the receiver's next slot. */
  start(): void {
    if (this.#listener) return;
    if (!this.#receiver.running)
      throw new AudioError('INVALID_ARGUMENT', 'start the AudioReceiver before recording');
    if (this.#options.mix !== false) {
      this.#mix = this.#open('mix');
      this.#encoder = new OpusEncoder({ backend: this.#options.backend });
    }
    this.#listener = (tick) => this.#onTick(tick);
    this.#receiver.on('tick', this.#listener);
  }

  /** Stop, write the final pages (EOS) and close the files. */
  async stop(): Promise<RecordingSummary> {
    if (this.#listener) this.#receiver.off('tick', this.#listener);
    this.#listener = undefined;
    const all = [...this.#tracks.values(), ...(this.#mix ? [this.#mix] : [])];
    await Promise.all(
      all.map(
        (track) =>
          new Promise<void>((resolve, reject) => {
            for (const page of track.muxer.end()) track.out.write(page);
            track.out.end((error?: Error | null) => (error ? reject(error) : resolve()));
          }),
      ),
    );
    this.#encoder?.destroy();
    this.#encoder = undefined;
    const files = new Map<string, string>();
    for (const [userId, track] of this.#tracks) files.set(userId, track.path);
    if (this.#mix) files.set('mix', this.#mix.path);
    return { files, frames: this.#frames };
  }

  #onTick(tick: ReceiverTick): void {
    this.#firstSlot ??= tick.slot;
    this.#frames++;
    if (this.#options.users !== false) {
      for (const [userId, slot] of tick.users) {
        if (!this.#tracks.has(userId)) {
          const track = this.#open(userId);
          // Silence back to the start of the recording, so every file has the call's length.
          for (let i = 0; i < this.#frames - 1; i++) this.#write(track, SILENCE_FRAME);
          this.#tracks.set(userId, track);
        }
        this.#write(this.#tracks.get(userId)!, slot.kind === 'audio' ? slot.opus! : SILENCE_FRAME);
      }
      // Users who left (or have not sent this slot) keep their files the call's length.
      for (const [userId, track] of this.#tracks)
        if (!tick.users.has(userId)) this.#write(track, SILENCE_FRAME);
    }
    if (this.#mix) {
      const frame =
        tick.users.size > 0 && this.#encoder ? this.#encoder.encodeFrame(tick.mixed) : SILENCE_FRAME;
      this.#write(this.#mix, frame);
    }
  }

  #open(name: string): Track {
    const path = join(this.#options.directory, `${name.replace(/[^\w.-]/g, '_')}.opus`);
    const muxer = new OggOpusMuxer({
      channels: 2,
      preSkip: LEAD_IN_SAMPLES,
      packetsPerPage: this.#options.packetsPerPage ?? 50,
      vendor: 'cordwire',
      comments: [`CORDWIRE_TRACK=${name}`],
    });
    const track = { path, muxer, out: createWriteStream(path) };
    this.#write(track, SILENCE_FRAME);
    return track;
  }

  #write(track: Track, packet: Uint8Array): void {
    for (const page of track.muxer.write(packet, 960)) track.out.write(page);
  }
}
