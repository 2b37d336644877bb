import { buildIpDiscoveryResponse } from '@cordwire/voice-udp';
import { afterEach, describe, expect, it } from 'vitest';
import { joinVoiceChannel } from '../src/index.js';
import { fastClock, fixedEndpointAdapter, syntheticFrame, waitFor } from './helpers/harness.js';
import { handWrittenServer } from './helpers/handWrittenServer.js';

/**
 * A voice server that sends the same SESSION_DESCRIPTION twice (as a replay after RESUME can).
 * It records the client's RTP and reads the 32-bit nonce counter each AEAD rtpsize datagram
 * carries at its end (research/anchors.md 3.5): under one key it must never repeat, so the
 * client has to keep counting instead of starting a fresh random counter.
 */
describe('a repeated session key', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('keeps the sender and its nonce counter: nonces stay consecutive across the repeat', async () => {
    const SSRC = 9;
    const { udp, wss, udpPort, endpoint } = await handWrittenServer(cleanup);
    const nonces: number[] = [];
    udp.on('message', (msg, rinfo) => {
      if (msg.length === 74 && msg[1] === 1) {
        const reply = buildIpDiscoveryResponse({ ssrc: SSRC, address: rinfo.address, port: rinfo.port });
        udp.send(reply, rinfo.port, rinfo.address);
      } else if (msg.length > 12 && msg[0]! >> 6 === 2) {
        nonces.push(msg.readUInt32BE(msg.length - 4));
      }
    });
    let sendDescription: (() => void) | undefined;
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ op: 8, d: { heartbeat_interval: 10_000 } }));
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw));
        if (m.op === 0) {
          const port = udpPort();
          const ready = { ssrc: SSRC, ip: '127.0.0.1', port, modes: ['aead_aes256_gcm_rtpsize'] };
          ws.send(JSON.stringify({ op: 2, d: ready, seq: 0 }));
        } else if (m.op === 1) {
          let seq = 1;
          sendDescription = () =>
            ws.send(
              JSON.stringify({
                op: 4,
                d: { mode: m.d.data.mode, secret_key: Array(32).fill(7), dave_protocol_version: 0 },
                seq: seq++,
              }),
            );
          sendDescription();
        }
      });
    });
    const adapter = fixedEndpointAdapter(endpoint);
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      adapterCreator: adapter,
      scheme: 'ws',
      sendClock: fastClock(4),
    });
    cleanup.unshift(() => conn.destroy());
    await conn.ready();
    await conn.play(Array.from({ length: 10 }, (_, i) => syntheticFrame(i)));
    // 10 frames and 5 trailing silence frames.
    await waitFor(() => nonces.length === 15, 5000, 'the first spurt');
    sendDescription!();
    await waitFor(() => conn.gateway!.core.seq === 2, 5000, 'repeat seen');
    await conn.play(Array.from({ length: 10 }, (_, i) => syntheticFrame(10 + i)));
    await waitFor(() => nonces.length === 30, 5000, 'the second spurt');
    for (let i = 1; i < nonces.length; i++) expect((nonces[i]! - nonces[i - 1]!) >>> 0).toBe(1);
    expect(conn.state.status).toBe('ready');
  });
});
