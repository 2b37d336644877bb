import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

async function connect(query?: string): Promise<RawClient> {
  const c = await RawClient.connect(emu!.gatewayUrl, query ? { query } : {});
  clients.push(c);
  return c;
}

test('HELLO comes first, heartbeats are ACKed, and a server op 1 is sent on request', async () => {
  emu = await startEmulator({ heartbeatIntervalMs: 5000 });
  const c = await connect();
  const hello = await c.waitFor(() => true);
  expect(hello).toMatchObject({ op: 10, d: { heartbeat_interval: 5000 }, s: null, t: null });
  c.send({ op: 1, d: null });
  await c.waitFor((f) => f.op === 11);
  await c.ready(emu.token);
  const before = c.frames.length;
  emu.control.requestHeartbeat();
  expect(await c.waitFor((f) => f.op === 1, before)).toMatchObject({ op: 1 });
});

test('IDENTIFY gets READY with the documented fields, then GUILD_CREATE with channels, members, voice states', async () => {
  emu = await startEmulator();
  const c = await connect();
  const ready = await c.ready(`Bot ${emu.token}`, { intents: 1 | (1 << 7) | (1 << 9) });
  expect(ready.s).toBe(1);
  expect(ready.d).toMatchObject({
    v: 10,
    user: { id: '1300000000000000001', bot: true },
    guilds: [{ id: '1300000000000000100', unavailable: true }],
    shard: [0, 1],
    application: { id: '1300000000000000001' },
    resume_gateway_url: emu.resumeGatewayUrl,
  });
  // Distinct from the gateway URL, so a client that ignores it is visible in resumeLog().
  expect(emu.resumeGatewayUrl).not.toBe(emu.gatewayUrl);
  expect(ready.d.session_id).toMatch(/^[0-9a-f]{32}$/);
  const guild = await c.waitDispatch('GUILD_CREATE');
  expect(guild.s).toBe(2);
  expect(guild.d.channels.map((ch: { name: string }) => ch.name)).toEqual(['general', 'voice']);
  expect(guild.d.members.length).toBeGreaterThanOrEqual(2);
  expect(guild.d.voice_states).toEqual([
    expect.objectContaining({ user_id: '1300000000000000010', channel_id: '1300000000000000102' }),
  ]);
  expect(emu.control.sessions()).toEqual([
    expect.objectContaining({ sessionId: ready.d.session_id, shard: [0, 1], connected: true, seq: 2 }),
  ]);
  emu.control.dispatch('MESSAGE_CREATE', { id: '1', guild_id: '1300000000000000100', content: 'x', n: 0 });
  emu.control.dispatch('TYPING_START', { guild_id: '1300000000000000100' }); // filtered: no typing intent
  emu.control.dispatch('MESSAGE_CREATE', { id: '2', guild_id: '1300000000000000100', content: 'y', n: 1 });
  await c.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.n === 1);
  const seqs = c.dispatches().map((f) => f.s);
  expect(seqs).toEqual([1, 2, 3, 4]);
  expect(c.dispatches().some((f) => f.t === 'TYPING_START')).toBe(false);
});

test('v=9 is accepted and READY says v 9', async () => {
  emu = await startEmulator();
  const c = await connect('v=9&encoding=json');
  const ready = await c.ready(emu.token);
  expect(ready.d.v).toBe(9);
});

test('without MESSAGE_CONTENT a guild message arrives with empty content', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const c = await connect();
  await c.ready(emu.token, { intents: 1 | (1 << 9) });
  emu.control.startStream({ ratePerSecond: 1000, count: 1 });
  const m = await c.waitDispatch('MESSAGE_CREATE');
  expect(m.d.content).toBe('');
  expect(m.d.n).toBe(0);
  const c2 = await connect();
  await c2.ready(emu.token, { intents: 1 | (1 << 9) | (1 << 15) });
  emu.control.startStream({ ratePerSecond: 1000, count: 1 });
  expect((await c2.waitDispatch('MESSAGE_CREATE')).d.content).toBe('n=0');
});

test('Request Guild Members answers with chunks carrying the nonce', async () => {
  emu = await startEmulator({ memberChunkSize: 2 });
  const c = await connect();
  await c.ready(emu.token, { intents: 1 | 2 });
  c.send({ op: 8, d: { guild_id: '1300000000000000100', query: '', limit: 0, nonce: 'abc' } });
  await c.waitFor((f) => f.t === 'GUILD_MEMBERS_CHUNK' && f.d.chunk_index === 1);
  const chunks = c.dispatches().filter((f) => f.t === 'GUILD_MEMBERS_CHUNK');
  expect(chunks.map((f) => [f.d.chunk_index, f.d.chunk_count, f.d.nonce, f.d.members.length])).toEqual([
    [0, 2, 'abc', 2],
    [1, 2, 'abc', 1],
  ]);
});
