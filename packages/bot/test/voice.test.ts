import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demuxOggOpus, goertzel, OpusDecoder } from '@cordwire/audio';
import { type Emulator, startEmulator, startVoiceServer, type VoiceServer } from '@cordwire/emulator';
import { joinVoiceChannel, type VoiceAdapterCreator, type VoiceConnection } from '@cordwire/voice-ws';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BotError, type BotVoiceConnection, type Client, createClient } from '../src/index.js';

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

/** Interleaved 48 kHz stereo s16 PCM of a sine tone. */
function tone(frequency: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * 48_000) * 2);
  for (let i = 0; i < out.length / 2; i++)
    out[2 * i] = out[2 * i + 1] = Math.round(Math.sin((2 * Math.PI * frequency * i) / 48_000) * 0.5 * 32767);
  return out;
}

/** The bot's client (not logged in yet), trusting the voice server's CA; destroyed after each test. */
function newClient(): Client {
  client = createClient({
    token: emu.token,
    apiUrl: emu.restUrl,
    intents: ['GUILDS', 'GUILD_VOICE_STATES'],
    handleSignals: false,
    voice: { ca: voice.caPem },
  });
  return client;
}

async function loggedIn(): Promise<Client> {
  const c = newClient();
  await c.login();
  return c;
}

/** E2EE: audio is readable once both are in one DAVE group (the same voice privacy code). */
function sameDaveGroup(call: BotVoiceConnection, bob: VoiceConnection): Promise<void> {
  return until(
    () => call.privacyCode !== '' && call.privacyCode === bob.voicePrivacyCode,
    'the bot and bob to share a DAVE epoch',
  );
}

/** The bot joins the voice channel, then Bob; resolves once both share one DAVE group. */
async function botAndBobJoin(bot: Client): Promise<{ call: BotVoiceConnection; bob: VoiceConnection }> {
  const call = await bot.voice.join(GUILD, VOICE);
  const bob = bobJoins();
  await bob.ready(15_000);
  await sameDaveGroup(call, bob);
  return { call, bob };
}

it('joins through its own shard (op 4), its player feeds the call, a member hears every frame, and it leaves on destroy', async () => {
  client = newClient();
  await expect(client.voice.join(GUILD, VOICE)).rejects.toBeInstanceOf(BotError);
  await client.login();
  const call = await client.voice.join(GUILD, VOICE);
  expect(client.voice.connection(GUILD)).toBe(call);
  expect(await client.voice.join(GUILD, VOICE)).toBe(call); // one handle per guild
  const bob = bobJoins();
  await bob.ready(15_000);
  await sameDaveGroup(call, bob);
  expect(call.privacyCode).toMatch(/^\d{30}$/);
  expect(call.connection.daveProtocolVersion).toBe(1);
  const botId = client.cache.user?.id as string;
  expect(await call.verificationCode(BOB)).toBe(await bob.getVerificationCode(botId));
  const heard: number[] = [];
  bob.on('frame', (f) => {
    if (f.userId === botId && f.opus && f.opus.length > 3) heard.push(f.opus[1] ?? -1);
  });
  // One Opus track alone at volume 1 passes through the player untouched.
  const frames = Array.from({ length: 25 }, (_, n) => Uint8Array.of(0xfc, n, 1, 2, 3, 4));
  await call.player.play(frames, { type: 'opus' }).finished;
  await until(() => heard.length >= 25, 'bob to hear 25 frames');
  expect(heard).toEqual(frames.map((_, n) => n));
  expect(voice.control.members().some((m) => m.userId === botId)).toBe(true);
  await client.destroy();
  await until(
    () => !voice.control.members().some((m) => m.userId === botId),
    'the bot to leave the voice server',
  );
  expect(call.status).toBe('destroyed');
});

it('plays a generated tone through its player and a member hears that tone', async () => {
  const bot = await loggedIn();
  const { call, bob } = await botAndBobJoin(bot);
  const botId = bot.cache.user?.id as string;
  const decoder = new OpusDecoder();
  const pcm: Int16Array[] = [];
  bob.on('frame', (f) => {
    if (f.userId === botId && f.opus && f.opus.length > 3) pcm.push(decoder.decode(f.opus));
  });
  const pcmTone = tone(660, 1.5);
  call.player.play(new Uint8Array(pcmTone.buffer), { type: 'pcm' });
  await until(() => pcm.length >= 60, 'bob to hear 60 frames of the tone');
  // Skip the codec's start-up frames; the rest carries the tone and not a neighbouring one.
  const heard = new Int16Array(pcm.slice(10, 60).flatMap((f) => [...f]));
  expect(goertzel(heard, 660)).toBeGreaterThan(0.2);
  expect(goertzel(heard, 660)).toBeGreaterThan(20 * goertzel(heard, 440));
  decoder.destroy();
});

