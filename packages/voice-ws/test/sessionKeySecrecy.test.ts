import { inspect } from 'node:util';
import { buildIpDiscoveryResponse } from '@cordwire/voice-udp';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeVoiceMessage, joinVoiceChannel, VoiceGatewayCore } from '../src/index.js';
import { fastClock, fixedEndpointAdapter, syntheticFrame, waitFor } from './helpers/harness.js';
import { handWrittenServer } from './helpers/handWrittenServer.js';

// The transport key (op 4 secret_key) must not be reachable from anything a bot might print or
// serialize: events, getters, errors, logs, util.inspect (with showHidden and getters) and
// JSON.stringify. A voice server on loopback hands out a key whose bytes are easy to spot.

const KEY = Array.from({ length: 32 }, (_, i) => 200 + (i % 50));
const keyForms = [
  KEY.join(','),
  KEY.join(', '),
  KEY.slice(0, 8).join(',\n'),
  Buffer.from(KEY).toString('hex'),
  Buffer.from(KEY).toString('base64'),
  // util.inspect of a Uint8Array / Buffer prints the bytes one per entry or as hex pairs.
  `${KEY[0]}, ${KEY[1]}, ${KEY[2]}`,
  `${KEY[0]!.toString(16)} ${KEY[1]!.toString(16)} ${KEY[2]!.toString(16)}`,
];

function leaks(text: string): string[] {
  return keyForms.filter((f) => text.includes(f));
}

/** Every rendering a bot could make of a value. */
function renderings(value: unknown): string[] {
  const out = [
    inspect(value, { depth: 12, showHidden: true, getters: true }),
    inspect(value, { depth: 12, showHidden: false, getters: false }),
  ];
  try {
    out.push(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '');
  } catch {
    // Cyclic objects cannot be JSON: nothing leaks that way.
  }
  out.push(String(value));
  return out;
}

describe('the transport session key stays private', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('decodeVoiceMessage and the core hand out an opaque key, not bytes', () => {
    const msg = JSON.stringify({ op: 4, d: { mode: 'aead_aes256_gcm_rtpsize', secret_key: KEY }, seq: 1 });
    const decoded = decodeVoiceMessage(msg);
    expect(decoded.ok).toBe(true);
    for (const text of renderings(decoded)) expect(leaks(text)).toEqual([]);
    const core = new VoiceGatewayCore({ serverId: 'g', userId: 'u', sessionId: 's', token: 't' });
    core.start();
    core.onOpen();
    const actions = core.onMessage(msg);
    for (const text of renderings(actions)) expect(leaks(text)).toEqual([]);
    for (const text of renderings(core.sessionDescription)) expect(leaks(text)).toEqual([]);
    for (const text of renderings(core)) expect(leaks(text)).toEqual([]);
    expect(core.sessionDescription?.secret_key.length).toBe(32);
  });

  it('events, getters, logs, errors, inspect and JSON of a live connection never show it', async () => {
    const SSRC = 9;
    const { udp, wss, udpPort, endpoint } = await handWrittenServer(cleanup);
    let rtp = 0;
    udp.on('message', (msg, rinfo) => {
      if (msg.length === 74 && msg[1] === 1) {
        const reply = buildIpDiscoveryResponse({ ssrc: SSRC, address: rinfo.address, port: rinfo.port });
        udp.send(reply, rinfo.port, rinfo.address);
      } else if (msg.length > 12 && msg[0]! >> 6 === 2) {
        rtp++;
      }
    });
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ op: 8, d: { heartbeat_interval: 10_000 } }));
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw));
        if (m.op === 0) {
          const port = udpPort();
          const ready = { ssrc: SSRC, ip: '127.0.0.1', port, modes: ['aead_aes256_gcm_rtpsize'] };
          ws.send(JSON.stringify({ op: 2, d: ready, seq: 0 }));
        } else if (m.op === 1) {
          ws.send(JSON.stringify({ op: 4, d: { mode: m.d.data.mode, secret_key: KEY }, seq: 1 }));
        }
      });
    });
    const debug: string[] = [];
    const events: unknown[] = [];
    const conn = joinVoiceChannel({
      guildId: 'g',
      channelId: 'c',
      adapterCreator: fixedEndpointAdapter(endpoint),
      scheme: 'ws',
      sendClock: fastClock(4),
      debug: (l) => debug.push(l),
    });
    cleanup.unshift(() => conn.destroy());
    // Record every event either object emits, whatever its name.
    const record = (emitter: { emit: (name: string | symbol, ...args: unknown[]) => boolean }) => {
      const emit = emitter.emit.bind(emitter);
      emitter.emit = (name, ...args) => {
        events.push({ name: String(name), args });
        return emit(name, ...args);
      };
    };
    record(conn as never);
    await waitFor(() => conn.gateway !== undefined, 5000, 'gateway');
    record(conn.gateway as never);
    await conn.ready();
    await conn.play(Array.from({ length: 5 }, (_, i) => syntheticFrame(i)));
    await waitFor(() => rtp >= 5, 5000, 'media sent with the key');
    expect(events.some((e) => (e as { name: string }).name === 'sessionDescription')).toBe(true);
    const everything = [conn, conn.gateway, conn.gateway?.core, conn.state, conn.stats, events, debug];
    for (const value of everything) {
      for (const text of renderings(value)) expect(leaks(text)).toEqual([]);
    }
    conn.destroy();
    for (const text of renderings(conn.state)) expect(leaks(text)).toEqual([]);
  });
});
