import { OpusCodecError } from './errors.js';
import {
  OPUS_FRAME_SAMPLES,
  type OpusBackendChoice,
  type OpusFrameEncoder,
  opusBackend,
} from './opusCodec.js';

export interface OpusEncoderOptions {
  /** 1 or 2; default 2 (Discord sends stereo). */
  readonly channels?: number;
  /** Bits per second; default 64 000 (Discord's default channel bitrate). */
  readonly bitrate?: number;
  readonly application?: 'audio' | 'voip';
  readonly backend?: OpusBackendChoice;
}

/**
 * PCM in (interleaved, any chunk size), 20 ms Opus packets out. Input is collected into
 * 960-sample frames; `flush()` pads the last partial frame with silence so nothing is lost.
 * Float PCM (f32, -1..1) is converted to s16 with clamping.
 */
export class OpusEncoder {
  readonly channels: number;
  readonly #codec: OpusFrameEncoder;
  readonly #frame: Int16Array;
  #filled = 0;

  constructor(options: OpusEncoderOptions = {}) {
    this.channels = options.channels ?? 2;
    if (this.channels !== 1 && this.channels !== 2) {
      throw new OpusCodecError('INVALID_ARGUMENT', `Opus encoder: ${this.channels} channels (1 or 2)`);
    }
    this.#codec = opusBackend(options.backend).createEncoder({
      channels: this.channels,
      bitrate: options.bitrate ?? 64_000,
      application: options.application ?? 'audio',
    });
    this.#frame = new Int16Array(OPUS_FRAME_SAMPLES * this.channels);
  }

  /** Samples (per channel) waiting for a full frame. */
  get pending(): number {
    return this.#filled / this.channels;
  }

  encode(pcm: Int16Array | Float32Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const frame = this.#frame;
    const float = pcm instanceof Float32Array;
    for (let at = 0; at < pcm.length; ) {
      const take = Math.min(frame.length - this.#filled, pcm.length - at);
      if (float) {
        for (let i = 0; i < take; i++) {
          const v = pcm[at + i]! * 32767;
          frame[this.#filled + i] = Math.min(32767, Math.max(-32768, v));
        }
      } else frame.set((pcm as Int16Array).subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === frame.length) {
        out.push(this.encodeFrame(frame));
        this.#filled = 0;
      }
    }
    return out;
  }

  /** Encode exactly one 20 ms frame (960 × channels samples). */
  encodeFrame(frame: Int16Array): Uint8Array {
    try {
      return this.#codec.encode(frame);
    } catch (error) {
      throw new OpusCodecError('OPUS_ENCODE_FAILED', `Opus encode failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Encode what is left, padded with silence to a whole frame. */
  flush(): Uint8Array[] {
    if (this.#filled === 0) return [];
    this.#frame.fill(0, this.#filled);
    this.#filled = 0;
    return [this.encodeFrame(this.#frame)];
  }

  destroy(): void {
    this.#codec.destroy();
  }
}
