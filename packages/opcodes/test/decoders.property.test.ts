import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PayloadDecodeError,
  decodeClientBinaryFrame,
  decodeGatewayPayload,
  decodeGatewayReady,
  decodeServerBinaryFrame,
  decodeVoicePayload,
  encodeGatewayClientPayload,
  encodeVoiceClientPayload,
  encodeVoiceServerPayload,
} from '../src/index.js';

const U = '80351110224678912';
const G = '81384788765712384';

/** Valid messages whose payloads are fully typed (no `unknown` subtree), by decoder. */
const typed: {
  decode: (x: unknown) => { ok: boolean; error?: PayloadDecodeError };
  msg: string;
  kind: string;
}[] = [
  ...[
    encodeGatewayClientPayload(2, {
      token: 'not-a-real-token',
      properties: { os: 'linux', browser: 'b', device: 'd' },
      intents: 1,
      shard: [0, 2],
      presence: { since: 5, activities: [{ name: 'x', type: 0, url: 'u' }], status: 'idle', afk: true },
    }),
    encodeGatewayClientPayload(6, { token: 't', session_id: 's', seq: 3 }),
    encodeGatewayClientPayload(4, { guild_id: G, channel_id: G, self_mute: true, self_deaf: false }),
    encodeGatewayClientPayload(8, { guild_id: G, user_ids: [U, G], limit: 1, nonce: 'x' }),
    encodeGatewayClientPayload(28, {
      guild_id: G,
      channel_id: G,
      threads: [{ thread_id: U, ack_message_id: G }],
    }),
    encodeGatewayClientPayload(30, {
      guild_id: G,
      channel_ids_hash: ['a'],
      role_ids_hash: ['b'],
      emoji_ids_hash: ['c'],
      sticker_ids_hash: ['d'],
    }),
  ].map((msg) => ({
    msg,
    kind: 'gateway client',
    decode: (x: unknown) => decodeGatewayPayload(x, { sender: 'client' }),
  })),
  ...[
    encodeVoiceClientPayload(0, {
      server_id: G,
      user_id: U,
      session_id: 's',
      token: 't',
      max_dave_protocol_version: 1,
    }),
    encodeVoiceClientPayload(1, { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'm' } }),
    encodeVoiceClientPayload(5, { speaking: 1, delay: 0, ssrc: 7 }),
    encodeVoiceClientPayload(7, { server_id: G, session_id: 's', token: 't', seq_ack: 4 }),
    encodeVoiceClientPayload(23, { transition_id: 1 }),
  ].map((msg) => ({
    msg,
    kind: 'voice client',
    decode: (x: unknown) => decodeVoicePayload(x, { sender: 'client' }),
  })),
  ...[
    encodeVoiceServerPayload(2, { ssrc: 1, ip: '127.0.0.1', port: 2, modes: ['a', 'b'] }),
    encodeVoiceServerPayload(4, { mode: 'm', secret_key: new Array(32).fill(9), dave_protocol_version: 1 }),
    encodeVoiceServerPayload(8, { heartbeat_interval: 1000 }),
    encodeVoiceServerPayload(11, { user_ids: [U, G] }),
    encodeVoiceServerPayload(18, { user_id: U, flags: 1 }),
    encodeVoiceServerPayload(21, { transition_id: 1, protocol_version: 1 }),
    encodeVoiceServerPayload(24, { protocol_version: 1, epoch: 2, transition_id: 3 }),
  ].map((msg) => ({ msg, kind: 'voice server', decode: (x: unknown) => decodeVoicePayload(x) })),
];

type Leaf = { path: (string | number)[]; value: unknown };
function leaves(v: unknown, path: (string | number)[] = []): Leaf[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (v !== null && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [{ path, value: v }];
}
const pathText = (p: (string | number)[]) =>
  p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path.at(-1)!] = value;
  return copy;
}

const decoders = [
  (x: unknown) => decodeGatewayPayload(x),
  (x: unknown) => decodeGatewayPayload(x, { sender: 'client' }),
  (x: unknown) => decodeVoicePayload(x),
  (x: unknown) => decodeVoicePayload(x, { sender: 'client' }),
  (x: unknown) => decodeGatewayReady(x),
];

function expectResult(r: { ok: boolean; error?: unknown }) {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) expect(r.error).toBeInstanceOf(PayloadDecodeError);
}