it('records a member into an Ogg Opus file that is flushed when the bot leaves', async () => {
  const bot = await loggedIn();
  const { call, bob } = await botAndBobJoin(bot);
  const directory = mkdtempSync(join(tmpdir(), 'cordwire-bot-rec-'));
  try {
    const recording = call.record({ directory });
    const frames = Array.from({ length: 50 }, (_, n) => Uint8Array.of(0xfc, n, 1, 2, 3, 4));
    await bob.play(frames);
    await until(() => (call.receiver.stats(BOB)?.audioSlots ?? 0) >= 50, 'the bot to receive bob');
    await bot.voice.leave(GUILD);
    expect(recording.recording).toBe(false);
    const summary = await recording.stop(); // the same summary: leave() already stopped it
    expect([...summary.files.keys()].sort()).toEqual([BOB, 'mix'].sort());
    const packets = [...demuxOggOpus(readFileSync(summary.files.get(BOB) as string))].filter(
      (e) => e.type === 'packet',
    );
    expect(packets.length).toBe(summary.frames + 1); // the lead-in frame, then one per slot
    const bobs = packets.map((e) => (e.type === 'packet' ? e.packet : new Uint8Array()));
    expect(bobs.filter((p) => p.length === 6 && p[0] === 0xfc).map((p) => p[1])).toEqual(
      frames.map((_, n) => n),
    );
    expect(call.status).toBe('destroyed');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

it('a voice server crash (4015) is invisible: the same handle, player and recording go on', async () => {
  const bot = await loggedIn();
  const { call, bob } = await botAndBobJoin(bot);
  const botId = bot.cache.user?.id as string;
  const heard: number[] = [];
  bob.on('frame', (f) => {
    if (f.userId === botId && f.opus && f.opus.length === 6) heard.push(f.opus[1] ?? -1);
  });
  const directory = mkdtempSync(join(tmpdir(), 'cordwire-bot-rec-'));
  try {
    const recording = call.record({ directory });
    const states: string[] = [];
    call.on('stateChange', (_old, next) => states.push(next.status));
    const song = Array.from({ length: 200 }, (_, n) => Uint8Array.of(0xfc, n, 1, 2, 3, 4));
    const track = call.player.play(song, { type: 'opus' });
    await bob.play(Array.from({ length: 25 }, (_, n) => Uint8Array.of(0xfc, n, 9, 9, 9, 9)));
    await until(() => heard.length >= 40, 'bob to hear the song before the crash');
    voice.control.crash({ udpDownMs: 40 });
    await until(() => states.includes('connecting'), 'the bot to see the crash');
    await call.connection.ready(15_000);
    await bob.ready(15_000);
    await bob.play(Array.from({ length: 25 }, (_, n) => Uint8Array.of(0xfc, 25 + n, 9, 9, 9, 9)));
    await track.finished;
    await until(() => heard.includes(199), 'bob to hear the end of the song after the crash');
    expect(bot.voice.connection(GUILD)).toBe(call);
    for (let i = 1; i < heard.length; i++) expect(heard[i]).toBeGreaterThan(heard[i - 1] as number);
    await until(() => (call.receiver.stats(BOB)?.audioSlots ?? 0) >= 50, 'the bot to receive bob twice');
    const summary = await recording.stop();
    const packets = [...demuxOggOpus(readFileSync(summary.files.get(BOB) as string))].flatMap((e) =>
      e.type === 'packet' ? [e.packet] : [],
    );
    // One file, in order, with bob's words from before and after the crash. A packet sent while
    // the relay was still re-learning an address after the crash may be lost (UDP); no more.
    const words = packets.filter((p) => p.length === 6 && p[2] === 9).map((p) => p[1] as number);
    for (let i = 1; i < words.length; i++) expect(words[i]).toBeGreaterThan(words[i - 1] as number);
    expect(words.filter((w) => w < 25).length).toBeGreaterThanOrEqual(24);
    expect(words.filter((w) => w >= 25).length).toBeGreaterThanOrEqual(24);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

it('client.destroy() (what SIGINT/SIGTERM run) flushes a running recording before the bot leaves', async () => {
  const bot = await loggedIn();
  const { call, bob } = await botAndBobJoin(bot);
  const directory = mkdtempSync(join(tmpdir(), 'cordwire-bot-rec-'));
  try {
    const recording = call.record({ directory });
    await bob.play(Array.from({ length: 10 }, (_, n) => Uint8Array.of(0xfc, n, 1, 2, 3, 4)));
    await until(() => (call.receiver.stats(BOB)?.audioSlots ?? 0) >= 10, 'the bot to receive bob');
    await bot.destroy();
    expect(recording.recording).toBe(false);
    const summary = await recording.stop();
    for (const path of summary.files.values()) {
      // Closed properly: the last page carries end-of-stream, so the demuxer reports the end.
      const events = [...demuxOggOpus(readFileSync(path))].map((e) => e.type);
      expect(events.at(-1), path).toBe('end');
    }
    expect(summary.files.size).toBe(2);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

it('e2eeReady: times out (typed) while the bot is alone, resolves with the shared privacy code once a member joins', async () => {
  const c = await loggedIn();
  const call = await c.voice.join(GUILD, VOICE);
  // Alone in the channel there is no group to form: the wait ends with a typed error.
  const alone = await call.e2eeReady(200).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(alone).toBeInstanceOf(BotError);
  expect((alone as BotError).code).toBe('E2EE_TIMEOUT');
  const waiting = call.e2eeReady(15_000);
  const bob = bobJoins();
  await bob.ready(15_000);
  const code = await waiting;
  expect(code).toMatch(/^\d{30}$/);
  await until(() => bob.voicePrivacyCode === code, 'bob to share the code');
  expect(await call.e2eeReady()).toBe(code); // already formed: at once
});
