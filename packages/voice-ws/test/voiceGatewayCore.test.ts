import { encodeServerBinaryFrame, VoiceOpcodes, voiceOpcodes } from '@cordwire/opcodes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  E2EERequiredError,
  VoiceGatewayCore,
  type VoiceGatewayAction,
  voiceReceiveEventNames,
  ZOMBIE_CLOSE_CODE,
} from '../src/index.js';

const creds = { serverId: 'g', userId: 'u', sessionId: 's', token: 'secret-token' };
const sent = (actions: VoiceGatewayAction[]) =>
  actions.flatMap((a) =>
    a.type === 'send' ? [JSON.parse(a.data) as { op: number; d: Record<string, unknown> }] : [],
  );
const find = <T extends VoiceGatewayAction['type']>(actions: VoiceGatewayAction[], type: T) =>
  actions.find((a) => a.type === type) as Extract<VoiceGatewayAction, { type: T }> | undefined;

function readyCore(options: Partial<ConstructorParameters<typeof VoiceGatewayCore>[0]> = {}) {
  let now = 1000;
  const core = new VoiceGatewayCore({ ...creds, now: () => now, minHeartbeatIntervalMs: 100, ...options });
  core.start();
  core.onOpen();
  core.onMessage(JSON.stringify({ op: 8, d: { heartbeat_interval: 100 } }));
  core.onMessage(
    JSON.stringify({
      op: 2,
      d: { ssrc: 5, ip: '127.0.0.1', port: 4000, modes: ['aead_aes256_gcm_rtpsize'] },
      seq: 0,
    }),
  );
  return { core, advance: (ms: number) => (now += ms) };
}

