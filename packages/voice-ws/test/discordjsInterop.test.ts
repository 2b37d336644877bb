import type { VoiceServer } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceConnection } from '../src/index.js';
import { type DjsMessage, type DjsPeer, startDjsPeer, wssAdapter } from './helpers/djsChild.js';
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
  let peer: DjsPeer;
  let child: DjsPeer['child'];
  let inbox: DjsMessage[];
  let logs: string[];
  let ours: VoiceConnection;

  beforeAll(async () => {
    server = await voiceServer({ plainWs: false, heartbeatIntervalMs: 2000 });
    peer = await startDjsPeer(server, {
      userId: DJS_USER,
      sessionId: 'djs-session',
      args: { guildId: GUILD, channelId: CHANNEL },
    });
    ({ child, inbox, logs } = peer);

    // Our client over wss, trusting the emulator's certificate through `ca`.
    ours = joinVoiceChannel({
      dave: false,
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: wssAdapter(server, { userId: OUR_USER, sessionId: 'our-session' }),
      ca: server.caPem,
      sendClock: fastClock(20),
    });
    await ours.ready();
  }, 60_000);

  afterAll(async () => {
    ours?.destroy();
    await peer?.stop();
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
