import { describe, expect, it } from 'vitest';
import { GatewayInboundError, MemberChunkCollector } from '../src/index.js';

// GUILD_MEMBERS_CHUNK values the collector acts on (chunk_index, chunk_count: when to stop) are
// checked when the chunk arrives; a bad one ends the request with a typed error at once instead
// of a wait for the timeout, and a flood of chunks under our nonce cannot pile up unbounded.

async function collectWith(chunks: unknown[]): Promise<{ got: unknown[]; error: unknown }> {
  const collector = new MemberChunkCollector();
  const got: unknown[] = [];
  let error: unknown;
  const iter = collector.collect(
    'n1',
    'g',
    () => {
      for (const c of chunks)
        collector.offer('GUILD_MEMBERS_CHUNK', { guild_id: 'g', members: [], nonce: 'n1', ...(c as object) });
    },
    60_000,
  );
  try {
    for await (const chunk of iter) got.push(chunk);
  } catch (e) {
    error = e;
  }
  return { got, error };
}

describe('GUILD_MEMBERS_CHUNK values', () => {
  it.each([
    ['chunk_count "abc"', { chunk_index: 0, chunk_count: 'abc' }],
    ['chunk_count 0', { chunk_index: 0, chunk_count: 0 }],
    ['chunk_index beyond chunk_count', { chunk_index: 5, chunk_count: 2 }],
    ['a fractional chunk_index', { chunk_index: 0.5, chunk_count: 2 }],
    ['chunk_count above 2^53', { chunk_index: 0, chunk_count: 2 ** 60 }],
  ])('%s ends the request with a typed error at once', async (_name, chunk) => {
    const { error } = await collectWith([chunk]);
    expect(error).toBeInstanceOf(GatewayInboundError);
    expect((error as GatewayInboundError).code).toBe('GATEWAY_DECODE_FAILED');
  });

  it('well-formed chunks are delivered and the request ends after the last', async () => {
    const { got, error } = await collectWith([
      { chunk_index: 0, chunk_count: 2 },
      { chunk_index: 1, chunk_count: 2 },
    ]);
    expect(error).toBeUndefined();
    expect(got).toHaveLength(2);
  });

  it('a flood of chunks under one nonce is bounded', async () => {
    const flood = Array.from({ length: 50_000 }, () => ({ chunk_index: 0, chunk_count: 60_000 }));
    const collector = new MemberChunkCollector();
    const iter = collector.collect(
      'n1',
      'g',
      () => {
        let accepted = 0;
        for (const c of flood) if (collector.offer('GUILD_MEMBERS_CHUNK', { nonce: 'n1', ...c })) accepted++;
        expect(accepted).toBeLessThanOrEqual(1001);
      },
      60_000,
    );
    let error: unknown;
    try {
      for await (const _ of iter) {
        // consume
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayInboundError);
  });
});
