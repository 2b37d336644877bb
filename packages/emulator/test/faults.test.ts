import { readFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, FaultScriptError, parseFaultScript, startEmulator } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

async function readyClient(query?: string) {
  const c = await RawClient.connect(emu!.gatewayUrl, query ? { query } : {});
  clients.push(c);
  const ready = await c.ready(emu!.token, { intents: 1 | (1 << 8) | (1 << 9) });
  return { c, sessionId: ready.d.session_id as string };
}

test('op 7 and op 9 true/false reach the client; op 9 false ends the session', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c } = await readyClient();
  emu.control.reconnect();
  await c.waitFor((f) => f.op === 7);
  emu.control.invalidateSession(true);
  expect((await c.waitFor((f) => f.op === 9)).d).toBe(true);
  expect(emu.control.sessions()).toHaveLength(1);
  // The faults still reach a connection that was sent op 9 true and has not resumed yet.
  const from = c.frames.length;
  emu.control.invalidateSession(false);
  expect((await c.waitFor((f) => f.op === 9, from)).d).toBe(false);
  expect(emu.control.sessions()).toHaveLength(0);
  // Allowed to identify again on the same connection.
  c.identify(emu.token);
  await c.waitDispatch('READY', from);
});

test('close with any code, targeted at one session; the other is untouched', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const a = await readyClient();
  const b = await readyClient();
  emu.control.closeConnection(4321, 'custom', a.sessionId);
  expect(await a.c.closed).toEqual({ code: 4321, reason: 'custom' });
  expect(b.c.closeInfo).toBeUndefined();
  // 4321 is unknown, treated as 4000 (resume): the session survives.
  const session = () => emu!.control.sessions().find((s) => s.sessionId === a.sessionId);
  while (session()?.connected) await new Promise((r) => setTimeout(r, 5));
  expect(session()).toMatchObject({ connected: false });
});

test('a close code that cannot be sent is refused up front; a long unicode reason is trimmed to 123 bytes', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c } = await readyClient();
  expect(() => emu!.control.closeConnection(1006)).toThrow(/dropConnection/);
  expect(() => parseFaultScript([{ at: 0, do: 'close', code: 1005 }])).toThrow(FaultScriptError);
  emu.control.closeConnection(4000, 'é'.repeat(100));
  const closed = await c.closed;
  expect(closed.code).toBe(4000);
  expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
});

test('drop destroys TCP without a close frame (client sees 1006); the session stays resumable', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c, sessionId } = await readyClient();
  emu.control.dropConnection();
  expect((await c.closed).code).toBe(1006);
  while (emu.control.sessions()[0]?.connected) await new Promise((r) => setTimeout(r, 5));
  expect(emu.control.sessions()).toEqual([expect.objectContaining({ sessionId, connected: false })]);
});

test('heartbeat ACKs can be stopped and restarted', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c } = await readyClient();
  emu.control.setHeartbeatAck(false);
  c.send({ op: 1, d: 1 });
  emu.control.requestHeartbeat(); // a marker that arrives after any ACK would have
  const marker = await c.waitFor((f) => f.op === 1);
  expect(c.frames.slice(0, c.frames.indexOf(marker)).some((f) => f.op === 11)).toBe(false);
  emu.control.setHeartbeatAck(true);
  c.send({ op: 1, d: 1 });
  await c.waitFor((f) => f.op === 11);
});

test('frame delay keeps order, raw garbage arrives as given', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c } = await readyClient();
  emu.control.setFrameDelay(30);
  const s = emu.control.startStream({ ratePerSecond: 1000, count: 20 });
  await s.done;
  expect(s.sent()).toBe(20);
  await c.waitFor((f) => f.d?.n === 19);
  expect(
    c
      .dispatches()
      .filter((f) => f.t === 'MESSAGE_CREATE')
      .map((f) => f.d.n),
  ).toEqual(Array.from({ length: 20 }, (_, i) => i));
  emu.control.setFrameDelay(0);
  const before = c.rawFrames.length;
  const got = new Promise<Buffer>((resolve) => c.ws.once('message', (d: Buffer) => resolve(d)));
  emu.control.sendRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  expect([...(await got)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
  expect(c.rawFrames.length).toBe(before + 1);
});

