import { describe, expect, it } from 'vitest';
import {
  type GatewayClientPayloadMap,
  type GatewayReadyData,
  type VoiceClientPayloadMap,
  type VoiceServerPayloadMap,
  decodeGatewayPayload,
  decodeGatewayReady,
  decodeVoicePayload,
  encodeGatewayClientPayload,
  encodeGatewayDispatch,
  encodeGatewayServerPayload,
  encodeVoiceClientPayload,
  encodeVoiceServerPayload,
  gatewayOpcodes,
  PayloadDecodeError,
  voiceOpcodes,
} from '../src/index.js';

const G = '81384788765712384';
const U = '80351110224678912';
const C = '41771983423143937';

const presence = {
  since: null,
  activities: [{ name: 'tests', type: 0 }],
  status: 'online' as const,
  afk: false,
};

/** One typed sample per client-sent gateway op. `satisfies` makes the compiler check each shape. */
const gatewayClientSamples = {
  1: 251,
  2: {
    token: 'not-a-real-token',
    properties: { os: 'linux', browser: 'cordwire', device: 'cordwire' },
    intents: 513,
    compress: false,
    large_threshold: 250,
    shard: [0, 1],
    presence,
  },
  3: presence,
  4: { guild_id: G, channel_id: C, self_mute: false, self_deaf: true },
  5: null,
  6: { token: 'not-a-real-token', session_id: 'abc', seq: 1337 },
  8: { guild_id: G, query: '', limit: 0, presences: false, nonce: 'n1' },
  13: { channel_id: C },
  14: { guild_id: G, typing: true },
  15: { lobby_id: G, lobby_secret: 's' },
  16: { lobby_id: G },
  17: { lobby_id: G, self_mute: true, self_deaf: false },
  18: { type: 'guild', guild_id: G, channel_id: C, preferred_region: 'rotterdam' },
  19: { stream_key: `guild:${G}:${C}:${U}` },
  20: { stream_key: `guild:${G}:${C}:${U}` },
  21: { stream_key: `guild:${G}:${C}:${U}` },
  22: { stream_key: `guild:${G}:${C}:${U}`, paused: true },
  24: { guild_id: G },
  25: {},
  26: { guild_id: null, channel_id: C, application_id: U },
  27: {},
  28: { guild_id: G, channel_id: C, threads: [{ thread_id: C, ack_message_id: U }] },
  29: { target_session_id: 'x', payload: {} },
  30: {
    guild_id: G,
    channel_ids_hash: ['a', 'b'],
    role_ids_hash: [],
    emoji_ids_hash: ['c'],
    sticker_ids_hash: [],
  },
  31: { guild_ids: [G] },
  32: { preferred_region: 'rotterdam' },
  33: null,
  34: { guild_id: G, channel_ids: [C] },
  35: { guild_id: G, query: 'ab', continuation_token: null },
  36: { guild_id: G },
  37: { subscriptions: {} },
  38: { guild_id: G },
  39: { guild_id: G, channel_id: C },
  40: { seq: 1, qos: { active: true } },
  41: { initialization_timestamp: 1, session_id: 'x', client_launch_id: 'y' },
  42: { lobby_id: G },
  43: { guild_id: G, fields: ['status'] },
} satisfies GatewayClientPayloadMap;

const voiceClientSamples = {
  0: {
    server_id: G,
    user_id: U,
    session_id: 'sess',
    token: 'not-a-real-token',
    max_dave_protocol_version: 1,
  },
  1: { protocol: 'udp', data: { address: '127.0.0.1', port: 50000, mode: 'aead_aes256_gcm_rtpsize' } },
  3: { t: 1501184119561, seq_ack: 10 },
  5: { speaking: 1, delay: 0, ssrc: 12345 },
  7: { server_id: G, session_id: 'sess', token: 'not-a-real-token', seq_ack: -1 },
  12: { audio_ssrc: 1, video_ssrc: 0, rtx_ssrc: 0 },
  14: {},
  15: { any: 100 },
  16: {},
  23: { transition_id: 7 },
  31: { transition_id: 7 },
} satisfies VoiceClientPayloadMap;

const voiceServerSamples = {
  2: {
    ssrc: 1,
    ip: '127.0.0.1',
    port: 1234,
    modes: ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'],
  },
  3: { t: 5, seq_ack: 3 },
  4: {
    mode: 'aead_aes256_gcm_rtpsize',
    secret_key: Array.from({ length: 32 }, (_, i) => i * 7),
    dave_protocol_version: 1,
  },
  5: { user_id: U, ssrc: 99, speaking: 5 },
  6: { t: 1501184119561 },
  8: { heartbeat_interval: 13750.5 },
  9: null,
  11: { user_ids: [U, G] },
  12: { user_id: U },
  13: { user_id: U },
  14: { media_session_id: 'x' },
  15: { any: 100 },
  16: { voice: '2024.1', rtc_worker: '1.0' },
  17: {},
  18: { user_id: U, flags: 3 },
  19: {},
  20: { user_id: U, platform: 1 },
  21: { transition_id: 3, protocol_version: 0 },
  22: { transition_id: 3 },
  24: { protocol_version: 1, epoch: 1 },
  29: { transition_id: 3 },
} satisfies VoiceServerPayloadMap;