describe('decoders never throw', () => {
  it('on arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
        (x) => {
          for (const d of decoders) expectResult(d(x));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('on arbitrary JSON text and envelopes with a real opcode', () => {
    fc.assert(
      fc.property(fc.json(), fc.integer({ min: -1, max: 45 }), fc.jsonValue(), (text, op, d) => {
        for (const dec of decoders) {
          expectResult(dec(text));
          expectResult(dec({ op, d, s: 1, t: 'X', seq: 1 }));
        }
      }),
      { numRuns: 300 },
    );
  });
  it('on truncated or byte-mutated valid messages', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...typed),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 0x7f }),
        ({ msg, decode }, cut, at, ch) => {
          expectResult(decode(msg.slice(0, cut % (msg.length + 1))));
          const i = at % msg.length;
          expectResult(decode(msg.slice(0, i) + String.fromCharCode(ch) + msg.slice(i + 1)));
        },
      ),
      { numRuns: 400 },
    );
  });
  it('on hostile objects: throwing getters, proxies, cycles, huge and deep input', () => {
    const getter = { op: 0 };
    Object.defineProperty(getter, 'd', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    const cyclic: Record<string, unknown> = { op: 11 };
    cyclic.d = cyclic;
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const huge = { op: 11, d: { user_ids: new Array(1_000_000).fill(U) } };
    for (const dec of decoders) {
      for (const x of [getter, proxy, cyclic, deep, huge]) expectResult(dec(x));
    }
    const r = decodeVoicePayload(huge);
    expect(!r.ok && r.error.path).toBe('d.user_ids');
  });
  it('on random binary frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(typeof decodeServerBinaryFrame(bytes).ok).toBe('boolean');
        expect(typeof decodeClientBinaryFrame(bytes).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('mutated typed payloads yield an error value', () => {
  it('changing the JSON type of any leaf is caught at (or above) that leaf', () => {
    const cases = typed.flatMap(({ msg, decode }) => {
      const value = JSON.parse(msg) as { d: unknown };
      return leaves(value.d, ['d'])
        .filter((l) => l.value !== null)
        .map((leaf) => ({ value, leaf, decode }));
    });
    expect(cases.length).toBeGreaterThan(60);
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.constantFrom<unknown>({}, [], 'x', 1.5, true),
        ({ value, leaf, decode }, junk) => {
          // Same-type junk may be valid (any string is a valid mode); a different JSON type never is.
          fc.pre(typeof junk !== typeof leaf.value);
          const r = decode(setAt(value, leaf.path, junk));
          expect(r.ok).toBe(false);
          expect(pathText(leaf.path).startsWith(r.error!.path)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
  // The fields of d that the docs (and seeds) mark optional, per typed message above; every
  // other top-level field is required. Op 8 needs query or user_ids: this one has no query.
  const optional: Record<string, readonly string[]> = {
    'gateway client 2': ['compress', 'large_threshold', 'shard', 'presence'],
    'gateway client 8': ['limit', 'presences', 'nonce'],
    'voice client 0': ['max_dave_protocol_version'],
    'voice client 7': ['seq_ack'],
    'voice server 2': ['heartbeat_interval'],
    'voice server 4': ['dave_protocol_version'],
    'voice server 24': ['protocol_version', 'epoch', 'transition_id'],
  };
  it('removing a required top-level field of d is an error at that field; an optional one is not', () => {
    let required = 0;
    let optionals = 0;
    for (const { msg, decode, kind } of typed) {
      const value = JSON.parse(msg) as { op: number; d: Record<string, unknown> };
      const name = `${kind} ${value.op}`;
      const maybe = optional[name] ?? [];
      for (const key of Object.keys(value.d)) {
        const { [key]: _removed, ...rest } = value.d;
        const r = decode({ ...value, d: rest });
        if (maybe.includes(key)) {
          optionals++;
          expect(r.ok, `${name}: ${key} is optional`).toBe(true);
        } else {
          required++;
          expect(r.ok, `${name}: ${key} is required`).toBe(false);
          expect([`d.${key}`, 'd']).toContain(r.error!.path);
        }
      }
    }
    expect(required).toBeGreaterThan(30);
    expect(optionals).toBeGreaterThan(5);
  });
});
