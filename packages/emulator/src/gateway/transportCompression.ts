/**
 * Outbound compression for one gateway connection (docs topics/gateway "Transport Compression",
 * "Payload Compression").
 * - zlib-stream: one deflate context for the whole connection; every message is flushed with
 *   Z_SYNC_FLUSH, so each WebSocket message ends with 00 00 ff ff and a client inflates the
 *   connection as one stream.
 * - zstd-stream, framing `single-frame` (as Discord): one zstd frame for the whole connection,
 *   each message a flushed run of whole blocks (zstdFrameWriter.ts), so a client's decoder sits in
 *   the middle of one long frame between messages.
 * - zstd-stream, framing `per-message`: every message is one complete, really compressed zstd
 *   frame (level 3). A concatenation of frames is a valid zstd stream (RFC 8878 section 3.1), so
 *   a streaming decoder reads it too, but a client that decodes each message on its own also
 *   passes, which it would not against Discord.
 * - payload (`compress: true` in IDENTIFY): every message is a complete zlib stream on its own.
 * Messages are compressed strictly in order because each connection's sends are serialized.
 */
import { createDeflate, constants as zc, deflateSync, type Deflate } from 'node:zlib';
import * as zstd from '@bokuweb/zstd-wasm';
import { ZstdFrameWriter } from './zstdFrameWriter.js';

export type CompressMode = 'none' | 'zlib-stream' | 'zstd-stream' | 'payload';

/** How zstd-stream output is cut into zstd frames; see the module comment. */
export type ZstdFraming = 'per-message' | 'single-frame';

export interface Compressor {
  readonly mode: CompressMode;
  compress(data: Uint8Array): Promise<Uint8Array>;
  /** single-frame zstd only: the next message closes the frame (Last_Block) and a new one follows. */
  endFrame?(): void;
  close(): void;
}

let zstdReady: Promise<void> | undefined;

/** Loads the zstd WebAssembly module once; startEmulator awaits it so no connection waits. */
export function initZstd(): Promise<void> {
  zstdReady ??= zstd.init();
  return zstdReady;
}

class ZlibStreamCompressor implements Compressor {
  readonly mode = 'zlib-stream' as const;
  private readonly deflate: Deflate = createDeflate();
  private chunks: Buffer[] = [];
  constructor() {
    this.deflate.on('data', (c: Buffer) => this.chunks.push(c));
    this.deflate.on('error', () => {});
  }
  compress(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.deflate.write(data);
      this.deflate.flush(zc.Z_SYNC_FLUSH, () => {
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }
  close(): void {
    this.deflate.destroy();
  }
}

class ZstdStreamCompressor implements Compressor {
  readonly mode = 'zstd-stream' as const;
  async compress(data: Uint8Array): Promise<Uint8Array> {
    await initZstd();
    return zstd.compress(data, 3);
  }
  close(): void {}
}

class ZstdSingleFrameCompressor implements Compressor {
  readonly mode = 'zstd-stream' as const;
  private readonly writer = new ZstdFrameWriter();
  async compress(data: Uint8Array): Promise<Uint8Array> {
    return this.writer.write(data);
  }
  endFrame(): void {
    this.writer.endAfterNextMessage();
  }
  close(): void {}
}

class PayloadCompressor implements Compressor {
  readonly mode = 'payload' as const;
  async compress(data: Uint8Array): Promise<Uint8Array> {
    return deflateSync(data);
  }
  close(): void {}
}

class NoCompressor implements Compressor {
  readonly mode = 'none' as const;
  async compress(data: Uint8Array): Promise<Uint8Array> {
    return data;
  }
  close(): void {}
}

export function createCompressor(mode: CompressMode, zstdFraming: ZstdFraming = 'per-message'): Compressor {
  switch (mode) {
    case 'zlib-stream':
      return new ZlibStreamCompressor();
    case 'zstd-stream':
      return zstdFraming === 'single-frame' ? new ZstdSingleFrameCompressor() : new ZstdStreamCompressor();
    case 'payload':
      return new PayloadCompressor();
    default:
      return new NoCompressor();
  }
}
