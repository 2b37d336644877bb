import type { VoiceServer } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceConnection } from '../src/index.js';
import { type DjsMessage, type DjsPeer, startDjsPeer, wssAdapter } from './helpers/djsChild.js';
import { fastClock, voiceServer, waitFor } from './helpers/harness.js';
import { encodeTone } from './helpers/realOpus.js';

const GUILD = '310';
const CHANNEL = '311';
const DJS_USER = '910';
const OUR_USER = '911';

/**
 * @discordjs/voice with its own DAVE (davey) in a child process and our client (dave-mls) join the
 * emulator's default channel, which requires E2EE, over wss. Both negotiate DAVE v1, end up in one
 * MLS group (same privacy code), and exchange real Opus (opusenc) both ways, byte for byte.
 */
describe('@discordjs/voice interop with DAVE', () => {
  let server: VoiceServer;
  let peer: DjsPeer;
  let child: DjsPeer['child'];
  let inbox: DjsMessage[];
  let ours: VoiceConnection;
  const fail = (e: Error) => {
    throw new Error(`${e.message}\n${peer.logs.join('\n')}`);
  };

  beforeAll(async () => {
    server = await voiceServer({ plainWs: false, heartbeatIntervalMs: 2000, e2ee: 'required' });
    peer = await startDjsPeer(server, {
      userId: DJS_USER,
      sessionId: 'djs-dave-session',
      args: { guildId: GUILD, channelId: CHANNEL, daveEncryption: true },
    });
    ({ child, inbox } = peer);

    ours = joinVoiceChannel({
      guildId: GUILD,
      channelId: CHANNEL,
      adapterCreator: wssAdapter(server, { userId: OUR_USER, sessionId: 'our-dave-session' }),
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

  async function djsDave(): Promise<{ protocolVersion: number; privacyCode: string }> {
    const before = inbox.length;
    child.send({ type: 'dave' });
    await waitFor(() => inbox.slice(before).some((m) => m.type === 'dave'), 5000, 'dave state');
    return inbox.slice(before).find((m) => m.type === 'dave') as never;
  }

  it('both negotiate DAVE v1 and land in one MLS group (same voice privacy code)', async () => {
    // Poll discord.js until both sides show the same code (or the deadline passes).
    const deadline = Date.now() + 15_000;
    let theirs = await djsDave();
    while (!(ours.voicePrivacyCode !== '' && theirs.privacyCode === ours.voicePrivacyCode)) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
      theirs = await djsDave();
    }
    expect(ours.daveProtocolVersion).toBe(1);
    expect(theirs.protocolVersion).toBe(1);
    expect(ours.voicePrivacyCode).toMatch(/^\d{30}$/);
    expect(theirs.privacyCode).toBe(ours.voicePrivacyCode);
    const djs = server.control.members().find((m) => m.userId === DJS_USER);
    expect(djs?.daveProtocolVersion).toBe(1);
  });

  it('discord.js receives our real Opus packets decrypted, byte for byte', async () => {
    const packets = encodeTone(2, 440);
    child.send({ type: 'listen', userId: OUR_USER, raw: true });
    await waitFor(() => inbox.some((m) => m.type === 'listening'), 5000, 'listening');
    const before = inbox.length;
    await ours.play(packets);
    const got = () =>
      inbox
        .slice(before)
        .filter((m) => m.type === 'packet')
        .map((m) => Buffer.from(m.packet as string, 'base64'))
        // The five silence frames that end a spurt are not part of the audio.
        .filter((b) => b.toString('hex') !== 'f8fffe');
    await waitFor(
      () => got().length >= packets.length,
      10_000,
      `${packets.length} packets at discord.js`,
    ).catch((e: Error) => fail(new Error(`${e.message}; got ${got().length}`)));
    expect(got().map((b) => b.toString('hex'))).toEqual(packets.map((p) => Buffer.from(p).toString('hex')));
    expect(ours.daveStats?.encrypted).toBeGreaterThanOrEqual(packets.length);
  });

  it('our client receives discord.js real Opus packets decrypted, byte for byte', async () => {
    const packets = encodeTone(2, 660);
    const got: string[] = [];
    ours.on('frame', (f) => {
      if (f.userId === DJS_USER && f.opus && f.opus.length > 3) got.push(Buffer.from(f.opus).toString('hex'));
    });
    child.send({ type: 'play', packets: packets.map((p) => Buffer.from(p).toString('base64')) });
    await waitFor(
      () => got.length >= packets.length,
      15_000,
      `${packets.length} packets at our client`,
    ).catch((e: Error) => fail(new Error(`${e.message}; got ${got.length}`)));
    expect(got).toEqual(packets.map((p) => Buffer.from(p).toString('hex')));
    const stats = ours.daveStats?.receive.get(DJS_USER);
    expect(stats?.decrypted).toBeGreaterThanOrEqual(packets.length);
    expect(stats?.failed).toBe(0);
  });
});
