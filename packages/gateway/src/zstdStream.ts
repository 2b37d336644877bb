/**
 * zstd-stream transport compression: one zstd stream per connection, each WebSocket message
 * a flushed run of complete blocks (research/anchors.md 3.8). node:zlib has zstd only from
 * Node 22.15; on Node 20 we use `fzstd`, a maintained pure-JS streaming decoder that is
 * synchronous (measurements in the README). The cap is enforced while output is produced, so a
 * bomb is stopped after at most one zstd block (128 KiB) past the cap.
 */
import { Decompress } from 'fzstd';
import { GatewayInboundError } from './errors.js';

class CapExceeded {}

export class ZstdStreamDecompressor {
  private readonly decoder: Decompress;
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly maxMessageBytes: number) {
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
