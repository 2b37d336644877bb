import * as zstd from '@bokuweb/zstd-wasm';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { MAX_BLOCK_SIZE } from '../src/gateway/zstdFrameWriter.js';
import { RawClient } from './gatewayClient.js';
import { blocksOf, concat, ZSTD_MAGIC } from './zstdFrames.js';

// The gateway with zstdFraming 'single-frame': the connection's messages, concatenated, are one
// zstd frame that the reference libzstd (@bokuweb/zstd-wasm) decodes in one call, while the test
// client reads them message by message with fzstd's streaming Decompress. This file is separate
// from zstdFrameWriter.test.ts on purpose: zstd-wasm's small heap is shared with the emulator's
// own per-message compressor in one process, and large one-shot decodes there starve it.

beforeAll(async () => {
  await zstd.init();
});

describe('the gateway with zstdFraming: single-frame', () => {
  let emu: Emulator | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await emu?.close();
    emu = undefined;
  });

  test('the connection is one zstd frame: HELLO opens it, no later message starts a frame', async () => {
    emu = await startEmulator({ identifyIntervalMs: 0, zstdFraming: 'single-frame' });
    const c = await RawClient.connect(emu.gatewayUrl, { query: 'v=10&encoding=json&compress=zstd-stream' });
    clients.push(c);
    const ready = await c.ready(emu.token);
    await c.waitDispatch('GUILD_CREATE');
    const from = c.frames.length;
    const guildId = ready.d.guilds[0].id as string;
    // Mostly small events, and one far over 128 KiB so a message spans several blocks.
    expect(emu.control.dispatch('MESSAGE_CREATE', { n: -1, blob: 'x'.repeat(300_000) }, { guildId })).toBe(1);
    await emu.control.startStream({ ratePerSecond: 5000, count: 300 }).done;
    await c.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 299, from);
    expect(c.undecodable).toBe(0);
    const events = c.frames.slice(from).filter((f) => f.t === 'MESSAGE_CREATE');
    expect(events.map((e) => e.d.n)).toEqual([-1, ...Array.from({ length: 300 }, (_, i) => i)]);
    expect(events[0]!.d.blob).toHaveLength(300_000);
    expect([...c.rawFrames[0]!.subarray(0, 4)]).toEqual(ZSTD_MAGIC);
    const texts = c.frames.map((f) => JSON.stringify(f));

    // Ask the emulator to cap its frame; the next dispatch carries the Last_Block.
    expect(emu.control.endZstdFrame()).toBe(1);
    emu.control.dispatch('MESSAGE_CREATE', { n: 300 }, { guildId });
    await c.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 300, from);
    // Every message decoded to one payload, so frame i came from raw message i.
    expect(c.frames.length).toBe(c.rawFrames.length);
    const capAt = c.frames.findIndex((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 300);
    const frame = concat(c.rawFrames.slice(0, capAt + 1));
    const blocks = blocksOf(frame);
    expect(blocks.filter((b) => b.last)).toHaveLength(1);
    for (const b of blocks) expect(b.size).toBeLessThanOrEqual(MAX_BLOCK_SIZE);
    // libzstd reads the whole connection as one frame: every payload, back to back. (The heap
    // given is the exact size: zstd-wasm's memory is small, and an oversized guess fails.)
    const payloads = c.frames.slice(0, capAt + 1).map((f) => JSON.stringify(f));
    expect(payloads.slice(0, texts.length)).toEqual(texts);
    const expected = payloads.join('');
    const decoded = zstd.decompress(frame, { defaultHeapSize: Buffer.byteLength(expected) });
    expect(new TextDecoder().decode(decoded)).toBe(expected);

    // After the cap the stream goes on in a new frame.
    emu.control.dispatch('MESSAGE_CREATE', { n: 301 }, { guildId });
    await c.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 301, from);
    expect([...c.rawFrames.at(-1)!.subarray(0, 4)]).toEqual(ZSTD_MAGIC);
    for (const raw of c.rawFrames.slice(1, capAt + 1))
      expect([...raw.subarray(0, 4)]).not.toEqual(ZSTD_MAGIC);
  });

  test('a bomb through single-frame compression is RLE blocks inside the open frame', async () => {
    emu = await startEmulator({ identifyIntervalMs: 0, zstdFraming: 'single-frame' });
    const c = await RawClient.connect(emu.gatewayUrl, { query: 'v=10&encoding=json&compress=zstd-stream' });
    clients.push(c);
    const ready = await c.ready(emu.token);
    const before = c.rawFrames.length;
    emu.control.sendCompressed(Buffer.alloc(4 * 1024 * 1024, 0x20));
    emu.control.dispatch('MESSAGE_CREATE', { n: 1 }, { guildId: ready.d.guilds[0].id });
    await c.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 1);
    expect(c.rawFrames[before]!.length).toBe(32 * 4);
  });

  test('an unknown zstdFraming is a typed option error', async () => {
    await expect(startEmulator({ zstdFraming: 'both' as never })).rejects.toMatchObject({
      code: 'EMULATOR_BAD_OPTION',
    });
  });
});
