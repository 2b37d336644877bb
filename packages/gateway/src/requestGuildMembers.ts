/**
 * Op 8 Request Guild Members answers with GUILD_MEMBERS_CHUNK dispatches carrying the nonce we
 * sent, `chunk_index` and `chunk_count` (docs "Request Guild Members", "Guild Members Chunk").
 * This collects them per nonce and hands them out as an async iterable that ends after the
 * last chunk, or fails with a typed error when no chunk arrives within the timeout.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from './errors.js';
import type { GuildMembersChunk } from './payloads.js';

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
    if (!p) return false;
    p.chunks.push(d as GuildMembersChunk);
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
