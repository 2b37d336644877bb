/**
 * Turns WebSocket messages into gateway payloads: transport decompression (zlib-stream,
 * zstd-stream), payload compression (`compress: true` in IDENTIFY: each binary message is a
 * whole zlib stream), then the encoding (JSON or ETF). One instance per connection: the
 * transport contexts are per connection. Pure: no I/O, no timers.
 */
import { inflateSync } from 'node:zlib';
import { decodeEtf } from '@cordwire/opcodes';
import { GatewayInboundError } from './errors.js';
import type { GatewayPayload } from './payloads.js';
import { ZlibStreamInflater } from './zlibStream.js';
import { ZstdStreamDecompressor } from './zstdStream.js';

export type GatewayEncoding = 'json' | 'etf';
export type TransportCompression = 'none' | 'zlib-stream' | 'zstd-stream';

export interface InboundOptions {
  readonly encoding: GatewayEncoding;
  readonly transportCompression: TransportCompression;
  /** Cap on one decompressed message (and on the compressed bytes buffered for one). */
  readonly maxFrameBytes: number;
  /** zstd-stream: largest window a frame header may declare. Default 8 MiB. */
  readonly maxZstdWindowBytes?: number;
}

const utf8 = new TextDecoder('utf-8');

export class InboundDecoder {
  private readonly zlib?: ZlibStreamInflater;
  private readonly zstd?: ZstdStreamDecompressor;

  constructor(private readonly options: InboundOptions) {
    if (options.transportCompression === 'zlib-stream')
      this.zlib = new ZlibStreamInflater(options.maxFrameBytes);
    if (options.transportCompression === 'zstd-stream')
      this.zstd = new ZstdStreamDecompressor(options.maxFrameBytes, options.maxZstdWindowBytes);
  }

  /**
   * One WebSocket message in; a payload, or `undefined` when the message continues in the
   * next frame (zlib-stream only). Throws GatewayInboundError for anything malformed.
   */
  decode(data: Uint8Array | string): GatewayPayload | undefined {
    let bytes: Uint8Array | string;
    if (typeof data === 'string') {
      if (this.options.transportCompression !== 'none') {
        throw new GatewayInboundError('GATEWAY_DECOMPRESS_FAILED', 'text frame on a compressed transport');
      }
      if (data.length > this.options.maxFrameBytes) {
        throw new GatewayInboundError(
          'GATEWAY_FRAME_TOO_LARGE',
          `frame exceeds ${this.options.maxFrameBytes} bytes`,
        );
      }
      bytes = data;
    } else if (this.zlib) {
      const out = this.zlib.push(data);
      if (out === undefined) return undefined;
      bytes = out;
    } else if (this.zstd) {
      bytes = this.zstd.push(data);
    } else if (this.options.encoding === 'json' || (data[0] === 0x78 && data.length > 1)) {
      // Binary without transport compression: payload compression, a whole zlib stream.
      // (ETF always starts with 131, never with a zlib header byte 0x78.)
      bytes = this.inflatePayload(data);
    } else {
      if (data.length > this.options.maxFrameBytes) {
        throw new GatewayInboundError(
          'GATEWAY_FRAME_TOO_LARGE',
          `frame exceeds ${this.options.maxFrameBytes} bytes`,
        );
      }
      bytes = data;
    }
    return this.parse(bytes);
  }

  private inflatePayload(data: Uint8Array): Uint8Array {
    try {
      return inflateSync(data, { maxOutputLength: this.options.maxFrameBytes });
    } catch (e) {
      const tooLarge = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw new GatewayInboundError(
        tooLarge ? 'GATEWAY_FRAME_TOO_LARGE' : 'GATEWAY_DECOMPRESS_FAILED',
        tooLarge
          ? `payload inflates beyond ${this.options.maxFrameBytes} bytes`
          : 'payload is not a zlib stream',
      );
    }
  }

  private parse(bytes: Uint8Array | string): GatewayPayload {
    let value: unknown;
    if (this.options.encoding === 'etf') {
      if (typeof bytes === 'string')
        throw new GatewayInboundError('GATEWAY_DECODE_FAILED', 'text frame with encoding=etf');
      const r = decodeEtf(bytes);
      if (!r.ok) throw new GatewayInboundError('GATEWAY_DECODE_FAILED', `ETF: ${r.error.message}`);
      value = r.value;
    } else {
      try {
        value = JSON.parse(typeof bytes === 'string' ? bytes : utf8.decode(bytes));
      } catch {
        throw new GatewayInboundError('GATEWAY_DECODE_FAILED', 'frame is not valid JSON');
      }
    }
    if (typeof value !== 'object' || value === null || typeof (value as { op?: unknown }).op !== 'number') {
      throw new GatewayInboundError(
        'GATEWAY_DECODE_FAILED',
        'frame is not a gateway payload (no numeric op)',
      );
    }
    return value as GatewayPayload;
  }
}
