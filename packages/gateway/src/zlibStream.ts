/**
 * zlib-stream transport compression, decoded synchronously.
 *
 * Discord keeps one deflate context per connection and ends every message with a
 * Z_SYNC_FLUSH, so each message ends in 00 00 ff ff (docs, "Transport Compression";
 * research/anchors.md 3.8). Inflating needs the connection's state, but node:zlib's only
 * stateful inflater is the async stream, and an await per message costs 3-14x
 * (research/anchors.md 5; our measurement is in the README).
 *
 * What the state really is: deflate blocks carry their own Huffman tables, and after a sync
 * flush the stream is byte aligned at a block boundary. The only state one message inherits
 * from earlier ones is the 32 KiB window its back-references may reach (RFC 1951 3.2). So
 * each message inflates on its own with `inflateRawSync`, given the last 32 KiB of output
 * as a preset dictionary. That is synchronous, uses native zlib, relies on no Node internals,
 * and `maxOutputLength` bounds memory per message.
 */
import { constants, inflateRawSync } from 'node:zlib';
import { GatewayInboundError } from './errors.js';

const WINDOW = 32 * 1024;

function isSyncFlushEnd(b: Uint8Array): boolean {
  const n = b.length;
  return n >= 4 && b[n - 4] === 0x00 && b[n - 3] === 0x00 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}

export class ZlibStreamInflater {
  private window: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headerSeen = false;

  /** @param maxMessageBytes cap on one message, compressed or inflated */
  constructor(private readonly maxMessageBytes: number) {}

  /**
   * Feeds one WebSocket message. Returns the inflated bytes of a complete gateway message,
   * `undefined` when the message continues in the next frame, or throws GatewayInboundError.
   * After an error the inflater is unusable: the connection must be replaced.
   */
  push(frame: Uint8Array): Buffer | undefined {
    this.pendingBytes += frame.length;
    if (this.pendingBytes > this.maxMessageBytes) {
      throw new GatewayInboundError(
        'GATEWAY_FRAME_TOO_LARGE',
        `zlib-stream message exceeds ${this.maxMessageBytes} bytes before its sync-flush marker`,
      );
    }
    this.pending.push(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    if (!isSyncFlushEnd(frame)) return undefined;
    let input = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
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
    let out: Buffer;
    try {
      out = inflateRawSync(input, {
        dictionary: this.window.length > 0 ? this.window : undefined,
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: this.maxMessageBytes,
      });
    } catch (e) {
      const tooLarge = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw new GatewayInboundError(
        tooLarge ? 'GATEWAY_FRAME_TOO_LARGE' : 'GATEWAY_DECOMPRESS_FAILED',
        tooLarge
          ? `zlib-stream message inflates beyond ${this.maxMessageBytes} bytes`
          : `zlib-stream inflate failed: ${(e as Error).message}`,
      );
    }
    if (out.length >= WINDOW) {
      this.window = Buffer.from(out.subarray(out.length - WINDOW));
    } else if (this.window.length + out.length <= WINDOW) {
      this.window = Buffer.concat([this.window, out]);
    } else {
      const keep = WINDOW - out.length;
      const next = Buffer.allocUnsafe(WINDOW);
      this.window.copy(next, 0, this.window.length - keep);
      out.copy(next, keep);
      this.window = next;
    }
    return out;
  }
}
