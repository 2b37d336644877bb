/**
 * Op 8 Request Guild Members answers with GUILD_MEMBERS_CHUNK dispatches carrying the nonce we
 * sent, `chunk_index` and `chunk_count` (docs "Request Guild Members", "Guild Members Chunk").
 * This collects them per nonce and hands them out as an async iterable that ends after the
 * last chunk, or fails with a typed error when no chunk arrives within the timeout.
 *
 * The values that decide when a request ends (chunk_index, chunk_count) are checked as each chunk
 * arrives: a bad one ends the request at once with GatewayInboundError instead of leaving it to
 * the timeout, and chunks the consumer has not read yet are capped.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError, GatewayInboundError } from './errors.js';
import type { GuildMembersChunk } from './payloads.js';
import { isIntegerIn } from './peerValues.js';

/** Chunks of one request waiting for the consumer; a server flooding our nonce stops here. */
const MAX_WAITING_CHUNKS = 1000;
/** Largest chunk_count accepted (1000 members a chunk: a billion members). */
const MAX_CHUNK_COUNT = 1_000_000;

export class RequestGuildMembersTimeoutError extends GatewayError {
  override readonly name = 'RequestGuildMembersTimeoutError';
  constructor(
    readonly guildId: string,
    readonly received: number,
    readonly timeoutMs: number,
  ) {
    super(
      'GATEWAY_REQUEST_MEMBERS_TIMEOUT',
      `no GUILD_MEMBERS_CHUNK for guild ${guildId} within ${timeoutMs} ms (${received} chunks received)`,
    );
  }
}

interface Pending {
  readonly chunks: GuildMembersChunk[];
  /** Set once a chunk was unusable: the request ends with it after the chunks before it. */
  error?: GatewayInboundError;
  wake?: () => void;
}

export class MemberChunkCollector {
  private readonly pending = new Map<string, Pending>();

  /** Offers a dispatch; returns true when it belonged to a pending request. */
  offer(t: string, d: unknown): boolean {
    if (t !== 'GUILD_MEMBERS_CHUNK') return false;
    const nonce = (d as { nonce?: unknown } | null)?.nonce;
    if (typeof nonce !== 'string') return false;
    const p = this.pending.get(nonce);
    if (!p || p.error) return false;
    const c = d as { chunk_index?: unknown; chunk_count?: unknown };
    const count = c.chunk_count;
    if (!isIntegerIn(count, 1, MAX_CHUNK_COUNT) || !isIntegerIn(c.chunk_index, 0, count - 1)) {
      p.error = new GatewayInboundError(
        'GATEWAY_DECODE_FAILED',
        `GUILD_MEMBERS_CHUNK needs integers 0 <= chunk_index < chunk_count <= ${MAX_CHUNK_COUNT}`,
      );
    } else if (p.chunks.length >= MAX_WAITING_CHUNKS) {
      p.error = new GatewayInboundError(
        'GATEWAY_DECODE_FAILED',
        `more than ${MAX_WAITING_CHUNKS} GUILD_MEMBERS_CHUNK waiting for one request`,
      );
    } else {
      p.chunks.push(d as GuildMembersChunk);
    }
    p.wake?.();
    return true;
  }

  /** Nonces are at most 32 bytes (docs); 16 hex characters are unique enough per shard. */
  static nonce(): string {
    return randomBytes(8).toString('hex');
  }

  /**
   * Registers `nonce`, calls `send` once the consumer starts iterating, then yields chunks.
   * The timeout restarts after each chunk.
   */
  async *collect(
    nonce: string,
    guildId: string,
    send: () => void,
    timeoutMs: number,
  ): AsyncGenerator<GuildMembersChunk, void, undefined> {
    const p: Pending = { chunks: [] };
    this.pending.set(nonce, p);
    let received = 0;
    try {
      send();
      for (;;) {
        if (p.chunks.length === 0 && p.error) throw p.error;
        if (p.chunks.length === 0) {
          const arrived = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), timeoutMs);
            p.wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          p.wake = undefined;
          if (!arrived) throw new RequestGuildMembersTimeoutError(guildId, received, timeoutMs);
          if (p.chunks.length === 0 && p.error) throw p.error;
        }
        const chunk = p.chunks.shift()!;
        received++;
        yield chunk;
        if (received >= chunk.chunk_count || chunk.chunk_index >= chunk.chunk_count - 1) return;
      }
    } finally {
      this.pending.delete(nonce);
    }
  }
}
