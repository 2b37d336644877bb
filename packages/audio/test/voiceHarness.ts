/**
 * Two members in one emulated voice channel over real sockets on 127.0.0.1: the emulator's voice
 * server, and an adapter that plays the main gateway's part (allocate on join, then
 * VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE). DAVE is off on both ends (requireE2EE: false,
 * daveProtocolVersion 0 on the server, maxDaveProtocolVersion 0 on the clients), so the frames
 * carry plain Opus under transport encryption.
 */
import { startVoiceServer, type VoiceServer } from '@cordwire/emulator';
import { type VoiceAdapterCreator, type VoiceConnection, joinVoiceChannel } from '@cordwire/voice-ws';
import type { AudioPlayer } from '../src/index.js';

export const GUILD = '100';
export const CHANNEL = '200';

export function voiceServer(): Promise<VoiceServer> {
  return startVoiceServer({
    plainWs: true,
    heartbeatIntervalMs: 1000,
    requireE2EE: false,
    daveProtocolVersion: 0,
  });
}

function adapter(server: VoiceServer, userId: string): VoiceAdapterCreator {
  const sessionId = `sess-${userId}`;
  return (methods) => ({
    sendPayload(payload) {
      const { guild_id, channel_id } = payload.d;
      queueMicrotask(() => {
        if (channel_id === null) {
          server.release({ guildId: guild_id, userId, sessionId, channelId: null });
          methods.onVoiceStateUpdate({ session_id: sessionId, user_id: userId, guild_id, channel_id: null });
          return;
        }
        const { endpoint, token } = server.allocate({
          guildId: guild_id,
          channelId: channel_id,
          userId,
          sessionId,
        });
        methods.onVoiceStateUpdate({ session_id: sessionId, user_id: userId, guild_id, channel_id });
        methods.onVoiceServerUpdate({ token, guild_id, endpoint: server.plainEndpoint ?? endpoint });
      });
      return true;
    },
    destroy() {},
  });
}

export function join(server: VoiceServer, userId: string): VoiceConnection {
  return joinVoiceChannel({
    guildId: GUILD,
    channelId: CHANNEL,
    adapterCreator: adapter(server, userId),
    scheme: 'ws',
    maxDaveProtocolVersion: 0,
  });
}

/**
 * The connection's pull source for a player. voice-ws's play() treats null as "the end" and
 * undefined as "nothing this tick" (frameSource.ts FramePull), but its public OpusSource type
 * only names null; hence the cast. Ends once the player went idle after playing.
 */
export function playerPull(player: AudioPlayer): () => Uint8Array | null {
  let played = false;
  const pull = (): Uint8Array | null | undefined => {
    const frame = player.nextFrame();
    if (frame) {
      played = true;
      return frame;
    }
    return played && player.status === 'idle' ? null : undefined;
  };
  return pull as () => Uint8Array | null;
}

export function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const check = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 10);
    };
    check();
  });
}
