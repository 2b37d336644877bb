import { createServer } from 'node:net';
import type { VoiceServer } from '@cordwire/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceAdapterLibraryMethods, type VoiceConnection } from '../src/index.js';
import { fastClock, testAdapter, voiceServer, waitFor } from './helpers/harness.js';

describe('VoiceConnection states', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
    server = undefined;
  });

  it('signalling -> connecting -> ready; a null endpoint goes back to signalling; channel null is "left"', async () => {
    server = await voiceServer();
    let methods: VoiceAdapterLibraryMethods | undefined;
    const inner = testAdapter(server, { userId: '7' }).creator;
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      scheme: 'ws',
      sendClock: fastClock(20),
      adapterCreator: (m) => {
        methods = m;
        return inner(m);
      },
    });
    conns.push(conn);
    const seen: string[] = [conn.state.status];
    conn.on('stateChange', (_, n) => seen.push(n.status));
    await conn.ready();
    expect(seen).toEqual(['signalling', 'connecting', 'ready']);
    methods!.onVoiceServerUpdate({ token: 'x', guild_id: 'g', endpoint: null });
    expect(conn.state.status).toBe('signalling');
    const { token } = server.allocate({ guildId: 'g', channelId: 'c', userId: '7', sessionId: 'sess-7' });
    methods!.onVoiceServerUpdate({ token, guild_id: 'g', endpoint: server.plainEndpoint! });
    await conn.ready();
    methods!.onVoiceStateUpdate({ session_id: 'sess-7', user_id: '7', channel_id: null });
    expect(conn.state).toMatchObject({ status: 'disconnected', reason: 'left' });
    conn.destroy();
    expect(conn.state.status).toBe('destroyed');
  });

  it('a server that closes every new session at once (4006) ends in rejoinLimit instead of looping', async () => {
    server = await voiceServer();
    const adapter = testAdapter(server, { userId: '77' });
    // Timers that never fire: no heartbeat round trip can vouch for any of these sessions.
    const never = {
      setTimeout: () => 0,
      clearTimeout: () => {},
      setInterval: () => 0,
      clearInterval: () => {},
    };
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      scheme: 'ws',
      sendClock: fastClock(20),
      adapterCreator: adapter.creator,
      maxRejoinAttempts: 2,
      timers: never,
    });
    conns.push(conn);
    let readies = 0;
    conn.on('stateChange', (_, next) => {
      if (next.status === 'ready') readies++;
    });
    let closes = 0;
    for (; closes < 10; closes++) {
      await waitFor(
        () => readies > closes || conn.state.status === 'disconnected',
        5000,
        'ready again or given up',
      );
      if (conn.state.status === 'disconnected') break;
      server.control.closeMember('77', 4006);
    }
    expect(conn.state).toMatchObject({ status: 'disconnected', reason: 'rejoinLimit', closeCode: 4006 });
    expect(closes).toBe(3);
    expect(conn.stats.rejoins).toBe(2);
  });

  it('an unreachable voice endpoint ends in disconnected (rejoinLimit) after bounded retries', async () => {
    // A port that refuses connections: bound then closed, never listened on again.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    let op4 = 0;
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      scheme: 'ws',
      sendClock: fastClock(20),
      maxReconnectAttempts: 1,
      maxRejoinAttempts: 2,
      adapterCreator: (m) => ({
        sendPayload: (p) => {
          if (p.d.channel_id === null) return true;
          op4++;
          queueMicrotask(() => {
            m.onVoiceStateUpdate({ session_id: 's', user_id: 'u', channel_id: 'c' });
            m.onVoiceServerUpdate({ token: `t${op4}`, guild_id: 'g', endpoint: `127.0.0.1:${port}` });
          });
          return true;
        },
        destroy() {},
      }),
    });
    conns.push(conn);
    await waitFor(() => conn.state.status === 'disconnected', 10_000, 'disconnected');
    expect(conn.state.reason).toBe('rejoinLimit');
    expect(op4).toBe(3); // the join and two rejoins
  });

  it('a malformed endpoint is handled like an unreachable one, never thrown at the adapter', async () => {
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      scheme: 'ws',
      sendClock: fastClock(20),
      maxReconnectAttempts: 1,
      maxRejoinAttempts: 1,
      adapterCreator: (m) => ({
        sendPayload: (p) => {
          if (p.d.channel_id === null) return true;
          queueMicrotask(() => {
            m.onVoiceStateUpdate({ session_id: 's', user_id: 'u', channel_id: 'c' });
            m.onVoiceServerUpdate({ token: 't', guild_id: 'g', endpoint: 'not a host:::' });
          });
          return true;
        },
        destroy() {},
      }),
    });
    conns.push(conn);
    await waitFor(() => conn.state.status === 'disconnected', 10_000, 'disconnected');
    expect(conn.state.reason).toBe('rejoinLimit');
  });
});