describe('VoiceGatewayCore', () => {
  it('identifies with max_dave_protocol_version and starts heartbeating from HELLO', () => {
    const core = new VoiceGatewayCore({ ...creds, maxDaveProtocolVersion: 1 });
    expect(find(core.start(), 'connect')).toEqual({ type: 'connect', delayMs: 0 });
    const [identify] = sent(core.onOpen());
    expect(identify).toEqual({
      op: 0,
      d: {
        server_id: 'g',
        user_id: 'u',
        session_id: 's',
        token: 'secret-token',
        max_dave_protocol_version: 1,
      },
    });
    expect(find(core.onMessage('{"op":8,"d":{"heartbeat_interval":41250}}'), 'heartbeat')?.intervalMs).toBe(
      41250,
    );
  });

  it('raises a HELLO heartbeat_interval below the floor instead of spinning the timer', () => {
    const core = new VoiceGatewayCore(creds);
    core.start();
    core.onOpen();
    expect(find(core.onMessage('{"op":8,"d":{"heartbeat_interval":0.5}}'), 'heartbeat')?.intervalMs).toBe(
      250,
    );
    expect(core.counters.heartbeatIntervalRaised).toBe(1);
    const lowered = new VoiceGatewayCore({ ...creds, minHeartbeatIntervalMs: 10 });
    lowered.start();
    lowered.onOpen();
    expect(find(lowered.onMessage('{"op":8,"d":{"heartbeat_interval":20}}'), 'heartbeat')?.intervalMs).toBe(
      20,
    );
    expect(lowered.counters.heartbeatIntervalRaised).toBe(0);
  });

  it('has a typed event for every opcode the catalog says a server sends (op 3 is answered instead)', () => {
    const names = voiceReceiveEventNames as Record<number, string | undefined>;
    const serverSent = voiceOpcodes.filter(
      (o) => o.direction !== 'send' && o.code !== VoiceOpcodes.HEARTBEAT,
    );
    expect(serverSent.length).toBeGreaterThan(15);
    for (const o of serverSent) expect(names[o.code], `${o.code} ${o.name}`).toBeDefined();
    const { core } = readyCore();
    expect(sent(core.onMessage('{"op":3,"d":{"t":1}}'))[0]?.op).toBe(3);
  });

  it('heartbeats {t, seq_ack}: -1 before any seq, and 0 is a valid seq', () => {
    const core = new VoiceGatewayCore({ ...creds, now: () => 42 });
    core.start();
    core.onOpen();
    expect(sent(core.onHeartbeatTimer())[0]).toEqual({ op: 3, d: { t: 42, seq_ack: -1 } });
    core.onMessage(JSON.stringify({ op: 2, d: { ssrc: 1, ip: '1.2.3.4', port: 5, modes: [] }, seq: 0 }));
    expect(core.seq).toBe(0);
    expect(sent(core.onHeartbeatTimer())[0]?.d.seq_ack).toBe(0);
  });

  it('binary frames update seq and surface as DAVE events; client binary is op|payload', () => {
    const { core } = readyCore();
    const actions = core.onMessage(
      encodeServerBinaryFrame(7, VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, Uint8Array.of(1, 2)),
    );
    const ev = find(actions, 'event')!.event;
    expect(ev.name).toBe('daveMlsExternalSender');
    expect([...(ev.data as Uint8Array)]).toEqual([1, 2]);
    expect(core.seq).toBe(7);
    const out = find(core.sendBinary(VoiceOpcodes.DAVE_MLS_KEY_PACKAGE, Uint8Array.of(9)), 'sendBinary');
    expect([...out!.data]).toEqual([26, 9]);
    // A server must not send op 26; it is dropped and counted.
    expect(find(core.onMessage(encodeServerBinaryFrame(8, 26, Uint8Array.of())), 'invalid')).toBeDefined();
    expect(core.seq).toBe(7);
  });

  it('resumes with seq_ack after 4015 and flushes what was queued meanwhile after RESUMED', () => {
    const { core } = readyCore();
    core.onMessage(JSON.stringify({ op: 5, d: { user_id: '123', ssrc: 9, speaking: 1 }, seq: 3 }));
    const close = core.onClose(4015);
    expect(find(close, 'closed')?.policy).toBe('resume');
    expect(find(close, 'connect')).toBeDefined();
    expect(sent(core.send(VoiceOpcodes.SPEAKING, { speaking: 1, delay: 0, ssrc: 5 }))).toEqual([]);
    expect(sent(core.onOpen())[0]).toEqual({
      op: 7,
      d: { server_id: 'g', session_id: 's', token: 'secret-token', seq_ack: 3 },
    });
    const resumed = core.onMessage('{"op":9,"d":null}');
    expect(sent(resumed).map((m) => m.op)).toEqual([5]);
    expect(core.phase).toBe('ready');
  });

  it('re-identifies (fresh seq) on newSession codes and ends with rejoin/fatal per policy', () => {
    const { core } = readyCore();
    core.onClose(4001);
    expect(core.seq).toBe(-1);
    expect(sent(core.onOpen())[0]?.op).toBe(0);
    const { core: c2 } = readyCore();
    expect(find(c2.onClose(4006), 'end')?.policy).toBe('rejoin');
    const { core: c3 } = readyCore();
    const end = find(c3.onClose(4017), 'end');
    expect(end?.policy).toBe('fatal');
    expect(end?.error).toBeInstanceOf(E2EERequiredError);
    expect(end?.error?.message).toMatch(/this channel requires E2EE/);
  });

  it('a server that resumes and closes at once runs out of reconnects; a heartbeat round trip resets them', () => {
    const { core } = readyCore({ maxReconnectAttempts: 3 });
    const delays: number[] = [];
    let end: Extract<VoiceGatewayAction, { type: 'end' }> | undefined;
    for (let i = 0; i < 10 && !end; i++) {
      const actions = core.onClose(4015);
      end = find(actions, 'end');
      const connect = find(actions, 'connect');
      if (connect) delays.push(connect.delayMs);
      if (end) break;
      core.onOpen();
      core.onMessage('{"op":9,"d":null}');
    }
    expect(end?.policy).toBe('rejoin');
    expect(end?.error?.code).toBe('RECONNECT_LIMIT');
    expect(delays).toEqual([0, 250, 500]);

    const { core: healthy } = readyCore({ maxReconnectAttempts: 3 });
    for (let i = 0; i < 10; i++) {
      const actions = healthy.onClose(4015);
      expect(find(actions, 'end')).toBeUndefined();
      expect(find(actions, 'connect')?.delayMs).toBe(0);
      healthy.onOpen();
      healthy.onMessage('{"op":9,"d":null}');
      healthy.onHeartbeatTimer();
      healthy.onMessage('{"op":6,"d":{"t":1000}}');
    }
  });

  it('treats unanswered heartbeats as a dead socket and resumes', () => {
    const { core } = readyCore({ maxMissedHeartbeats: 2 });
    core.onHeartbeatTimer();
    core.onHeartbeatTimer();
    const actions = core.onHeartbeatTimer();
    expect(find(actions, 'terminate')?.code).toBe(ZOMBIE_CLOSE_CODE);
    expect(find(actions, 'connect')).toBeDefined();
    expect(sent(core.onOpen())[0]?.op).toBe(7);
  });

  it('measures ping from the ACK', () => {
    const { core, advance } = readyCore();
    core.onHeartbeatTimer();
    advance(25);
    core.onMessage('{"op":6,"d":{"t":1000}}');
    expect(core.ping).toBe(25);
  });

  it('gives up with a rejoin after too many failed reconnects, backing off', () => {
    const core = new VoiceGatewayCore({ ...creds, maxReconnectAttempts: 3 });
    core.start();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) delays.push(find(core.onClose(1006), 'connect')!.delayMs);
    expect(delays[0]).toBe(0);
    expect(delays[2]).toBeGreaterThan(delays[1]!);
    expect(find(core.onClose(1006), 'end')?.error?.code).toBe('RECONNECT_LIMIT');
  });

  it('never puts the token in an error message or event', () => {
    const { core } = readyCore();
    const all = [...core.onClose(4004), ...core.onClose(4017)];
    expect(
      JSON.stringify(
        all.filter((a) => a.type !== 'send'),
        (_k, v) => (v instanceof Error ? v.message : v),
      ),
    ).not.toContain('secret-token');
  });

  it('any text or bytes from the network: dropped and counted or accepted, never a throw', () => {
    const { core } = readyCore();
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({ op: fc.integer({ min: -2, max: 40 }), d: fc.anything(), seq: fc.option(fc.anything()) })
        .map((x) => JSON.stringify(x)),
    );
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.uint8Array({ maxLength: 64 })), (input) => {
        const before = core.counters.invalidFrames;
        const actions = core.onMessage(input);
        const invalid = actions.some((a) => a.type === 'invalid');
        expect(invalid ? core.counters.invalidFrames === before + 1 : true).toBe(true);
      }),
      { numRuns: 2000, seed: 4 },
    );
    expect(core.counters.invalidFrames).toBeGreaterThan(100);
  });
});
