import { createRequire } from 'node:module';
import { OpusCodecError } from './errors.js';
import { WasmOpusDecoder, WasmOpusEncoder } from './opusWasm.js';

/**
 * Where Opus encoding and decoding come from. The default is libopus compiled to WebAssembly
 * (the `.wasm` of @evan/opus, driven by our own binding in opusWasm.ts): nothing to compile or
 * download at install, so installs never break. When the user has
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
  /** One Opus packet in, interleaved s16 PCM out. */
  decode(packet: Uint8Array): Int16Array;
  /** Loss concealment (libopus PLC) for a lost slot of `samples` per channel; may be longer: callers trim. */
  conceal(samples: number): Int16Array;
  /** Rebuild the lost frame before `next` from its in-band FEC data, when the codec can. */
  decodeFec?(next: Uint8Array, samples: number): Int16Array;
  destroy(): void;
}

export interface OpusCodecBackend {
  readonly name: 'libopus-wasm' | '@discordjs/opus';
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
  const out = new Int16Array(bytes.length >> 1);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}

// libopus application values (opus_defines.h).
const OPUS_APPLICATION_VOIP = 2048;
const OPUS_APPLICATION_AUDIO = 2049;

const wasmBackend: OpusCodecBackend = {
  name: 'libopus-wasm',
  createEncoder({ channels, bitrate, application }) {
    const codec = new WasmOpusEncoder(
      channels,
      application === 'voip' ? OPUS_APPLICATION_VOIP : OPUS_APPLICATION_AUDIO,
    );
    codec.ctl(OPUS_SET_BITRATE, bitrate);
    // In-band FEC lets a receiver rebuild a lost frame from the next one (our receiver does).
    codec.ctl(OPUS_SET_INBAND_FEC, 1);
    codec.ctl(OPUS_SET_PACKET_LOSS_PERC, 5);
    return { encode: (pcm) => codec.encode(pcm), destroy: () => codec.destroy() };
  },
  createDecoder({ channels }) {
    const codec = new WasmOpusDecoder(channels);
    return {
      decode: (packet) => codec.decode(packet),
      conceal: (samples) => codec.conceal(samples),
      decodeFec: (next, samples) => codec.decode(next, true, samples),
      destroy: () => codec.destroy(),
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
      const decode = (packet: Uint8Array) =>
        samplesOf(codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.length)));
      return {
        decode,
        // @discordjs/opus has no PLC call of its own; an empty packet asks libopus for concealment.
        conceal: () => decode(new Uint8Array(0)),
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
