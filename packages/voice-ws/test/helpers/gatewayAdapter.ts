/**
 * The smallest main-gateway client that can drive a voice connection: identify, heartbeat,
 * and route our own VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE to the adapter. This stands in
 * for @cordwire/gateway (no dependency on it) to prove the adapter seam with the emulator.
 */
import WebSocket from 'ws';
import type { VoiceAdapterCreator, VoiceAdapterLibraryMethods } from '../../src/index.js';

export interface MainGatewayAdapter {
  readonly creator: VoiceAdapterCreator;
  readonly userId: string;
  close(): void;
}

export async function mainGatewayAdapter(gatewayUrl: string, token: string): Promise<MainGatewayAdapter> {
  const ws = new WebSocket(`${gatewayUrl}/?v=10&encoding=json`);
  const handlers = new Map<string, VoiceAdapterLibraryMethods>();
  let heartbeat: NodeJS.Timeout | undefined;
  let seq: number | null = null;
  const userId = await new Promise<string>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (raw) => {
      // biome-ignore lint/suspicious/noExplicitAny: raw gateway frames; the fields read are checked by the test
      const p = JSON.parse(String(raw)) as { op: number; d: any; s?: number; t?: string };
      if (typeof p.s === 'number') seq = p.s;
      if (p.op === 10) {
        heartbeat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: seq })), p.d.heartbeat_interval);
        heartbeat.unref();
        ws.send(
          JSON.stringify({
            op: 2,
            d: {
              token,
              intents: 1 | (1 << 7),
              properties: { os: 'linux', browser: 'cordwire-test', device: 'cordwire-test' },
            },
          }),
        );
      } else if (p.op === 0 && p.t === 'READY') {
        resolve(p.d.user.id);
      } else if (p.op === 0 && p.t === 'VOICE_STATE_UPDATE') {
        if (p.d.user_id === userIdSeen) handlers.get(p.d.guild_id)?.onVoiceStateUpdate(p.d);
      } else if (p.op === 0 && p.t === 'VOICE_SERVER_UPDATE') {
        handlers.get(p.d.guild_id)?.onVoiceServerUpdate(p.d);
      }
    });
  });
  const userIdSeen = userId;
  const creator: VoiceAdapterCreator = (methods) => {
    let guildId: string | undefined;
    return {
      sendPayload(payload) {
        guildId = payload.d.guild_id;
        handlers.set(guildId, methods);
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(payload));
        return true;
      },
      destroy() {
        if (guildId) handlers.delete(guildId);
      },
    };
  };
  return {
    creator,
    userId,
    close() {
      if (heartbeat) clearInterval(heartbeat);
      ws.close();
    },
  };
}