describe('round trips: encode -> JSON -> decode', () => {
  it('every client-sent gateway op', () => {
    for (const [key, d] of Object.entries(gatewayClientSamples)) {
      const op = Number(key) as keyof GatewayClientPayloadMap;
      const r = decodeGatewayPayload(encodeGatewayClientPayload(op, d as never), { sender: 'client' });
      expect(r.ok ? r.value : r.error, `gateway op ${op}`).toEqual({ op, d });
    }
    // Every op a client may send has a sample, so no client payload escapes the round trip.
    expect(Object.keys(gatewayClientSamples).map(Number)).toEqual(
      gatewayOpcodes.filter((o) => o.direction !== 'receive').map((o) => o.code),
    );
  });
  it('every server-sent gateway op, and a dispatch with READY', () => {
    const cases = [
      [1, null],
      [7, null],
      [9, true],
      [10, { heartbeat_interval: 41250 }],
      [11, null],
    ] as const;
    for (const [op, d] of cases) {
      const r = decodeGatewayPayload(encodeGatewayServerPayload(op, d));
      expect(r.ok ? r.value : r.error).toEqual({ op, d, s: null, t: null });
    }
    const readyData: GatewayReadyData = {
      v: 10,
      user: { id: U, username: 'bot', bot: true },
      guilds: [{ id: G, unavailable: true }],
      session_id: 'abc',
      resume_gateway_url: 'wss://127.0.0.1:1',
      shard: [0, 1],
      application: { id: U, flags: 0 },
    };
    const r = decodeGatewayPayload(encodeGatewayDispatch('READY', 1, readyData));
    expect(r.ok && r.value).toEqual({ op: 0, d: readyData, s: 1, t: 'READY' });
    const ready = decodeGatewayReady(r.ok ? r.value.d : undefined);
    expect(ready.ok && ready.value).toEqual(readyData);
  });
  it('every client-sent voice JSON op', () => {
    for (const [key, d] of Object.entries(voiceClientSamples)) {
      const op = Number(key) as keyof VoiceClientPayloadMap;
      const r = decodeVoicePayload(encodeVoiceClientPayload(op, d as never), { sender: 'client' });
      expect(r.ok ? r.value : r.error, `voice op ${op}`).toEqual({ op, d });
    }
    const jsonSend = voiceOpcodes.filter((o) => o.direction !== 'receive' && o.format === 'json');
    expect(Object.keys(voiceClientSamples).map(Number)).toEqual(jsonSend.map((o) => o.code));
  });
  it('every server-sent voice JSON op, with and without seq', () => {
    for (const [key, d] of Object.entries(voiceServerSamples)) {
      const op = Number(key) as keyof VoiceServerPayloadMap;
      const plain = decodeVoicePayload(encodeVoiceServerPayload(op, d as never));
      expect(plain.ok ? plain.value : plain.error, `voice op ${op}`).toEqual({ op, d });
      const withSeq = decodeVoicePayload(encodeVoiceServerPayload(op, d as never, 42));
      expect(withSeq.ok ? withSeq.value : withSeq.error, `voice op ${op} seq`).toEqual({ op, d, seq: 42 });
    }
    const jsonReceive = voiceOpcodes.filter(
      (o) => o.direction !== 'send' && (o.format === 'json' || o.code === 29),
    );
    expect(Object.keys(voiceServerSamples).map(Number)).toEqual(jsonReceive.map((o) => o.code));
  });
  it('accepts pre-v8 heartbeat nonces and bytes input', () => {
    expect(decodeVoicePayload('{"op":3,"d":1501184119561}', { sender: 'client' }).ok).toBe(true);
    expect(decodeVoicePayload(new TextEncoder().encode('{"op":6,"d":1501184119561}')).ok).toBe(true);
  });
});

function errorOf(r: { ok: boolean; error?: PayloadDecodeError }): PayloadDecodeError {
  expect(r.ok).toBe(false);
  expect(r.error).toBeInstanceOf(PayloadDecodeError);
  return r.error!;
}

