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
 * packet loss concealment; `recover()` rebuilds it from the next packet's in-band FEC instead.
 * Backends that cannot ask for an exact length may return more (an empty packet decodes to 60 or
 * 120 ms, research/audio-and-scale.md "Opus and Ogg on npm"), so the result is fitted to the slot.
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

  /** PCM for a lost slot of `samples` per channel (default one 20 ms frame), by libopus PLC. */
  conceal(samples = OPUS_FRAME_SAMPLES): Int16Array {
    let pcm: Int16Array;
    try {
      pcm = this.#codec.conceal(samples);
    } catch {
      pcm = new Int16Array(0);
    }
    return fit(pcm, samples * this.channels);
  }

  /**
   * PCM for a lost slot rebuilt from the in-band FEC data of the packet after it (RFC 6716
   * §2.1.7), when the codec offers it; else concealment.
   */
  recover(next: Uint8Array, samples = OPUS_FRAME_SAMPLES): Int16Array {
    if (!this.#codec.decodeFec || opusPacketSamples(next) === 0) return this.conceal(samples);
    try {
      return fit(this.#codec.decodeFec(next, samples), samples * this.channels);
    } catch {
      return this.conceal(samples);
    }
  }

  destroy(): void {
    this.#codec.destroy();
  }
}

function fit(pcm: Int16Array, length: number): Int16Array {
  if (pcm.length === length) return pcm;
  const out = new Int16Array(length);
  out.set(pcm.subarray(0, length));
  return out;
}
