import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpusCodecError } from './errors.js';

/**
 * Our binding to libopus compiled to WebAssembly. The compiled module comes from the npm package
 * @evan/opus (MIT; libopus under its BSD licence): we load only its `.wasm` file and call
 * libopus's public C API (opus_encoder_init, opus_encode, opus_decode, …, opus.h) ourselves,
 * never its JavaScript or the native binaries it also ships. One module instance serves every
 * encoder and decoder: each gets its own state and buffers from the module's malloc, and views
 * of the heap are re-taken after the memory grows.
 */
/** The slice of the WebAssembly JS API we use (Node has it; the project's TS lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface LibOpusExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  _initialize?(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  opus_strerror(code: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(state: number, rate: number, channels: number, application: number): number;
  opus_encode(state: number, pcm: number, frameSize: number, out: number, maxBytes: number): number;
  opus_encoder_ctl_set(state: number, request: number, value: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(state: number, rate: number, channels: number): number;
  opus_decode(
    state: number,
    data: number,
    length: number,
    pcm: number,
    frameSize: number,
    fec: number,
  ): number;
}

/** The largest Opus packet we accept (RFC 6716 §3.4: 120 ms at most; generous for code 3 packets). */
const MAX_PACKET_BYTES = 8192;
/** 120 ms at 48 kHz, the longest a packet decodes to (RFC 6716 §3.2.5). */
const MAX_FRAME_SAMPLES = 5760;

let lib: LibOpusExports | undefined;
let heapView: Uint8Array | undefined;

function load(): LibOpusExports {
  if (lib) return lib;
  let path: string;
  try {
    const root = dirname(createRequire(import.meta.url).resolve('@evan/opus/package.json'));
    // The SIMD build when this engine validates a SIMD instruction (v128.const), else the plain one.
    const simd = wasmApi.validate(
      Uint8Array.of(
        0,
        97,
        115,
        109,
        1,
        0,
        0,
        0,
        1,
        4,
        1,
        96,
        0,
        0,
        3,
        2,
        1,
        0,
        10,
        9,
        1,
        7,
        0,
        65,
        0,
        253,
        15,
        26,
        11,
      ),
    );
    path = join(root, 'wasm', simd ? 'simd.wasm' : 'opus.wasm');
  } catch (error) {
    throw new OpusCodecError('OPUS_CODEC_UNAVAILABLE', 'the WASM Opus build (@evan/opus) is not installed', {
      cause: error,
    });
  }
  const module = new wasmApi.Module(readFileSync(path));
  const instance = new wasmApi.Instance(module, {
    // The module was built for WASI but never does I/O on these paths.
    wasi_snapshot_preview1: { fd_seek: () => 0, fd_write: () => 0, fd_close: () => 0, proc_exit: () => {} },
    env: { emscripten_notify_memory_growth: () => (heapView = undefined) },
  });
  lib = instance.exports as unknown as LibOpusExports;
  lib._initialize?.();
  return lib;
}

function heap(): Uint8Array {
  const memory = load().memory;
  if (!heapView || heapView.buffer !== memory.buffer) heapView = new Uint8Array(memory.buffer);
  return heapView;
}

function check(code: number, what: string, errorCode: 'OPUS_ENCODE_FAILED' | 'OPUS_DECODE_FAILED'): number {
  if (code >= 0) return code;
  const text = load().opus_strerror(code);
  let message = '';
  const bytes = heap();
  for (let i = text; i < bytes.length && bytes[i] !== 0 && message.length < 100; i++) {
    message += String.fromCharCode(bytes[i]!);
  }
  throw new OpusCodecError(errorCode, `${what}: ${message || code}`);
}

function allocate(size: number): number {
  const ptr = load().malloc(size);
  if (ptr === 0) throw new OpusCodecError('OPUS_CODEC_UNAVAILABLE', 'the WASM Opus heap is exhausted');
  return ptr;
}

export class WasmOpusEncoder {
  readonly #channels: number;
  #state: number;
  #pcm: number;
  #out: number;

  constructor(channels: number, application: number) {
    const opus = load();
    this.#channels = channels;
    this.#state = allocate(opus.opus_encoder_get_size(channels));
    this.#pcm = allocate(MAX_FRAME_SAMPLES * channels * 2);
    this.#out = allocate(MAX_PACKET_BYTES);
    check(
      opus.opus_encoder_init(this.#state, 48_000, channels, application),
      'opus_encoder_init',
      'OPUS_ENCODE_FAILED',
    );
  }

  ctl(request: number, value: number): void {
    check(
      load().opus_encoder_ctl_set(this.#state, request, value),
      `encoder ctl ${request}`,
      'OPUS_ENCODE_FAILED',
    );
  }

  /** Interleaved s16 PCM of one frame (samples per channel = pcm.length / channels). */
  encode(pcm: Int16Array): Uint8Array {
    const samples = pcm.length / this.#channels;
    heap().set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), this.#pcm);
    const length = check(
      load().opus_encode(this.#state, this.#pcm, samples, this.#out, MAX_PACKET_BYTES),
      'opus_encode',
      'OPUS_ENCODE_FAILED',
    );
    return heap().slice(this.#out, this.#out + length);
  }

  destroy(): void {
    if (this.#state === 0) return;
    const opus = load();
    opus.free(this.#state);
    opus.free(this.#pcm);
    opus.free(this.#out);
    this.#state = this.#pcm = this.#out = 0;
  }
}

export class WasmOpusDecoder {
  readonly #channels: number;
  #state: number;
  #in: number;
  #pcm: number;

  constructor(channels: number) {
    const opus = load();
    this.#channels = channels;
    this.#state = allocate(opus.opus_decoder_get_size(channels));
    this.#in = allocate(MAX_PACKET_BYTES);
    this.#pcm = allocate(MAX_FRAME_SAMPLES * channels * 2);
    check(opus.opus_decoder_init(this.#state, 48_000, channels), 'opus_decoder_init', 'OPUS_DECODE_FAILED');
  }

  /** Decode a packet; `fec`: decode the previous (lost) frame from this packet's in-band FEC data. */
  decode(packet: Uint8Array, fec = false, frameSamples = MAX_FRAME_SAMPLES): Int16Array {
    if (packet.length > MAX_PACKET_BYTES) {
      throw new OpusCodecError('OPUS_DECODE_FAILED', `Opus packet of ${packet.length} bytes is too large`);
    }
    heap().set(packet, this.#in);
    const samples = check(
      load().opus_decode(this.#state, this.#in, packet.length, this.#pcm, frameSamples, fec ? 1 : 0),
      'opus_decode',
      'OPUS_DECODE_FAILED',
    );
    return this.#read(samples);
  }

  /** Packet loss concealment for exactly `samples` per channel (opus_decode with no data). */
  conceal(samples: number): Int16Array {
    const n = check(
      load().opus_decode(this.#state, 0, 0, this.#pcm, samples, 0),
      'opus PLC',
      'OPUS_DECODE_FAILED',
    );
    return this.#read(n);
  }

  destroy(): void {
    if (this.#state === 0) return;
    const opus = load();
    opus.free(this.#state);
    opus.free(this.#in);
    opus.free(this.#pcm);
    this.#state = this.#in = this.#pcm = 0;
  }

  #read(samples: number): Int16Array {
    const bytes = heap().slice(this.#pcm, this.#pcm + samples * this.#channels * 2);
    return new Int16Array(bytes.buffer, 0, samples * this.#channels);
  }
}
