import { type Emulator, startEmulator, type VoiceServer } from '@cordwire/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinVoiceChannel, type VoiceConnection } from '../src/index.js';
import { mainGatewayAdapter, type MainGatewayAdapter } from './helpers/gatewayAdapter.js';
import {
  fastClock,
  frameIndex,
  joinOverWs,
  syntheticFrame,
  voiceServer,
  waitFor,
} from './helpers/harness.js';

const GUILD = '1300000000000000100';
const VOICE = '1300000000000000102';

/**
 * The full path: op 4 over the emulator's main gateway, the voice server attached as the
 * emulator's voice provider, VOICE_SERVER_UPDATE's bare host:port endpoint dialled over wss.
 */
describe('through the emulator main gateway', () => {
  let voice: VoiceServer;
  let emu: Emulator;
  let gateway: MainGatewayAdapter;
  let bot: VoiceConnection;
  let alice: VoiceConnection;

  beforeAll(async () => {
    voice = await voiceServer();
    emu = await startEmulator({ voice });
    gateway = await mainGatewayAdapter(emu.gatewayUrl, emu.token);
  });
  afterAll(async () => {
    alice?.destroy();
    bot?.destroy();
    gateway?.close();
    await emu?.close();
    await voice?.close();
  });

  it('joins over wss from VOICE_SERVER_UPDATE and is heard by another member', async () => {
    bot = joinVoiceChannel({
      dave: false,
      guildId: GUILD,
      channelId: VOICE,
      adapterCreator: gateway.creator,
      ca: voice.caPem,
      sendClock: fastClock(10),
    });
    await bot.ready();
    const member = voice.control.members().find((m) => m.userId === gateway.userId);
    expect(member?.channelId).toBe(VOICE);
    // A second user (simulated: the emulator has one bot identity) joins through the provider seam.
    alice = joinOverWs(voice, {
      dave: false,
      guildId: GUILD,
      channelId: VOICE,
      userId: '1300000000000000010',
      sendClock: fastClock(10),
    });
    await alice.ready();
    const got: number[] = [];
    alice.on('frame', (f) => {
      const i = f.opus && frameIndex(f.opus);
      if (f.userId === gateway.userId && typeof i === 'number') got.push(i);
    });
    await bot.play(Array.from({ length: 50 }, (_, i) => syntheticFrame(i)));
    await waitFor(() => got.length >= 50, 10_000, 'alice heard the bot');
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('leaving (op 4 with channel null) releases the voice session: others get CLIENT_DISCONNECT', async () => {
    const gone = new Promise<string>((r) => alice.once('clientDisconnect', r));
    bot.destroy();
    expect(await gone).toBe(gateway.userId);
    await waitFor(() => !voice.control.members().some((m) => m.userId === gateway.userId), 5000, 'released');
  });
});
