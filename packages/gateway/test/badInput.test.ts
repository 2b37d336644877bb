import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayInboundError, type ShardOptions } from '../src/index.js';
import { emulator, once, shardFor } from './helpers.js';
import { zstdRleBomb } from './zstdBomb.js';

// Hostile frames from the server: a typed error, a reconnect that resumes, and memory that
// stays bounded by the cap however far a frame would inflate.

const CAP = 1024 * 1024;
let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({ heartbeatIntervalMs: 30_000 });
});
afterAll(async () => {
  await emu.close();
});

// 512 MiB of zeros as a deflate continuation (no zlib header: it sits mid-stream): 32 sync-flushed
// runs of 16 MiB, each about 16 KiB on the wire, so the frame itself stays under the cap.
const zlibBomb = () => {
  const run = deflateRawSync(Buffer.alloc(16 * 1024 * 1024), {
    finishFlush: constants.Z_SYNC_FLUSH,
    level: 9,
  });
  return Buffer.concat(Array.from({ length: 32 }, () => run));
};

const cases: Array<{
  name: string;
  options: Partial<ShardOptions>;
  frame: () => string | Uint8Array;
  code: GatewayInboundError['code'] | Array<GatewayInboundError['code']>;
}> = [
  { name: 'garbage text on JSON', options: {}, frame: () => '{"op": nope', code: 'GATEWAY_DECODE_FAILED' },
  {
    name: 'a JSON value that is no payload',
    options: {},
    frame: () => '[1,2,3]',
    code: 'GATEWAY_DECODE_FAILED',
  },
  {
    name: 'garbage bytes on ETF',
    options: { encoding: 'etf' },
    frame: () => new Uint8Array([131, 116, 255, 255, 255, 255]),
    code: 'GATEWAY_DECODE_FAILED',
  },
  {
    name: 'truncated zlib on zlib-stream',
    options: { transportCompression: 'zlib-stream' },
    // A stored block header claiming 1000 bytes, cut short, then the sync-flush marker: a
    // message always ends on a block boundary, so the inflater knows this one was cut.
    frame: () => new Uint8Array([0x00, 0xe8, 0x03, 0x17, 0xfc, 0x41, 0x42, 0x00, 0x00, 0xff, 0xff]),
    code: 'GATEWAY_DECOMPRESS_FAILED',
  },
  {
    name: 'an invalid deflate block on zlib-stream',
    options: { transportCompression: 'zlib-stream' },
    // BTYPE 11 is reserved (RFC 1951 3.2.3): inflate must reject it.
    frame: () => new Uint8Array([0x07, 0x00, 0x00, 0xff, 0xff]),
    code: 'GATEWAY_DECOMPRESS_FAILED',
  },
  {
    name: 'a zlib-stream frame that inflates beyond the cap',
    options: { transportCompression: 'zlib-stream' },
    frame: zlibBomb,
    code: 'GATEWAY_FRAME_TOO_LARGE',
  },
  {
    name: 'a payload-compressed frame that inflates beyond the cap',
    options: { payloadCompression: true },
    frame: () => deflateSync(Buffer.alloc(256 * 1024 * 1024)),
    code: 'GATEWAY_FRAME_TOO_LARGE',
  },
  {
    name: 'a zstd-stream frame that decompresses beyond the cap (1 GiB of RLE blocks)',
    options: { transportCompression: 'zstd-stream' },
    frame: () => zstdRleBomb(8192),
    code: 'GATEWAY_FRAME_TOO_LARGE',
  },
  {
    name: 'a 14-byte zstd frame whose header declares a ~1.9 GiB window',
    options: { transportCompression: 'zstd-stream' },
    // Window_Descriptor exponent 20, mantissa 7 (RFC 8878 3.1.1.1.2), then one 16-byte RLE block.
    frame: () => new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, (20 << 3) | 7, 0x83, 0x00, 0x00, 0x61]),
    code: 'GATEWAY_FRAME_TOO_LARGE',
  },
  {
    name: 'garbage on zstd-stream',
    options: { transportCompression: 'zstd-stream' },
    frame: () => new Uint8Array([1, 2, 3, 4, 5]),
    code: 'GATEWAY_DECOMPRESS_FAILED',
  },
  {
    name: 'a cut zstd frame',
    options: { transportCompression: 'zstd-stream' },
    frame: () => zstdRleBomb(4).subarray(0, 9),
    code: 'GATEWAY_DECOMPRESS_FAILED',
  },
];

describe('bad input from the server', () => {
  it.each(cases)('$name', async ({ options, frame, code }) => {
    const shard = shardFor(emu, { ...options, maxFrameBytes: CAP });
    try {
      const ready = once(shard, 'ready');
      await shard.connect();
      const { sessionId } = await ready;
      const errored = once(shard, 'inboundError');
      const resumed = once(shard, 'resumed');
      const bytes = frame();
      const rssBefore = process.memoryUsage().rss;
      emu.control.sendRaw(bytes, sessionId);
      const { error } = await errored;
      expect(error).toBeInstanceOf(GatewayInboundError);
      expect(Array.isArray(code) ? code : [code]).toContain(error.code);
      // The connection is replaced and the session resumed: nothing lost.
      await resumed;
      expect(shard.session?.sessionId).toBe(sessionId);
      // Bounded: far below what the bombs would inflate to (256 MiB - 1 GiB).
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
    } finally {
      shard.destroy();
    }
  });
});
