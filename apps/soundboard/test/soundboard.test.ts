// The soundboard bot against the emulator over real sockets on 127.0.0.1: alice sits in a voice
// channel that requires E2EE, runs /sound, the bot joins her channel and she hears the clip (by
// its pitch, after DAVE decryption on her side); /stop makes the bot leave.
import type { AudioTrack } from '@cordwire/audio';
import { type Emulator, type SimulatedUser, startEmulator } from '@cordwire/emulator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Soundboard } from '../src/bot.js';
import { decodeFrames, dominantFrequency, goertzel } from '../src/pitch.js';
import { loadSounds, type Sound } from '../src/sounds.js';

const GUILD = '1500000000000000100';
const GENERAL = '1500000000000000101';
const LOUNGE = '1500000000000000102';
const ALICE = '1500000000000000010';
const BOB = '1500000000000000011';
/** A heard pitch matches a sound's within this many Hz. */
const PITCH_TOLERANCE_HZ = 8;

const sounds = loadSounds();
const sound = (name: string): Sound => {
  const s = sounds.find((x) => x.name === name);
  if (!s) throw new Error(`no sound ${name} in sounds.json`);
  return s;
};

let emu: Emulator;
let board: Soundboard;
let alice: SimulatedUser;
let bob: SimulatedUser;
let botId: string;

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everyone in the channel's DAVE group, no transition pending: every member decrypts everyone. */
function groupSettled(members: number): boolean {
  const state = emu.voice?.control.dave(GUILD, LOUNGE);
  return (
    state !== undefined &&
    state.members.length === members &&
    state.members.every((m) => m.leafIndex !== null) &&
    state.pendingTransition === null &&
    state.pendingProposals.length === 0
  );
}

beforeAll(async () => {
  emu = await startEmulator({
    voiceServer: true,
    seed: {
      bot: { id: '1500000000000000001', username: 'soundboard' },
      application: { id: '1500000000000000001', name: 'soundboard' },
      users: [
        { id: ALICE, username: 'alice' },
        { id: BOB, username: 'bob' },
      ],
      guilds: [
        {
          id: GUILD,
          name: 'soundboard test',
          ownerId: ALICE,
          channels: [
            { id: GENERAL, name: 'general', type: 'text' },
            { id: LOUNGE, name: 'lounge', type: 'voice', e2ee: 'required' },
          ],
          members: [ALICE, BOB],
        },
      ],
    },
  });
  const voice = emu.voice;
  if (!voice) throw new Error('the emulator started without its voice server');
  board = new Soundboard({
    token: emu.token,
    apiUrl: emu.restUrl,
    voiceCa: voice.caPem,
    sounds,
    handleSignals: false,
  });
  await board.start(GUILD);
  botId = board.client.cache.user?.id as string;
  alice = emu.users.create({ id: ALICE, username: 'alice' });
  bob = emu.users.create({ id: BOB, username: 'bob' });
  await alice.joinVoice(LOUNGE, { dave: true });
  // The bot learns where alice is from VOICE_STATE_UPDATE, into its cache.
  await until(() => board.client.cache.voiceState(GUILD, ALICE)?.channel_id === LOUNGE, 'alice in the cache');
});

afterAll(async () => {
  await board?.client.destroy();
  await emu?.close();
});

it('registers /sound (name autocompletes), /sounds and /stop', () => {
  const commands = emu.world.commands.list(GUILD);
  expect(commands.map((c) => c.name).sort()).toEqual(['sound', 'sounds', 'stop']);
  const soundCommand = commands.find((c) => c.name === 'sound') as { options?: unknown[] };
  expect(soundCommand.options).toEqual([
    expect.objectContaining({ name: 'name', type: 3, required: true, autocomplete: true }),
  ]);
});

it('/sounds lists every sound in an ephemeral reply', async () => {
  const answer = await alice.runCommand(GENERAL, 'sounds').reply();
  const message = answer.message as { content: string; flags?: number };
  expect(message.flags ?? 0).toBe(64);
  for (const s of sounds) expect(message.content).toContain(`**${s.name}**`);
});

it('autocompletes the name from what was typed', async () => {
  const typed = (value: string) =>
    alice.autocomplete(GENERAL, 'sound', [{ name: 'name', type: 3, value, focused: true }]).callback();
  const ch = await typed('ch');
  expect(ch.callbackType).toBe(8);
  expect(ch.data).toEqual({ choices: [{ name: 'chime', value: 'chime' }] });
  // "o" starts no name; it is inside airhorn, bloop (and the order is the manifest's).
  expect((await typed('o')).data).toEqual({
    choices: [
      { name: 'airhorn', value: 'airhorn' },
      { name: 'bloop', value: 'bloop' },
    ],
  });
  expect((await typed('')).data).toEqual({ choices: sounds.map((s) => ({ name: s.name, value: s.name })) });
});

