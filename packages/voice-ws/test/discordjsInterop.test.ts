import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { VoiceServer } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceAdapterCreator, type VoiceConnection } from '../src/index.js';
import { fastClock, frameIndex, syntheticFrame, voiceServer, waitFor } from './helpers/harness.js';

const GUILD = '300';
const CHANNEL = '301';
const DJS_USER = '900';
const OUR_USER = '901';

/**
 * @discordjs/voice (E2EE off) in a child process joins the emulator over wss through its
 * adapter API; our client joins the same channel over wss trusting the emulator's CA.
 */
describe('@discordjs/voice interop', () => {
  let server: VoiceServer;
  let child: ChildProcess;
  let ours: VoiceConnection;
  const inbox: Array<{ type: string; [k: string]: unknown }> = [];
  const logs: string[] = [];

  beforeAll(async () => {
    server = await voiceServer({ plainWs: false, heartbeatIntervalMs: 2000 });
    const peer = fileURLToPath(new URL('./helpers/djsPeer.mjs', import.meta.url));
    child = fork(peer, [JSON.stringify({ guildId: GUILD, channelId: CHANNEL })], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caPath },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stderr?.on('data', (d) => logs.push(String(d)));
    child.on('message', (m: { type: string; [k: string]: unknown }) => {
      if (m.type === 'log') logs.push(m.line as string);
      else if (m.type === 'op4') {
        const d = (m.payload as { d: { guild_id: string; channel_id: string | null } }).d;
        if (d.channel_id === null) return;
        const sessionId = 'djs-session';
        const { endpoint, token } = server.allocate({
          guildId: d.guild_id,
          channelId: d.channel_id,
          userId: DJS_USER,
          sessionId,
        });
        child.send({
          type: 'voiceState',
          data: {
            session_id: sessionId,
            user_id: DJS_USER,
            guild_id: d.guild_id,
            channel_id: d.channel_id,
            self_deaf: false,
            self_mute: false,
          },
        });
        child.send({ type: 'voiceServer', data: { token, guild_id: d.guild_id, endpoint } });
      } else inbox.push(m);
    });
    await waitFor(() => inbox.some((m) => m.type === 'ready'), 20_000, 'discord.js ready').catch((e) => {
      throw new Error(`${e.message}\n${logs.join('\n')}`);
    });

    // Our client over wss, trusting the emulator's certificate through `ca`.
    const adapter: VoiceAdapterCreator = (methods) => ({
      sendPayload(payload) {
        const { guild_id, channel_id } = payload.d;
        queueMicrotask(() => {
          if (channel_id === null) return;
          const sessionId = 'our-session';
          const { endpoint, token } = server.allocate({
            guildId: guild_id,
            channelId: channel_id,
            userId: OUR_USER,
            sessionId,
          });
          methods.onVoiceStateUpdate({ session_id: sessionId, user_id: OUR_USER, guild_id, channel_id });
          methods.onVoiceServerUpdate({ token, guild_id, endpoint });
        });
        return true;
      },
      destroy() {},
    });
    ours = joinVoiceChannel({
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: adapter,
      ca: server.caPem,
      sendClock: fastClock(20),
    });
    await ours.ready();
  }, 60_000);

  afterAll(async () => {
    ours?.destroy();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'leave' });
      // The child we started must not outlive the test, even if it hangs.
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(kill);
    }
    await server?.close();
  });

  it('discord.js joined with aead_aes256_gcm_rtpsize over wss and E2EE off', () => {
    const djs = server.control.members().find((m) => m.userId === DJS_USER);
    expect(djs?.mode).toBe('aead_aes256_gcm_rtpsize');
    expect(djs?.daveProtocolVersion).toBe(0);
    expect(djs?.connected).toBe(true);
  });

  it('discord.js hears our client', async () => {
    child.send({ type: 'listen', userId: OUR_USER });
    await waitFor(() => inbox.some((m) => m.type === 'listening'), 5000, 'listening');
    await ours.play(Array.from({ length: 100 }, (_, i) => syntheticFrame(i)));
    const last = () => [...inbox].reverse().find((m) => m.type === 'heard')?.heard as number[] | undefined;
    await waitFor(() => (last()?.length ?? 0) >= 100, 10_000, 'discord.js heard 100 frames').catch((e) => {
      throw new Error(`${e.message}; heard ${last()?.length ?? 0}\n${logs.join('\n')}`);
    });
    expect(last()).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('our client hears discord.js', async () => {
    const got: number[] = [];
    ours.on('frame', (f) => {
      if (f.userId === DJS_USER && f.opus) {
        const i = frameIndex(f.opus);
        if (i !== undefined) got.push(i);
      }
    });
    child.send({ type: 'play', count: 100 });
    await waitFor(() => got.length >= 100, 15_000, 'our client heard 100 frames').catch((e) => {
      throw new Error(`${e.message}; got ${got.length}\n${logs.join('\n')}`);
    });
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('after a voice server crash (4015) discord.js and our client both resume, and audio still flows', async () => {
    const before = server.stats().resumes;
    server.control.crash();
    await waitFor(() => server.stats().resumes >= before + 2, 15_000, 'both resumed').catch((e) => {
      throw new Error(`${e.message}\n${logs.join('\n')}`);
    });
    await waitFor(() => ours.state.status === 'ready', 5000, 'ours ready');
    const heardBefore =
      ([...inbox].reverse().find((m) => m.type === 'heard')?.heard as number[] | undefined)?.length ?? 0;
    await ours.play(Array.from({ length: 50 }, (_, i) => syntheticFrame(1000 + i)));
    const last = () => [...inbox].reverse().find((m) => m.type === 'heard')?.heard as number[] | undefined;
    await waitFor(() => (last()?.length ?? 0) >= heardBefore + 50, 10_000, 'discord.js heard after resume');
    expect(last()?.slice(-50)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
  });
});
