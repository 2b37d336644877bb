import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
  emu = undefined;
});

async function connect(query?: string): Promise<RawClient> {
  const c = await RawClient.connect(emu!.gatewayUrl, query ? { query } : {});
  clients.push(c);
  return c;
}

const props = { os: 'linux', browser: 'test', device: 'test' };

interface Case {
  name: string;
  code: number;
  options?: EmulatorOptions;
  query?: string;
  /** Breaks the protocol; returns the client that must be closed when that is not `c`. */
  act: (c: RawClient, token: string) => unknown;
}

const cases: Case[] = [
  { name: 'unknown opcode', code: 4001, act: (c) => c.send({ op: 99, d: null }) },
  {
    name: 'invalid payload for an opcode (identify without properties)',
    code: 4001,
    act: (c, token) => c.send({ op: 2, d: { token, intents: 0 } }),
  },
  { name: 'undecodable JSON', code: 4002, act: (c) => c.sendRaw('{"op": 1, "d"') },
  {
    name: 'a payload over 4096 bytes',
    code: 4002,
    act: (c) => c.sendRaw(JSON.stringify({ op: 1, d: null, x: 'a'.repeat(5000) })),
  },
  { name: 'a payload without an op', code: 4002, act: (c) => c.send({ d: null }) },
  {
    name: 'voice state update before identify',
    code: 4003,
    act: (c) => c.send({ op: 4, d: { guild_id: '1', channel_id: null, self_mute: false, self_deaf: false } }),
  },
  { name: 'a wrong token', code: 4004, act: (c) => c.identify('not-the-token') },
  {
    name: 'a wrong token on resume',
    code: 4004,
    act: (c) => c.send({ op: 6, d: { token: 'nope', session_id: 'x', seq: 1 } }),
  },
  {
    name: 'identify twice',
    code: 4005,
    act: async (c, token) => {
      await c.ready(token);
      c.identify(token);
    },
  },
  {
    name: 'resume with a seq the session never sent',
    code: 4007,
    act: async (c, token) => {
      const ready = await c.ready(token);
      c.terminate();
      const c2 = await connect();
      clients.push(c2);
      c2.send({ op: 6, d: { token, session_id: ready.d.session_id, seq: 999 } });
      return c2;
    },
  },
  {
    name: 'more than 120 sends in 60 s',
    code: 4008,
    act: (c) => {
      for (let i = 0; i < 121; i++) c.send({ op: 1, d: null });
    },
  },
  {
    name: 'no heartbeat in time',
    code: 4009,
    options: { heartbeatIntervalMs: 60, heartbeatGraceMs: 20 },
    act: () => {},
  },
  {
    name: 'a shard id outside the count',
    code: 4010,
    act: (c, token) => c.identify(token, { shard: [1, 1] }),
  },
  { name: 'a malformed shard', code: 4010, act: (c, token) => c.identify(token, { shard: [0] }) },
  {
    name: 'too many guilds for one shard',
    code: 4011,
    options: { requireSharding: 0 },
    act: (c, token) => c.identify(token),
  },
  { name: 'gateway version 8', code: 4012, query: 'v=8&encoding=json', act: () => {} },
  { name: 'no gateway version', code: 4012, query: 'encoding=json', act: () => {} },
  { name: 'an undefined intent bit', code: 4013, act: (c, token) => c.identify(token, { intents: 1 << 30 }) },
  // Bitwise checks wrap at 32 bits: 2^32 + 513 would pass as 513 without a range check.
  {
    name: 'intents of 2^32 + 513',
    code: 4013,
    act: (c, token) => c.identify(token, { intents: 2 ** 32 + 513 }),
  },
  { name: 'intents of 2^32', code: 4013, act: (c, token) => c.identify(token, { intents: 2 ** 32 }) },
  { name: 'non-integer intents', code: 4013, act: (c, token) => c.identify(token, { intents: 513.5 }) },
  { name: 'intents as a string', code: 4013, act: (c, token) => c.identify(token, { intents: '513' }) },
  {
    name: 'no identify within identifyTimeoutMs of HELLO (heartbeating does not keep it open)',
    code: 4009,
    options: { identifyTimeoutMs: 80, heartbeatIntervalMs: 30_000 },
    act: (c) => c.send({ op: 1, d: null }),
  },
  {
    name: 'missing intents',
    code: 4013,
    act: (c, token) => c.send({ op: 2, d: { token, properties: props } }),
  },
  {
    name: 'a privileged intent not approved',
    code: 4014,
    options: { allowedIntents: 0 },
    act: (c, token) => c.identify(token, { intents: 1 | (1 << 15) }),
  },
];

describe('a client that breaks the protocol gets the close code Discord uses', () => {
  for (const k of cases) {
    test(`${k.code}: ${k.name}`, async () => {
      emu = await startEmulator({ identifyIntervalMs: 0, ...k.options });
      const c = await connect(k.query);
      const returned = await k.act(c, emu.token);
      const target = returned instanceof RawClient ? returned : c;
      const closed = await target.closed;
      expect(closed.code).toBe(k.code);
    });
  }
});

test('a session closed with 4009 cannot be resumed; one closed with 4001 can', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, heartbeatIntervalMs: 200, heartbeatGraceMs: 0 });
  const a = await connect();
  const readyA = await a.ready(emu.token);
  expect((await a.closed).code).toBe(4009);
  const a2 = await connect();
  a2.send({ op: 6, d: { token: emu.token, session_id: readyA.d.session_id, seq: 1 } });
  expect((await a2.waitFor((f) => f.op === 9)).d).toBe(false);

  const b = await connect();
  const readyB = await b.ready(emu.token);
  b.send({ op: 42, d: null });
  expect((await b.closed).code).toBe(4001);
  const b2 = await connect();
  b2.send({ op: 6, d: { token: emu.token, session_id: readyB.d.session_id, seq: 1 } });
  await b2.waitDispatch('RESUMED');
});

test('garbage from clients never takes the emulator down', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 300 }), fc.json()),
      async (junk) => {
        const c = await connect();
        c.sendRaw(typeof junk === 'string' ? junk : Buffer.from(junk));
        c.send({ op: 1, d: null });
        // Either the junk was a valid payload and the heartbeat is ACKed, or the emulator closed
        // the connection with a protocol close code (never 1011, never a dead server).
        const outcome = await Promise.race([
          c.closed.then((x) => x.code),
          c.waitFor((f) => f.op === 11).then(() => 'ack' as const),
        ]);
        expect(outcome === 'ack' || (typeof outcome === 'number' && outcome >= 4000 && outcome <= 4014)).toBe(
          true,
        );
        c.terminate();
      },
    ),
    { numRuns: 40 },
  );
  const ok = await connect();
  const ready = await ok.ready(emu.token);
  expect(ready.d.session_id).toMatch(/^[0-9a-f]{32}$/);
});
