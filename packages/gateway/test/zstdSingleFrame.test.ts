import type { Emulator } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GatewayInboundError, type ShardOptions } from '../src/index.js';
import { emulator, once, shardFor, waitFor } from './helpers.js';

// zstd-stream as Discord sends it: one zstd frame for the whole connection, flushed at every
// message, so the client's decoder is fed the middle of one long frame (the emulator's
// zstdFraming: 'single-frame'). The client must read it exactly as it reads plain JSON, and a
// cut or corrupted stream must give a typed error and a resume, never a hang.

const COUNT = 10_000;

function events(count: number): Array<{ t: string; d: Record<string, unknown> }> {
  const words = ['zstd', 'héllo', '日本語', 'emoji 🎉', 'frame', 'block', ''];
  return Array.from({ length: count }, (_, n) => ({
    t: n % 3 === 0 ? 'MESSAGE_UPDATE' : 'MESSAGE_CREATE',
    d: {
      n,
      id: (1_300_000_000_000_000_000n + BigInt(n) * 4_194_304n).toString(),
      channel_id: '1100000000000000001',
      text: words.slice(0, 1 + (n % words.length)).join(' '),
      // Now and then a payload over 128 KiB (several blocks) or one long run (an RLE block).
      blob: n % 2500 === 7 ? 'abcdefgh'.repeat(24_000) : n % 2500 === 8 ? 'z'.repeat(200_000) : null,
      score: n % 7 === 0 ? n / 7 - 0.5 : -n,
      flags: n % 11 === 0 ? 2 ** 40 + n : 0,
    },
  }));
}

let emu: Emulator;
beforeAll(async () => {
  emu = await emulator({ heartbeatIntervalMs: 30_000, zstdFraming: 'single-frame' });
});
afterAll(async () => {
  await emu.close();
});

async function receive(options: Partial<ShardOptions>, stream: Array<{ t: string; d: unknown }>) {
  const shard = shardFor(emu, options);
  try {
    const got: Array<{ t: string; d: unknown }> = [];
    shard.on('dispatch', (e) => {
      if (e.t === 'MESSAGE_CREATE' || e.t === 'MESSAGE_UPDATE') got.push({ t: e.t, d: e.d });
    });
    let reconnects = 0;
    shard.on('reconnecting', () => reconnects++);
    const ready = once(shard, 'ready');
    await shard.connect();
    const { sessionId } = await ready;
    const half = stream.length / 2;
    for (const e of stream.slice(0, half)) emu.control.dispatch(e.t, e.d, { sessionId });
    // Midway the emulator ends its frame inside one message and opens a new one with the next:
    // a concatenation of frames is still one zstd stream (RFC 8878 3.1).
    const ended = emu.control.endZstdFrame(sessionId);
    for (const e of stream.slice(half)) emu.control.dispatch(e.t, e.d, { sessionId });
    await waitFor(() => got.length >= stream.length, 60_000, 'all events');
    return { got, reconnects, gaps: shard.stats.gaps, ended };
  } finally {
    shard.destroy();
  }
}

/** The first two messages a plain socket gets (HELLO, then READY after an IDENTIFY), raw. */
async function firstTwoMessages(): Promise<Buffer[]> {
  const ws = new WebSocket(`${emu.gatewayUrl}/?v=10&encoding=json&compress=zstd-stream`);
  const got: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data: Buffer) => {
        got.push(data);
        if (got.length === 1) {
          ws.send(JSON.stringify({ op: 2, d: { token: emu.token, intents: 1, properties: {} } }));
        }
        if (got.length === 2) resolve();
      });
    });
  } finally {
    ws.terminate();
  }
  return got;
}

