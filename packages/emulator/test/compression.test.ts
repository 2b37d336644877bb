import { inflateSync } from 'node:zlib';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Connects, identifies, receives a numbered stream of 200, returns the decoded dispatches. */
async function streamOver(query: string, payloadCompression = false) {
  const c = await RawClient.connect(emu!.gatewayUrl, { query });
  clients.push(c);
  await c.ready(emu!.token, payloadCompression ? { compress: true } : {});
  await c.waitDispatch('GUILD_CREATE');
  const from = c.frames.length;
  const stream = emu!.control.startStream({ ratePerSecond: 5000, count: 200 });
  await stream.done;
  await c.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 199, from);
  return { c, events: c.frames.slice(from).filter((f) => f.t === 'MESSAGE_CREATE') };
}

function expectNumbered(events: Array<{ d: { n: number }; s: number | null }>) {
  expect(events.map((e) => e.d.n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  for (let i = 1; i < events.length; i++) expect(events[i]!.s).toBe(events[i - 1]!.s! + 1);
}

test('zlib-stream: one deflate context per connection, every message ends with 00 00 ff ff', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c, events } = await streamOver('v=10&encoding=json&compress=zlib-stream');
  expectNumbered(events);
  expect(c.rawFrames.length).toBeGreaterThan(200);
  for (const raw of c.rawFrames) expect(raw.subarray(raw.length - 4)).toEqual(SYNC_FLUSH_TAIL);
  // A later frame cannot be inflated on its own: the context is shared across the connection.
  expect(() => inflateSync(c.rawFrames.at(-1)!)).toThrow();
  expect(emu.control.sessions()[0]!.compress).toBe('zlib-stream');
});

test('zstd-stream: a streaming decoder (fzstd) reads the connection as one zstd stream', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c, events } = await streamOver('v=10&encoding=json&compress=zstd-stream');
  expectNumbered(events);
  // zstd frame magic 28 b5 2f fd (RFC 8878 section 3.1.1) at the start of every message.
  for (const raw of c.rawFrames) expect(raw.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
  // per-message is the default framing: there is no long frame to end.
  expect(emu.control.endZstdFrame()).toBe(0);
});

test('payload compression (compress: true): every message after IDENTIFY is a complete zlib stream', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c, events } = await streamOver('v=10&encoding=json', true);
  expectNumbered(events);
  const binary = c.rawFrames.slice(1);
  for (const raw of binary) expect(JSON.parse(inflateSync(raw).toString('utf8')).op).toBeTypeOf('number');
  expect(emu.control.sessions()[0]!.compress).toBe('payload');
});

test('plain JSON delivers the same stream', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { events } = await streamOver('v=10&encoding=json');
  expectNumbered(events);
});

test('ETF encoding (codec from @cordwire/opcodes) delivers the same stream, plain and over zlib-stream', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const plain = await streamOver('v=10&encoding=etf');
  expectNumbered(plain.events);
  // 131 is the ETF version byte: every frame is ETF, not JSON.
  for (const raw of plain.c.rawFrames) expect(raw[0]).toBe(131);
  const zlib = await streamOver('v=10&encoding=etf&compress=zlib-stream');
  expectNumbered(zlib.events);
  const shape = (e: { d: { n: number; content: string; channel_id: string; author: unknown } }) => [
    e.d.n,
    e.d.content,
    e.d.channel_id,
    e.d.author,
  ];
  expect(zlib.events.map(shape)).toEqual(plain.events.map(shape));
  expect(emu.control.sessions().map((s) => s.encoding)).toEqual(['etf', 'etf']);
});

test('an ETF client that sends JSON text gets 4002', async () => {
  emu = await startEmulator();
  const c = await RawClient.connect(emu.gatewayUrl, { query: 'v=10&encoding=etf' });
  clients.push(c);
  c.sendRaw('{"op":1,"d":null}');
  expect((await c.closed).code).toBe(4002);
});

test('an unknown compression or encoding is refused with 4002', async () => {
  emu = await startEmulator();
  for (const query of ['v=10&encoding=json&compress=brotli', 'v=10&encoding=xml']) {
    const c = await RawClient.connect(emu.gatewayUrl, { query });
    clients.push(c);
    expect((await c.closed).code).toBe(4002);
  }
});
