import { type Emulator, startEmulator, startVoiceServer, type VoiceServer } from '@cordwire/emulator';
import { joinVoiceChannel, type VoiceAdapterCreator, type VoiceConnection } from '@cordwire/voice-ws';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BotError, type Client, createClient } from '../src/index.js';

const GUILD = '1300000000000000100';
const VOICE = '1300000000000000102';
const BOB = '1300000000000000011';

let voice: VoiceServer;
let emu: Emulator;
let client: Client | undefined;
let listener: VoiceConnection | undefined;

beforeEach(async () => {
  voice = await startVoiceServer();
  emu = await startEmulator({ voice });
});
afterEach(async () => {
  listener?.destroy();
  await client?.destroy();
  await emu.close();
  await voice.close();
});

/** Bob, a member who gets his voice server straight from the emulator's voice server. */
function bobJoins(): VoiceConnection {
  const adapter: VoiceAdapterCreator = (methods) => ({
    sendPayload: ({ d }) => {
      if (d.channel_id === null) return true;
      const sessionId = 'bob-session';
      const { endpoint, token } = voice.allocate({
        guildId: GUILD,
        channelId: d.channel_id,
        userId: BOB,
        sessionId,
      });
      methods.onVoiceStateUpdate({ session_id: sessionId, user_id: BOB, channel_id: d.channel_id });
      methods.onVoiceServerUpdate({ token, guild_id: GUILD, endpoint });
      return true;
    },
    destroy: () => {},
  });
  listener = joinVoiceChannel({ guildId: GUILD, channelId: VOICE, adapterCreator: adapter, ca: voice.caPem });
  return listener;
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('joins through its own shard (op 4), plays, a member hears every frame, and leaves on destroy', async () => {
  client = createClient({
    token: emu.token,
    apiUrl: emu.restUrl,
    intents: ['GUILDS', 'GUILD_VOICE_STATES'],
    handleSignals: false,
    voice: { ca: voice.caPem },
  });
  await expect(client.voice.join(GUILD, VOICE)).rejects.toBeInstanceOf(BotError);
  await client.login();
  const connection = await client.voice.join(GUILD, VOICE);
  expect(client.voice.connection(GUILD)).toBe(connection);
  expect(await client.voice.join(GUILD, VOICE)).toBe(connection); // one connection per guild
  const bob = bobJoins();
  await bob.ready(15_000);
  // E2EE: audio is readable once both are in one DAVE group (the same voice privacy code).
  await until(
    () => connection.voicePrivacyCode !== '' && connection.voicePrivacyCode === bob.voicePrivacyCode,
    'the bot and bob to share a DAVE epoch',
  );
  expect(connection.daveProtocolVersion).toBe(1);
  const heard: number[] = [];
  bob.on('frame', (f) => {
    if (f.userId === client?.cache.user?.id && f.opus && f.opus.length > 3) heard.push(f.opus[1] ?? -1);
  });
  const frames = Array.from({ length: 25 }, (_, n) => Uint8Array.of(0xfc, n, 1, 2, 3, 4));
  await connection.play(frames);
  await until(() => heard.length >= 25, 'bob to hear 25 frames');
  expect(heard).toEqual(frames.map((_, n) => n));
  const botId = client.cache.user?.id;
  expect(voice.control.members().some((m) => m.userId === botId)).toBe(true);
  await client.destroy();
  await until(
    () => !voice.control.members().some((m) => m.userId === botId),
    'the bot to leave the voice server',
  );
  expect(connection.state.status).toBe('destroyed');
});
