import { OpusCodecError } from './errors.js';
import {
  OPUS_FRAME_SAMPLES,
  type OpusBackendChoice,
  type OpusFrameDecoder,
  opusBackend,
} from './opusCodec.js';
import { opusPacketSamples } from './opusPacket.js';

export interface OpusDecoderOptions {
  readonly channels?: number;
  readonly backend?: OpusBackendChoice;
}

/**
 * Opus packets in, interleaved s16 PCM out. `conceal()` fills a lost 20 ms slot with libopus
 * packet loss concealment; libopus may return more than asked (60 ms from opusscript), so the
 * result is trimmed to the slot (research/audio-and-scale.md "Opus and Ogg on npm").
 * A packet the codec rejects throws `OpusCodecError` (OPUS_DECODE_FAILED); the receive path
 * catches it, counts it and conceals the slot instead.
 */
export class OpusDecoder {
  readonly channels: number;
  readonly #codec: OpusFrameDecoder;

  constructor(options: OpusDecoderOptions = {}) {
    this.channels = options.channels ?? 2;
    if (this.channels !== 1 && this.channels !== 2) {
      throw new OpusCodecError('INVALID_ARGUMENT', `Opus decoder: ${this.channels} channels (1 or 2)`);
    }
    this.#codec = opusBackend(options.backend).createDecoder({ channels: this.channels });
  }

  decode(packet: Uint8Array): Int16Array {
    if (packet.length === 0 || opusPacketSamples(packet) === 0) {
      throw new OpusCodecError('OPUS_DECODE_FAILED', 'not an Opus packet (empty or malformed TOC)');
    }
    try {
      return this.#codec.decode(packet);
    } catch (error) {
      throw new OpusCodecError('OPUS_DECODE_FAILED', `Opus decode failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** PCM for a lost slot of `samples` per channel (default one 20 ms frame). */
  conceal(samples = OPUS_FRAME_SAMPLES): Int16Array {
    const want = samples * this.channels;
    let pcm: Int16Array;
    try {
      pcm = this.#codec.decode(new Uint8Array(0));
    } catch {
      pcm = new Int16Array(0);
    }
    if (pcm.length === want) return pcm;
    const out = new Int16Array(want);
    out.set(pcm.subarray(0, want));
    return out;
  }

  destroy(): void {
    this.#codec.destroy();
  }
}
