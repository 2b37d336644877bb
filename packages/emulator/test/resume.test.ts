import { afterEach, expect, test } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

async function connect(): Promise<RawClient> {
  const c = await RawClient.connect(emu!.gatewayUrl);
  clients.push(c);
  return c;
}

async function start(options: EmulatorOptions = {}) {
  emu = await startEmulator({ identifyIntervalMs: 0, ...options });
  const c = await connect();
  const ready = await c.ready(emu.token);
  await c.waitDispatch('GUILD_CREATE');
  return { c, sessionId: ready.d.session_id as string };
}

function lastSeq(c: RawClient): number {
  return Math.max(...c.dispatches().map((f) => f.s ?? 0));
}

function message(n: number) {
  return {
    id: String(1000 + n),
    guild_id: '1300000000000000100',
    channel_id: '1300000000000000101',
    content: '',
    n,
  };
}

test('RESUME replays exactly what the session missed, in order, then RESUMED', async () => {
  const { c, sessionId } = await start();
  for (let n = 0; n < 3; n++) emu!.control.dispatch('MESSAGE_CREATE', message(n));
  await c.waitFor((f) => f.d?.n === 2);
  const seen = lastSeq(c);
  emu!.control.dropConnection();
  expect((await c.closed).code).toBe(1006);
  // Dispatched while nobody is connected: kept for the resumable session.
  for (let n = 3; n < 8; n++) emu!.control.dispatch('MESSAGE_CREATE', message(n));
  expect(emu!.control.sessions()[0]).toMatchObject({ connected: false, seq: seen + 5 });

  const c2 = await connect();
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: seen } });
  const resumed = await c2.waitDispatch('RESUMED');
  const replayed = c2.dispatches().filter((f) => f.t === 'MESSAGE_CREATE');
  expect(replayed.map((f) => f.d.n)).toEqual([3, 4, 5, 6, 7]);
  expect(replayed.map((f) => f.s)).toEqual([seen + 1, seen + 2, seen + 3, seen + 4, seen + 5]);
  expect(resumed.s).toBe(seen + 6);
  emu!.control.dispatch('MESSAGE_CREATE', message(8));
  expect((await c2.waitFor((f) => f.d?.n === 8)).s).toBe(seen + 7);
});

test('a resume from an older seq replays the dispatches the client already had (Discord resends from seq)', async () => {
  const { c, sessionId } = await start();
  for (let n = 0; n < 4; n++) emu!.control.dispatch('MESSAGE_CREATE', message(n));
  await c.waitFor((f) => f.d?.n === 3);
  const s1 = c.dispatches().find((f) => f.d?.n === 1)!.s!;
  c.close(4100);
  await c.closed;
  const c2 = await connect();
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: s1 } });
  await c2.waitDispatch('RESUMED');
  expect(
    c2
      .dispatches()
      .filter((f) => f.t === 'MESSAGE_CREATE')
      .map((f) => f.d.n),
  ).toEqual([2, 3]);
});

test('op 9 false when the gap has left the replay buffer', async () => {
  const { c, sessionId } = await start({ replayBufferSize: 3 });
  const seen = lastSeq(c);
  c.terminate();
  await c.closed;
  for (let n = 0; n < 5; n++) emu!.control.dispatch('MESSAGE_CREATE', message(n));
  const c2 = await connect();
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: seen } });
  expect(await c2.waitFor((f) => f.op === 9)).toMatchObject({ op: 9, d: false });
  // The connection stays open: the client may identify on it.
  await c2.ready(emu!.token);
});

test('op 9 false for an unknown session and for one that expired', async () => {
  const { c, sessionId } = await start({ sessionTimeoutMs: 50 });
  const c1 = await connect();
  c1.send({ op: 6, d: { token: emu!.token, session_id: 'f'.repeat(32), seq: 1 } });
  expect((await c1.waitFor((f) => f.op === 9)).d).toBe(false);
  c.terminate();
  await c.closed;
  while (emu!.control.sessions().length > 0) await new Promise((r) => setTimeout(r, 10));
  const c2 = await connect();
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: 1 } });
  expect((await c2.waitFor((f) => f.op === 9)).d).toBe(false);
});

test('a client closing with 1000 ends its session (docs: Disconnecting)', async () => {
  const { c, sessionId } = await start();
  c.close(1000);
  await c.closed;
  while (emu!.control.sessions().length > 0) await new Promise((r) => setTimeout(r, 10));
  const c2 = await connect();
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: 1 } });
  expect((await c2.waitFor((f) => f.op === 9)).d).toBe(false);
});

test('a resume takes the session over from a stale connection', async () => {
  const { c, sessionId } = await start();
  const c2 = await connect();
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: lastSeq(c) } });
  await c2.waitDispatch('RESUMED');
  expect((await c.closed).code).toBe(1000);
  emu!.control.dispatch('MESSAGE_CREATE', message(0));
  await c2.waitFor((f) => f.d?.n === 0);
  expect(emu!.control.sessions()).toHaveLength(1);
});

test('op 9 true: the client may RESUME on the same socket, as discord.js does, and gets the replay', async () => {
  const { c, sessionId } = await start();
  const seen = lastSeq(c);
  emu!.control.invalidateSession(true);
  await c.waitFor((f) => f.op === 9 && f.d === true);
  // Dispatched between op 9 and the RESUME: kept for the session.
  emu!.control.dispatch('MESSAGE_CREATE', message(1));
  expect(emu!.control.sessions()[0]).toMatchObject({ sessionId, connected: false });
  c.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: seen } });
  await c.waitDispatch('RESUMED');
  expect(c.closeInfo).toBeUndefined();
  expect(
    c
      .dispatches()
      .filter((f) => f.t === 'MESSAGE_CREATE')
      .map((f) => f.d.n),
  ).toEqual([1]);
  expect(emu!.control.sessions()[0]).toMatchObject({ sessionId, connected: true });
});

test('op 9 true: resuming on a new socket works too, and the old socket loses the session', async () => {
  const { c, sessionId } = await start();
  emu!.control.invalidateSession(true);
  await c.waitFor((f) => f.op === 9 && f.d === true);
  const c2 = await RawClient.connect(emu!.resumeGatewayUrl);
  clients.push(c2);
  c2.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: lastSeq(c) } });
  await c2.waitDispatch('RESUMED');
  emu!.control.dispatch('MESSAGE_CREATE', message(2));
  await c2.waitFor((f) => f.d?.n === 2);
  expect(c.dispatches().some((f) => f.d?.n === 2)).toBe(false);
});

test('resumeLog tells a resume on resume_gateway_url from one on the gateway URL', async () => {
  const { c, sessionId } = await start();
  c.terminate();
  await c.closed;
  const viaGateway = await connect();
  viaGateway.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: lastSeq(c) } });
  await viaGateway.waitDispatch('RESUMED');
  viaGateway.terminate();
  await viaGateway.closed;
  const viaResume = await RawClient.connect(emu!.resumeGatewayUrl);
  clients.push(viaResume);
  viaResume.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq: lastSeq(c) } });
  await viaResume.waitDispatch('RESUMED');
  expect(emu!.control.resumeLog()).toEqual([
    { sessionId, path: '/', viaResumeGatewayUrl: false },
    { sessionId, path: '/resume', viaResumeGatewayUrl: true },
  ]);
});