test("a decompression bomb goes through the connection's own zlib-stream context", async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c } = await readyClient('v=10&encoding=json&compress=zlib-stream');
  await emu.control.runScript([{ at: 0, do: 'bomb', bytes: 4 << 20 }]);
  await c.waitFor(() => c.undecodable > 0);
  const wire = c.rawFrames.at(-1)!;
  expect(wire.length).toBeLessThan(64 * 1024);
  expect(wire.subarray(-4)).toEqual(Buffer.from([0, 0, 0xff, 0xff]));
  // The context is intact afterwards: a later dispatch still inflates.
  emu.control.dispatch('MESSAGE_CREATE', { guild_id: '1300000000000000100', content: '', n: 7 });
  await c.waitFor((f) => f.d?.n === 7);
});

test('a stream can be stopped early and reports how many it sent', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c } = await readyClient();
  const s = emu.control.startStream({ event: 'PRESENCE_UPDATE', ratePerSecond: 200 });
  await c.waitFor((f) => f.t === 'PRESENCE_UPDATE' && f.d.n === 3);
  s.stop();
  await s.done;
  expect(s.sent()).toBeGreaterThanOrEqual(4);
});

test('a fault script file runs its steps in order', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const { c, sessionId } = await readyClient();
  // Like discord.js: on op 9 true, RESUME on the same socket from the last seq seen.
  void c
    .waitFor((f) => f.op === 9 && f.d === true)
    .then(
      () => {
        const seq = Math.max(...c.dispatches().map((f) => f.s ?? 0));
        c.send({ op: 6, d: { token: emu!.token, session_id: sessionId, seq } });
      },
      () => {},
    );
  const script = JSON.parse(readFileSync(new URL('./fixtures/fault-script.json', import.meta.url), 'utf8'));
  await emu.control.runScript(script);
  const closed = await c.closed;
  expect(closed).toEqual({ code: 4000, reason: 'scripted' });
  expect(c.frames.some((f) => f.op === 7)).toBe(true);
  expect(c.frames.some((f) => f.op === 9 && f.d === true)).toBe(true);
  expect(c.frames.some((f) => f.t === 'PRESENCE_UPDATE')).toBe(true);
  // The garbage frame arrived raw (client saw 2 bytes it could not parse as JSON).
  expect(c.rawFrames.some((r) => r.length === 2 && r[0] === 0x78)).toBe(true);
  expect(
    c
      .dispatches()
      .filter((f) => f.t === 'MESSAGE_CREATE')
      .map((f) => f.d.n),
  ).toEqual(Array.from({ length: 30 }, (_, i) => i));
});

test('a malformed script is refused with a typed error naming the step', () => {
  expect(() =>
    parseFaultScript([
      { at: 0, do: 'reconnect' },
      { at: 5, do: 'explode' },
    ]),
  ).toThrow(FaultScriptError);
  expect(() => parseFaultScript([{ at: 0, do: 'close', code: 99 }])).toThrow(
    expect.objectContaining({ code: 'EMULATOR_BAD_SCRIPT', step: 0 }),
  );
  expect(() =>
    parseFaultScript([
      { at: 0, do: 'drop' },
      { at: 0, do: 'close', code: 999 },
    ]),
  ).toThrow(expect.objectContaining({ code: 'EMULATOR_BAD_SCRIPT', step: 1 }));
  expect(() => parseFaultScript({ steps: [{ at: -1, do: 'drop' }] })).toThrow(/step 0/);
  expect(parseFaultScript({ steps: [{ at: 1, do: 'drop' }] })).toHaveLength(1);
});