it('/sound from someone who is not in voice asks them to join first, and the bot stays out', async () => {
  const answer = await bob.runCommand(GENERAL, 'sound', [{ name: 'name', type: 3, value: 'chime' }]).reply();
  expect(answer.message).toMatchObject({ content: 'Join a voice channel first.', flags: 64 });
  expect(board.client.voice.connection(GUILD)).toBeUndefined();
});

it('/sound chime: the bot joins alice’s E2EE channel and she hears the chime', async () => {
  const chime = sound('chime');
  const played = new Promise<AudioTrack>((resolve) =>
    board.once('played', (_c, _s, track) => resolve(track)),
  );
  const answer = await alice
    .runCommand(GENERAL, 'sound', [{ name: 'name', type: 3, value: 'chime' }])
    .reply();
  expect(answer.message?.content).toBe('🔊 **chime**');
  const call = board.client.voice.connection(GUILD);
  expect(call?.channelId).toBe(LOUNGE);
  expect(call?.connection.daveProtocolVersion).toBe(1);
  expect(call?.privacyCode).toMatch(/^\d{30}$/);
  expect(emu.world.guild(GUILD).voiceStates.get(botId)?.channelId).toBe(LOUNGE);
  expect(await (await played).finished).toBe('finished');
  const frames = chime.seconds * 50;
  await until(() => alice.heard.frames(botId).length >= frames - 2, 'alice to hear the chime', 5_000);
  const heard = decodeFrames(alice.heard.frames(botId));
  expect(Math.abs(dominantFrequency(heard) - chime.frequency)).toBeLessThanOrEqual(PITCH_TOLERANCE_HZ);
  for (const other of sounds.filter((s) => s !== chime))
    expect(goertzel(heard, chime.frequency), other.name).toBeGreaterThan(
      5 * goertzel(heard, other.frequency),
    );
});

it('/sound plays over what is already playing: airhorn and bloop at once, mixed', async () => {
  const [airhorn, bloop] = [sound('airhorn'), sound('bloop')];
  await until(() => groupSettled(2), 'the E2EE group to settle');
  const call = board.client.voice.connection(GUILD);
  if (!call) throw new Error('the bot left after the chime');
  // How many tracks sounded at once: the player's mix, seen each time a track starts.
  let together = 0;
  const tracks: AudioTrack[] = [];
  call.player.on('trackStart', (track) => {
    tracks.push(track);
    together = Math.max(together, call.player.tracks.length);
  });
  alice.heard.clear();
  const first = alice.runCommand(GENERAL, 'sound', [{ name: 'name', type: 3, value: 'airhorn' }]);
  const second = alice.runCommand(GENERAL, 'sound', [{ name: 'name', type: 3, value: 'bloop' }]);
  await Promise.all([first.reply(), second.reply()]);
  await until(() => tracks.length === 2, 'both sounds to start');
  expect(await Promise.all(tracks.map((t) => t.finished))).toEqual(['finished', 'finished']);
  expect(together).toBe(2);
  await until(
    () => alice.heard.frames(botId).length >= Math.min(airhorn.seconds, bloop.seconds) * 50,
    'alice to hear them',
    5_000,
  );
  const heard = decodeFrames(alice.heard.frames(botId));
  // Mixed, not queued: they overlap, so the whole is about as long as the longer one.
  expect(alice.heard.frames(botId).length).toBeLessThan((airhorn.seconds + bloop.seconds) * 50 * 0.8);
  const chime = goertzel(heard, sound('chime').frequency);
  expect(goertzel(heard, airhorn.frequency)).toBeGreaterThan(5 * chime);
  expect(goertzel(heard, bloop.frequency)).toBeGreaterThan(5 * chime);
});

it('/stop makes the bot leave the channel', async () => {
  const answer = await alice.runCommand(GENERAL, 'stop').reply();
  expect(answer.message?.content).toBe('Bye.');
  expect(board.client.voice.connection(GUILD)).toBeUndefined();
  await until(() => !emu.world.guild(GUILD).voiceStates.has(botId), 'the bot’s voice state to go');
  await until(
    () => !emu.voice?.control.dave(GUILD, LOUNGE)?.members.some((m) => m.userId === botId),
    'the bot to leave the E2EE group',
  );
  const again = await alice.runCommand(GENERAL, 'stop').reply();
  expect(again.message).toMatchObject({ content: 'I am not in a voice channel.', flags: 64 });
});
