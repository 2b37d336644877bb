/**
 * zstd-stream transport compression: one zstd stream per connection, each WebSocket message
 * a flushed run of complete blocks (research/anchors.md 3.8). node:zlib has zstd only from
 * Node 22.15; on Node 20 we use `fzstd`, a maintained pure-JS streaming decoder that is
 * synchronous (measurements in the README). The cap is enforced while output is produced, so a
 * bomb is stopped after at most one zstd block (128 KiB) past the cap. The decoder allocates the
 * window a frame header declares, so headers are checked first (zstdFrameHeader.ts).
 */
import { Decompress } from 'fzstd';
import { GatewayInboundError } from './errors.js';
import { ZstdLimitError, ZstdStreamScanner } from './zstdFrameHeader.js';

/**
 * Largest window a server may declare. RFC 8878 3.1.1.1.2 recommends decoders support 8 MiB
 * (what zstd's highest standard levels use); Discord's stream needs far less.
 */
export const ZSTD_DEFAULT_MAX_WINDOW_BYTES = 8 * 1024 * 1024;

class CapExceeded {}

export class ZstdStreamDecompressor {
  private readonly decoder: Decompress;
  private chunks: Uint8Array[] = [];
  private size = 0;
  private readonly scanner: ZstdStreamScanner;

  /**
   * @param maxMessageBytes cap on one decompressed message, and on a declared frame content size
   * @param maxWindowBytes cap on the window a frame header may declare
   */
  constructor(
    private readonly maxMessageBytes: number,
    maxWindowBytes = ZSTD_DEFAULT_MAX_WINDOW_BYTES,
  ) {
    this.scanner = new ZstdStreamScanner({ maxWindowBytes, maxContentBytes: maxMessageBytes });
    this.decoder = new Decompress((chunk) => {
      this.size += chunk.length;
      if (this.size > this.maxMessageBytes) throw new CapExceeded();
      this.chunks.push(chunk);
    });
  }

  /** Decompresses one WebSocket message. Throws GatewayInboundError; then the stream is unusable. */
  push(frame: Uint8Array): Uint8Array {
    this.chunks = [];
    this.size = 0;
    try {
      this.scanner.scan(frame);
    } catch (e) {
      throw new GatewayInboundError(
        e instanceof ZstdLimitError ? 'GATEWAY_FRAME_TOO_LARGE' : 'GATEWAY_DECOMPRESS_FAILED',
        `zstd-stream: ${(e as Error).message}`,
      );
    }
    if (this.scanner.insideFrameHeader) {
      throw new GatewayInboundError(
        'GATEWAY_DECOMPRESS_FAILED',
        'zstd-stream message ends inside a frame header',
      );
    }
    try {
      this.decoder.push(frame);
      if (this.size === 0) {
        // fzstd waits for 18 bytes before it parses a frame header, so a whole frame smaller
        // than that (a server that starts a frame per message) sits unread. A message is
        // always complete, so finish what is buffered; a real cut then fails as truncated.
        this.decoder.push(new Uint8Array(0), true);
      }
    } catch (e) {
      this.chunks = [];
      if (e instanceof CapExceeded) {
        throw new GatewayInboundError(
          'GATEWAY_FRAME_TOO_LARGE',
          `zstd-stream message decompresses beyond ${this.maxMessageBytes} bytes`,
        );
      }
      throw new GatewayInboundError(
        'GATEWAY_DECOMPRESS_FAILED',
        `zstd-stream decode failed: ${(e as Error).message}`,
      );
    }
    const { chunks } = this;
    this.chunks = [];
    if (this.size === 0) {
      // Every zstd-stream message carries a whole payload; none means a cut or foreign frame.
      throw new GatewayInboundError('GATEWAY_DECOMPRESS_FAILED', 'zstd-stream message produced no output');
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