describe('zstd-stream as one frame per connection', () => {
  it('really is one frame: only the first message carries the zstd magic', async () => {
    const [hello, ready] = await firstTwoMessages();
    const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
    expect(hello!.subarray(0, 4)).toEqual(magic);
    // Frame_Header_Descriptor 0: no content size, so the frame can run for the whole connection.
    expect(hello![4]).toBe(0);
    expect(ready!.subarray(0, 4)).not.toEqual(magic);
  });

  it('delivers 10,000 events identically to plain JSON, across a frame boundary', async () => {
    const stream = events(COUNT);
    const json = await receive({ encoding: 'json', transportCompression: 'none' }, stream);
    const zstd = await receive({ encoding: 'json', transportCompression: 'zstd-stream' }, stream);
    expect(json.got).toEqual(stream);
    expect(zstd.got).toHaveLength(COUNT);
    expect(zstd.got).toEqual(json.got);
    expect(zstd.ended).toBe(1);
    expect(json.ended).toBe(0);
    expect([zstd.gaps, zstd.reconnects]).toEqual([0, 0]);
  });

  const cut: Array<{ name: string; bytes: number[]; code: GatewayInboundError['code'] }> = [
    {
      // A Raw_Block header claiming 1000 bytes (1000 << 3 = 0x1f40), then 3: a message always
      // ends on a block end, so the client knows this one was cut.
      name: 'a block cut short',
      bytes: [0x40, 0x1f, 0x00, 0x61, 0x62, 0x63],
      code: 'GATEWAY_DECOMPRESS_FAILED',
    },
    {
      // Block_Type 3 is reserved (RFC 8878 3.1.1.2.2): header bits 1-2 = 11.
      name: 'a reserved block type',
      bytes: [0x06, 0x00, 0x00, 0x41],
      code: 'GATEWAY_DECOMPRESS_FAILED',
    },
    {
      // A well-formed Raw_Block whose content is half a payload: valid zstd, invalid JSON.
      name: 'a whole block holding half a payload',
      bytes: [15 << 3, 0x00, 0x00, ...Buffer.from('{"op":0,"t":"M"')],
      code: 'GATEWAY_DECODE_FAILED',
    },
  ];

  it.each(cut)('$name mid-frame: a typed error, then a resume on a fresh frame', async ({ bytes, code }) => {
    const shard = shardFor(emu, { transportCompression: 'zstd-stream', maxFrameBytes: 1024 * 1024 });
    try {
      const got: number[] = [];
      shard.on('dispatch', (e) => {
        if (e.t === 'MESSAGE_CREATE') got.push((e.d as { n: number }).n);
      });
      const ready = once(shard, 'ready');
      await shard.connect();
      const { sessionId } = await ready;
      const errored = once(shard, 'inboundError');
      const resumed = once(shard, 'resumed');
      for (let n = 0; n < 50; n++) emu.control.dispatch('MESSAGE_CREATE', { n }, { sessionId });
      emu.control.sendRaw(Uint8Array.from(bytes), sessionId);
      for (let n = 50; n < 100; n++) emu.control.dispatch('MESSAGE_CREATE', { n }, { sessionId });
      const { error } = await errored;
      expect(error).toBeInstanceOf(GatewayInboundError);
      expect(error.code).toBe(code);
      await resumed;
      expect(shard.session?.sessionId).toBe(sessionId);
      // The replay after the resume fills in what the broken connection never delivered.
      await waitFor(() => got.length >= 100, 10_000, 'the stream after the resume');
      expect(got).toEqual(Array.from({ length: 100 }, (_, n) => n));
    } finally {
      shard.destroy();
    }
  });
});

describe('a bomb inside the open frame', () => {
  it('RLE blocks past the cap give GATEWAY_FRAME_TOO_LARGE, then a resume', async () => {
    const shard = shardFor(emu, { transportCompression: 'zstd-stream', maxFrameBytes: 1024 * 1024 });
    try {
      const ready = once(shard, 'ready');
      await shard.connect();
      const { sessionId } = await ready;
      const errored = once(shard, 'inboundError');
      const resumed = once(shard, 'resumed');
      // 8 MiB of spaces through the connection's own single-frame compressor: 64 RLE blocks,
      // 256 bytes on the wire, continuing the frame the client is in the middle of.
      emu.control.sendCompressed(Buffer.alloc(8 * 1024 * 1024, 0x20), sessionId);
      const { error } = await errored;
      expect(error.code).toBe('GATEWAY_FRAME_TOO_LARGE');
      await resumed;
      expect(shard.session?.sessionId).toBe(sessionId);
    } finally {
      shard.destroy();
    }
  });
});
