import { createRequire } from 'node:module';
import OpusScript from 'opusscript';
import { OpusCodecError } from './errors.js';

/**
 * Where Opus encoding and decoding come from. The default is opusscript (libopus compiled to
 * WASM): nothing to compile or download at install, so installs never break. When the user has
 * installed the native binding @discordjs/opus themselves, it is picked up at run time (it is
 * an optional peer, never a dependency); `backend: 'wasm'` forces the WASM build.
 * See the README for the measurements behind this choice.
 *
 * Both run at 48 kHz with 20 ms frames (960 samples per channel), interleaved s16 PCM.
 */
export const OPUS_SAMPLE_RATE = 48_000;
export const OPUS_FRAME_SAMPLES = 960;

export interface OpusFrameEncoder {
  /** One 20 ms frame of interleaved s16 PCM (960 × channels samples) in, one Opus packet out. */
  encode(pcm: Int16Array): Uint8Array;
  destroy(): void;
}

export interface OpusFrameDecoder {
  /**
   * One Opus packet in, interleaved s16 PCM out; an empty packet asks for loss concealment
   * (libopus PLC), which may return more than 20 ms: callers trim.
   */
  decode(packet: Uint8Array): Int16Array;
  destroy(): void;
}

export interface OpusCodecBackend {
  readonly name: 'opusscript' | '@discordjs/opus';
  createEncoder(options: {
    channels: number;
    bitrate: number;
    application: 'audio' | 'voip';
  }): OpusFrameEncoder;
  createDecoder(options: { channels: number }): OpusFrameDecoder;
}

export type OpusBackendChoice = 'auto' | 'wasm' | 'native';

// libopus CTL request numbers (opus_defines.h).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;

function bytesOf(pcm: Int16Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

function samplesOf(bytes: Uint8Array): Int16Array {
  // Copy into an aligned buffer: the codec's output buffer is reused on the next call.
  const out = new Int16Array(bytes.length >> 1);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}

const wasmBackend: OpusCodecBackend = {
  name: 'opusscript',
  createEncoder({ channels, bitrate, application }) {
    const codec = new OpusScript(
      OPUS_SAMPLE_RATE,
      channels,
      application === 'voip' ? OpusScript.Application.VOIP : OpusScript.Application.AUDIO,
    );
    codec.encoderCTL(OPUS_SET_BITRATE, bitrate);
    // In-band FEC lets a receiver rebuild a lost frame from the next one (Discord clients use it).
    codec.encoderCTL(OPUS_SET_INBAND_FEC, 1);
    codec.encoderCTL(OPUS_SET_PACKET_LOSS_PERC, 5);
    return {
      encode: (pcm) => new Uint8Array(codec.encode(bytesOf(pcm), OPUS_FRAME_SAMPLES)),
      destroy: () => codec.delete(),
    };
  },
  createDecoder({ channels }) {
    const codec = new OpusScript(OPUS_SAMPLE_RATE, channels, OpusScript.Application.AUDIO);
    return {
      decode: (packet) =>
        samplesOf(codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.length))),
      destroy: () => codec.delete(),
    };
  },
};

/** The slice of @discordjs/opus we use (it is not a dependency, so no types are imported). */
interface NativeOpusModule {
  OpusEncoder: new (
    rate: number,
    channels: number,
  ) => {
    encode(pcm: Buffer): Buffer;
    decode(packet: Buffer): Buffer;
    setBitrate(bitrate: number): void;
    applyEncoderCTL?(ctl: number, value: number): void;
  };
}

let native: NativeOpusModule | null | undefined;

/** Try @discordjs/opus once; null when the user did not install it (or it failed to load). */
function loadNative(): NativeOpusModule | null {
  if (native !== undefined) return native;
  try {
    native = createRequire(import.meta.url)('@discordjs/opus') as NativeOpusModule;
  } catch {
    native = null;
  }
  return native;
}

function nativeBackend(mod: NativeOpusModule): OpusCodecBackend {
  return {
    name: '@discordjs/opus',
    createEncoder({ channels, bitrate }) {
      const codec = new mod.OpusEncoder(OPUS_SAMPLE_RATE, channels);
      codec.setBitrate(bitrate);
      codec.applyEncoderCTL?.(OPUS_SET_INBAND_FEC, 1);
      codec.applyEncoderCTL?.(OPUS_SET_PACKET_LOSS_PERC, 5);
      return { encode: (pcm) => new Uint8Array(codec.encode(bytesOf(pcm))), destroy: () => {} };
    },
    createDecoder({ channels }) {
      const codec = new mod.OpusEncoder(OPUS_SAMPLE_RATE, channels);
      return {
        decode: (packet) =>
          samplesOf(codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.length))),
        destroy: () => {},
      };
    },
  };
}

/** Pick the codec: 'auto' prefers an installed @discordjs/opus, else WASM. */
export function opusBackend(choice: OpusBackendChoice = 'auto'): OpusCodecBackend {
  if (choice === 'wasm') return wasmBackend;
  const mod = loadNative();
  if (mod) return nativeBackend(mod);
  if (choice === 'native') {
    throw new OpusCodecError(
      'OPUS_CODEC_UNAVAILABLE',
      'native Opus requested but @discordjs/opus is not installed (npm install @discordjs/opus), or use the WASM default',
    );
  }
  return wasmBackend;
}
