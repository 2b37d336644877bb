/**
 * zlib-stream transport compression, decoded synchronously.
 *
 * Discord keeps one deflate context per connection and ends every message with a
 * Z_SYNC_FLUSH, so each message ends in 00 00 ff ff (docs, "Transport Compression";
 * research/anchors.md 3.8). Inflating needs the connection's state, but node:zlib's only
 * stateful inflater is the async stream, whose await per message the research measured at
 * 7-14x the cost of a synchronous shared context (research/anchors.md 5).
 *
 * After a sync flush the stream sits on a block boundary, so the only state one message
 * inherits from the earlier ones is the 32 KiB window (RFC 1951 3.2). StreamInflater (inflate.ts)
 * keeps that window and decodes each message synchronously; the cap is checked while output is
 * produced, so a bomb stops at the cap. We measured it against the alternatives (README,
 * "Compression"): about 3x less CPU per message than either node:zlib's async stream or
 * `inflateRawSync` given the window as a preset dictionary.
 */
import { GatewayInboundError } from './errors.js';
import { InflateLimitError, StreamInflater } from './inflate.js';

function isSyncFlushEnd(b: Uint8Array): boolean {
  const n = b.length;
  return n >= 4 && b[n - 4] === 0x00 && b[n - 3] === 0x00 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}

export class ZlibStreamInflater {
  private readonly inflater = new StreamInflater();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private headerSeen = false;

  /** @param maxMessageBytes cap on one message, compressed or inflated */
  constructor(private readonly maxMessageBytes: number) {}

  /**
   * Feeds one WebSocket message. Returns the inflated bytes of a complete gateway message (a
   * view valid until the next push: decode it before feeding more), `undefined` when the
   * message continues in the next frame, or throws GatewayInboundError.
   * After an error the inflater is unusable: the connection must be replaced.
   */
  push(frame: Uint8Array): Uint8Array | undefined {
    this.pendingBytes += frame.length;
    if (this.pendingBytes > this.maxMessageBytes) {
      throw new GatewayInboundError(
        'GATEWAY_FRAME_TOO_LARGE',
        `zlib-stream message exceeds ${this.maxMessageBytes} bytes before its sync-flush marker`,
      );
    }
    let input: Uint8Array;
    if (this.pending.length === 0 && isSyncFlushEnd(frame)) {
      // The usual case, a whole message in one frame: no buffering at all.
      input = frame;
    } else {
      this.pending.push(frame);
      // The marker may straddle frames when a frame ends within its last 4 bytes.
      const ends =
        frame.length >= 4 || this.pending.length === 1
          ? isSyncFlushEnd(frame)
          : isSyncFlushEnd(Buffer.concat(this.pending.slice(-4)).subarray(-4));
      if (!ends) return undefined;
      input = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
    }
    this.pendingBytes = 0;
    if (!this.headerSeen) {
      // RFC 1950 2.2: CM = 8 (deflate), (CMF*256 + FLG) % 31 == 0, no preset dictionary.
      const cmf = input[0] ?? 0;
      const flg = input[1] ?? 0;
      if (input.length < 2 || (cmf & 0x0f) !== 8 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) {
        throw new GatewayInboundError(
          'GATEWAY_DECOMPRESS_FAILED',
          'zlib-stream does not start with a zlib header',
        );
      }
      input = input.subarray(2);
      this.headerSeen = true;
    }
    try {
      return this.inflater.inflate(input, this.maxMessageBytes);
    } catch (e) {
      if (e instanceof InflateLimitError) {
        throw new GatewayInboundError(
          'GATEWAY_FRAME_TOO_LARGE',
          `zlib-stream message inflates beyond ${this.maxMessageBytes} bytes`,
        );
      }
      throw new GatewayInboundError(
        'GATEWAY_DECOMPRESS_FAILED',
        `zlib-stream inflate failed: ${(e as Error).message}`,
      );
    }
  }
}