describe('errors name the opcode and the field path', () => {
  it('gateway HELLO with a bad interval', () => {
    const e = errorOf(decodeGatewayPayload('{"op":10,"d":{"heartbeat_interval":"41250"},"s":null,"t":null}'));
    expect(e).toMatchObject({
      code: 'INVALID_FIELD',
      protocol: 'gateway',
      opcode: 10,
      path: 'd.heartbeat_interval',
    });
    expect(e.message).toMatch(/^gateway op 10 \(HELLO\): d\.heartbeat_interval: /);
  });
  it('a zero heartbeat interval is refused (it would spin)', () => {
    expect(errorOf(decodeVoicePayload({ op: 8, d: { heartbeat_interval: 0 } })).path).toBe(
      'd.heartbeat_interval',
    );
  });
  it('nested paths with array indexes', () => {
    const e = errorOf(decodeVoicePayload({ op: 11, d: { user_ids: [U, 5] } }));
    expect(e.path).toBe('d.user_ids[1]');
    const f = errorOf(
      decodeGatewayPayload(
        { op: 28, d: { guild_id: G, channel_id: C, threads: [{ thread_id: C }] } },
        { sender: 'client' },
      ),
    );
    expect(f.path).toBe('d.threads[0].ack_message_id');
  });
  it('missing required fields, secret_key length, request-guild-members rule', () => {
    expect(
      errorOf(
        decodeVoicePayload({ op: 0, d: { server_id: G, user_id: U, session_id: 's' } }, { sender: 'client' }),
      ).path,
    ).toBe('d.token');
    expect(errorOf(decodeVoicePayload({ op: 4, d: { mode: 'x', secret_key: [1, 2, 3] } })).path).toBe(
      'd.secret_key',
    );
    expect(
      errorOf(decodeGatewayPayload({ op: 8, d: { guild_id: G, query: 'a' } }, { sender: 'client' })).path,
    ).toBe('d.limit');
    expect(errorOf(decodeGatewayPayload({ op: 8, d: { guild_id: G } }, { sender: 'client' })).expected).toBe(
      'query or user_ids',
    );
    expect(
      errorOf(
        decodeGatewayPayload(
          { op: 2, d: { ...gatewayClientSamples[2], shard: [1, 1] } },
          { sender: 'client' },
        ),
      ).path,
    ).toBe('d.shard');
  });
  it('envelope errors', () => {
    expect(errorOf(decodeGatewayPayload('not json')).code).toBe('INVALID_JSON');
    expect(errorOf(decodeGatewayPayload('[1,2]')).code).toBe('NOT_AN_OBJECT');
    expect(errorOf(decodeGatewayPayload('{"op":"10"}')).path).toBe('op');
    expect(errorOf(decodeGatewayPayload('{"op":12}')).code).toBe('UNKNOWN_OPCODE');
    expect(errorOf(decodeGatewayPayload('{"op":2,"d":{}}')).code).toBe('WRONG_DIRECTION');
    expect(errorOf(decodeGatewayPayload('{"op":10,"d":{}}', { sender: 'client' })).code).toBe(
      'WRONG_DIRECTION',
    );
    expect(errorOf(decodeGatewayPayload('{"op":0,"d":{},"t":"READY"}')).path).toBe('s');
    expect(errorOf(decodeGatewayPayload('{"op":11,"d":null,"s":4,"t":null}')).path).toBe('s');
    expect(errorOf(decodeVoicePayload('{"op":27,"d":{}}')).code).toBe('BINARY_OPCODE_AS_JSON');
    expect(errorOf(decodeVoicePayload('{"op":10,"d":{}}')).code).toBe('UNKNOWN_OPCODE');
    expect(errorOf(decodeVoicePayload('{"op":2,"d":{},"seq":-1}')).code).toBe('INVALID_FIELD');
    expect(errorOf(decodeVoicePayload('x'.repeat(100), { maxLength: 10 })).code).toBe('TOO_LARGE');
    expect(errorOf(decodeVoicePayload(new Uint8Array([0xff, 0xfe]))).code).toBe('INVALID_JSON');
  });
  it('never quotes a secret in its message', () => {
    const token = 'MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs';
    const e = errorOf(
      decodeVoicePayload(
        { op: 0, d: { server_id: G, user_id: U, session_id: 5, token } },
        { sender: 'client' },
      ),
    );
    expect(e.message).not.toContain(token);
    const j = errorOf(decodeGatewayPayload(`{"op":2,"d":{"token":"${token}"`, { sender: 'client' }));
    expect(j.message).not.toContain(token);
  });
  it('dispatch d is passed through unvalidated, and READY is checked on request', () => {
    const e = errorOf(
      decodeGatewayReady({ v: 10, user: { id: U, username: 'x' }, guilds: [], session_id: 's' }),
    );
    expect(e.path).toBe('d.resume_gateway_url');
  });
});
