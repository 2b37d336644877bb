/**
 * What a simulated user heard from one sender (or from everyone), decoded: the frames, how long
 * they last, and the pitch of the audio, so a test can assert "alice heard the bot's 440 Hz tone
 * for about 2 s". Decoding needs @cordwire/audio and happens on first use of `pcm` or an analysis.
 */
import type { AudioModule } from './audioModule.js';
import { dominantFrequency, powerShareNear, powerSpectrum, toneShare } from './toneAnalysis.js';
import { FRAME_MS, type HeardStream, isSilenceFrame } from './voiceRecording.js';

const FRAME_SAMPLES = 960;

export interface ToneMatchOptions {
  /** How far the heard frequency may be from the reference (default 15 Hz). */
  toleranceHz?: number;
  /** Share of the power (0..1) that must be at the reference frequency (default 0.6). */
  minShare?: number;
}

export class HeardAudio {
  /** Non-silent Opus frames, stream after stream (a sender that reconnected has two SSRCs). */
  readonly frames: Uint8Array[];
  /** Milliseconds of non-silent audio (20 ms per frame). */
  readonly durationMs: number;
  /** Slots the playout buffer gave up on. */
  readonly lost: number;
  #pcm: Int16Array | undefined;
  #mono: Float32Array | undefined;
  #power: Float64Array | undefined;

  constructor(
    readonly userId: string | undefined,
    private readonly streams: readonly HeardStream[],
    private readonly audio: () => AudioModule,
  ) {
    this.frames = streams.flatMap((s) => s.frames.filter((f) => !isSilenceFrame(f)));
    this.durationMs = this.frames.length * FRAME_MS;
    this.lost = streams.reduce((n, s) => n + s.lost, 0);
  }

  /**
   * The audio decoded to 48 kHz stereo s16 PCM (interleaved), 960 samples per channel per frame,
   * streams one after another. A frame libopus rejects decodes to silence.
   */
  get pcm(): Int16Array {
    if (this.#pcm) return this.#pcm;
    const pcm = new Int16Array(this.frames.length * FRAME_SAMPLES * 2);
    if (this.frames.length > 0) {
      const { OpusDecoder } = this.audio();
      let at = 0;
      for (const stream of this.streams) {
        const decoder = new OpusDecoder({ channels: 2 });
        try {
          for (const frame of stream.frames) {
            if (isSilenceFrame(frame)) continue;
            try {
              pcm.set(decoder.decode(frame).subarray(0, FRAME_SAMPLES * 2), at);
            } catch {
              // not Opus (a test's synthetic frame): this frame stays silent
            }
            at += FRAME_SAMPLES * 2;
          }
        } finally {
          decoder.destroy();
        }
      }
    }
    this.#pcm = pcm;
    return pcm;
  }

  /** The strongest frequency heard, in Hz (about 12 Hz resolution, refined); undefined for silence. */
  get dominantFrequency(): number | undefined {
    return dominantFrequency(this.#spectrum());
  }

  /** Whether the audio is mostly a tone at `freq` Hz (its dominant frequency, and most of its power). */
  matchesTone(freq: number, opts: ToneMatchOptions = {}): boolean {
    const tolerance = opts.toleranceHz ?? 15;
    const heard = this.dominantFrequency;
    if (heard === undefined || Math.abs(heard - freq) > tolerance) return false;
    return powerShareNear(this.#spectrum(), freq, tolerance) >= (opts.minShare ?? 0.6);
  }

  /** Milliseconds of 20 ms frames in which a tone at `freq` Hz dominates. */
  toneMs(freq: number, opts: ToneMatchOptions = {}): number {
    const mono = this.#monoPcm();
    const min = opts.minShare ?? 0.6;
    let frames = 0;
    for (let at = 0; at + FRAME_SAMPLES <= mono.length; at += FRAME_SAMPLES) {
      if (toneShare(mono.subarray(at, at + FRAME_SAMPLES), freq) >= min) frames++;
    }
    return frames * FRAME_MS;
  }

  /**
   * What she heard as an Ogg Opus file (the frames as received, stream after stream), for a
   * person to listen to or opusinfo to check.
   */
  toOgg(): Uint8Array {
    const { OggOpusMuxer } = this.audio();
    const muxer = new OggOpusMuxer({ channels: 2 });
    const pages: Uint8Array[] = [];
    for (const frame of this.frames) pages.push(...muxer.write(frame));
    pages.push(...muxer.end());
    return Buffer.concat(pages);
  }

  /** A summary for logs and test failures (no audio bytes). */
  toJSON(): {
    userId?: string;
    frames: number;
    durationMs: number;
    lost: number;
    dominantFrequency?: number;
  } {
    const f = this.frames.length > 0 ? this.dominantFrequency : undefined;
    return {
      ...(this.userId !== undefined ? { userId: this.userId } : {}),
      frames: this.frames.length,
      durationMs: this.durationMs,
      lost: this.lost,
      ...(f !== undefined ? { dominantFrequency: Math.round(f * 10) / 10 } : {}),
    };
  }

  #monoPcm(): Float32Array {
    if (this.#mono) return this.#mono;
    const pcm = this.pcm;
    const mono = new Float32Array(pcm.length / 2);
    for (let i = 0; i < mono.length; i++) mono[i] = (pcm[2 * i]! + pcm[2 * i + 1]!) / 65536;
    this.#mono = mono;
    return mono;
  }

  #spectrum(): Float64Array {
    this.#power ??= powerSpectrum(this.#monoPcm());
    return this.#power;
  }
}
