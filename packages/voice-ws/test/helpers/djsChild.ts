/**
 * Test plumbing for the @discordjs/voice interop tests: @discordjs/voice runs in a child process
 * (djsPeer.mjs) and this side plays the main gateway for it (answers its op 4 with
 * VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE from the emulator's voice server). Our own client joins
 * the same server over wss through `wssAdapter`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VoiceServer } from '@cordwire/emulator';
import type { VoiceAdapterCreator } from '../../src/index.js';
import { waitFor } from './harness.js';

export type DjsMessage = { type: string; [k: string]: unknown };

export interface DjsPeer {
  readonly child: ChildProcess;
  /** Every message from the child except logs and op 4. */
  readonly inbox: DjsMessage[];
  /** The child's stderr and log lines, to attach to a failure. */
  readonly logs: string[];
  /** Asks the child to leave and waits for it to exit; kills it if it hangs. */
  stop(): Promise<void>;
}

/**
 * Starts @discordjs/voice in a child process trusting the server's CA, and resolves once it
 * reports ready (rejecting with its logs if it does not within 20 s).
 */
export async function startDjsPeer(
  server: VoiceServer,
  peer: { userId: string; sessionId: string; args: Record<string, unknown> },
): Promise<DjsPeer> {
  const path = fileURLToPath(new URL('./djsPeer.mjs', import.meta.url));
  const child = fork(path, [JSON.stringify(peer.args)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caPath },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const inbox: DjsMessage[] = [];
  const logs: string[] = [];
  child.stderr?.on('data', (d) => logs.push(String(d)));
  child.on('message', (m: DjsMessage) => {
    if (m.type === 'log') logs.push(m.line as string);
    else if (m.type === 'op4') {
      const d = (m.payload as { d: { guild_id: string; channel_id: string | null } }).d;
      if (d.channel_id === null) return;
      const { endpoint, token } = server.allocate({
        guildId: d.guild_id,
        channelId: d.channel_id,
        userId: peer.userId,
        sessionId: peer.sessionId,
      });
      child.send({
        type: 'voiceState',
        data: {
          session_id: peer.sessionId,
          user_id: peer.userId,
          guild_id: d.guild_id,
          channel_id: d.channel_id,
          self_deaf: false,
          self_mute: false,
        },
      });
      child.send({ type: 'voiceServer', data: { token, guild_id: d.guild_id, endpoint } });
    } else inbox.push(m);
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.send({ type: 'leave' });
    // The child we started must not outlive the test, even if it hangs.
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(kill);
  };
  await waitFor(() => inbox.some((m) => m.type === 'ready'), 20_000, 'discord.js ready').catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${logs.join('\n')}`);
  });
  return { child, inbox, logs, stop };
}

/**
 * An adapter for our client that allocates a session on the server for every join and hands
 * back the server's wss endpoint (unlike `testAdapter`, which prefers the plain listener).
 */
export function wssAdapter(
  server: VoiceServer,
  user: { userId: string; sessionId: string },
): VoiceAdapterCreator {
  return (methods) => ({
    sendPayload(payload) {
      const { guild_id, channel_id } = payload.d;
      queueMicrotask(() => {
        if (channel_id === null) return;
        const { endpoint, token } = server.allocate({
          guildId: guild_id,
          channelId: channel_id,
          userId: user.userId,
          sessionId: user.sessionId,
        });
        methods.onVoiceStateUpdate({
          session_id: user.sessionId,
          user_id: user.userId,
          guild_id,
          channel_id,
        });
        methods.onVoiceServerUpdate({ token, guild_id, endpoint });
      });
      return true;
    },
    destroy() {},
  });
}
