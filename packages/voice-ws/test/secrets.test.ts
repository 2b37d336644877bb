import { inspect } from 'node:util';
import { startVoiceServer } from '@cordwire/emulator';
import { describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceAdapterCreator } from '../src/index.js';
import { sessionKeyBytes } from '../src/sessionKey.js';
import { fastClock, waitFor } from './helpers/harness.js';

describe('secrets', () => {
  it('voice tokens and session keys never reach client debug lines, server logs or errors', async () => {
    const serverLog: string[] = [];
    const server = await startVoiceServer({ plainWs: true, e2ee: 'off', logger: (l) => serverLog.push(l) });
    const tokens: string[] = [];
    const adapter: VoiceAdapterCreator = (m) => ({
      sendPayload: ({ d }) => {
        if (d.channel_id === null) return true;
        const { token } = server.allocate({
          guildId: 'g',
          channelId: d.channel_id,
          userId: 'u',
          sessionId: 's',
        });
        tokens.push(token);
        queueMicrotask(() => {
          m.onVoiceStateUpdate({ session_id: 's', user_id: 'u', channel_id: d.channel_id });
          m.onVoiceServerUpdate({ token, guild_id: 'g', endpoint: server.plainEndpoint! });
        });
        return true;
      },
      destroy() {},
    });
    const debug: string[] = [];
    const conn = joinVoiceChannel({
      dave: false,
      guildId: 'g',
      channelId: 'c',
      adapterCreator: adapter,
      scheme: 'ws',
      sendClock: fastClock(20),
      debug: (l) => debug.push(l),
    });
    try {
      await conn.ready();
      // The key is opaque in public; the test reads its bytes through the package-internal accessor.
      const key = sessionKeyBytes(conn.gateway!.core.sessionDescription!.secret_key);
      const keyText = [...key].join(',');
      // Inspecting the live objects (what a crash dump or console.log shows) leaks neither.
      const keyForms = [keyText, [...key].join(', '), Buffer.from(key).toString('hex')];
      for (const object of [conn, conn.gateway, conn.gateway!.core]) {
        const text = inspect(object, { depth: 8, showHidden: true, getters: false });
        for (const t of tokens) expect(text).not.toContain(t);
        for (const form of keyForms) expect(text).not.toContain(form);
      }
      server.control.crash();
      await waitFor(() => server.stats().resumes > 0 && conn.state.status === 'ready', 5000, 'resumed');
      server.control.closeMember('u', 4004);
      await waitFor(() => conn.stats.rejoins === 1 && conn.state.status === 'ready', 5000, 'rejoined');
      server.control.closeMember('u', 4014);
      await waitFor(() => conn.state.status === 'disconnected', 5000, 'disconnected');
      const everything = [
        ...debug,
        ...serverLog,
        conn.state.error?.message ?? '',
        String(conn.state.error?.stack),
      ].join('\n');
      expect(debug.length).toBeGreaterThan(5);
      expect(serverLog.length).toBeGreaterThan(2);
      for (const t of tokens) expect(everything).not.toContain(t);
      expect(everything).not.toContain(keyText);
    } finally {
      conn.destroy();
      await server.close();
    }
  });
});
