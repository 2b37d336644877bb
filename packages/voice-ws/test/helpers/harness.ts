/**
 * Test plumbing: a voice server from the emulator and a tiny adapter that plays the main
 * gateway's part of op 4 by asking the voice server's provider seam directly (allocate on
 * join, release on leave), then delivering VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE.
 */
import { startVoiceServer, type VoiceServer, type VoiceServerOptions } from '@cordwire/emulator';
import { SendClock } from '@cordwire/voice-udp';
import {
  joinVoiceChannel,
  type VoiceAdapterCreator,
  type VoiceConnection,
  type VoiceConnectionOptions,
} from '../../src/index.js';

/**
 * A voice server for the tests that predate DAVE: E2EE is off in its channels unless a test asks
 * (the emulator's own default is 'required', as on Discord), and those tests connect with `dave: false`.
 */
export async function voiceServer(options: VoiceServerOptions = {}): Promise<VoiceServer> {
  return startVoiceServer({ plainWs: true, heartbeatIntervalMs: 1000, e2ee: 'off', ...options });
}

export interface TestAdapterControl {
  readonly creator: VoiceAdapterCreator;
  /** op 4 payloads the connection sent. */
  readonly sent: unknown[];
}

export function testAdapter(
  server: VoiceServer,
  user: { userId: string; sessionId?: string },
): TestAdapterControl {
  const sent: unknown[] = [];
  const sessionId = user.sessionId ?? `sess-${user.userId}`;
  const creator: VoiceAdapterCreator = (methods) => ({
    sendPayload(payload) {
      sent.push(payload);
      const { guild_id, channel_id } = payload.d;
      queueMicrotask(() => {
        if (channel_id === null) {
          server.release({ guildId: guild_id, userId: user.userId, sessionId, channelId: null });
          methods.onVoiceStateUpdate({
            session_id: sessionId,
            user_id: user.userId,
            guild_id,
            channel_id: null,
          });
          return;
        }
        const { endpoint, token } = server.allocate({
          guildId: guild_id,
          channelId: channel_id,
          userId: user.userId,
          sessionId,
        });
        methods.onVoiceStateUpdate({ session_id: sessionId, user_id: user.userId, guild_id, channel_id });
        // Our tests use the plain listener; the wss path is covered by its own test.
        methods.onVoiceServerUpdate({ token, guild_id, endpoint: server.plainEndpoint ?? endpoint });
      });
      return true;
    },
    destroy() {},
  });
  return { creator, sent };
}

/**
 * Our connection joining through `testAdapter` as `userId`, over the server's plain ws listener.
 * Every other option is passed through as given.
 */
export function joinOverWs(
  server: VoiceServer,
  options: Omit<VoiceConnectionOptions, 'adapterCreator'> & { userId: string },
): VoiceConnection {
  const { userId, ...rest } = options;
  return joinVoiceChannel({ adapterCreator: testAdapter(server, { userId }).creator, scheme: 'ws', ...rest });
}

/** True once every connection shows the same non-empty voice privacy code: one E2EE group. */
export function inOneGroup(conns: VoiceConnection[]): boolean {
  return conns.every((c) => c.voicePrivacyCode !== '' && c.voicePrivacyCode === conns[0]!.voicePrivacyCode);
}

/** Frame indexes (see `syntheticFrame`) `conn` decodes from `from`, in arrival order. */
export function collectFrameIndexes(conn: VoiceConnection, from: string): number[] {
  const got: number[] = [];
  conn.on('frame', (f) => {
    const i = f.userId === from && f.opus ? frameIndex(f.opus) : undefined;
    if (i !== undefined) got.push(i);
  });
  return got;
}

/**
 * An adapter for tests against a hand-written server: every join answers with the same session
 * ('s', user 'u', guild 'g', channel 'c'), token 't' and the given endpoint.
 */
export function fixedEndpointAdapter(endpoint: () => string): VoiceAdapterCreator {
  return (methods) => ({
    sendPayload: (p) => {
      if (p.d.channel_id === null) return true;
      queueMicrotask(() => {
        methods.onVoiceStateUpdate({ session_id: 's', user_id: 'u', guild_id: 'g', channel_id: 'c' });
        methods.onVoiceServerUpdate({ token: 't', guild_id: 'g', endpoint: endpoint() });
      });
      return true;
    },
    destroy() {},
  });
}

/** A fake Opus frame carrying its index, so the receiver can check order and completeness. */
export function syntheticFrame(i: number): Uint8Array {
  const f = new Uint8Array(40);
  f[0] = 0xfc; // a plausible Opus TOC byte; content is opaque to the transport
  new DataView(f.buffer).setUint32(1, i);
  for (let k = 5; k < f.length; k++) f[k] = (i * 31 + k) & 0xff;
  return f;
}

export function frameIndex(opus: Uint8Array): number | undefined {
  if (opus.length !== 40 || opus[0] !== 0xfc) return undefined;
  return new DataView(opus.buffer, opus.byteOffset, opus.length).getUint32(1);
}

export function fastClock(intervalMs = 5): SendClock {
  return new SendClock({ intervalMs });
}

export function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}
