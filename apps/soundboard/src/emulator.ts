/**
 * The soundboard with no token: the embedded emulator (a local Discord) with a guild, #general and
 * a voice channel that requires E2EE; alice joins it with DAVE, lists the sounds, plays each one,
 * then two at once, and sends the bot away with /stop. Each step prints what she got back and what
 * she heard (the dominant pitch of the audio she decrypted).
 */
import type { AudioTrack } from '@cordwire/audio';
import { startEmulator } from '@cordwire/emulator';
import { Soundboard } from './bot.js';
import { decodeFrames, dominantFrequency, goertzel } from './pitch.js';
import { loadSounds } from './sounds.js';

const GUILD = '1500000000000000100';
const GENERAL = '1500000000000000101';
const LOUNGE = '1500000000000000102';
const ALICE = '1500000000000000010';
const PITCH_TOLERANCE_HZ = 8;

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the story; resolves true when alice heard every sound at its pitch. */
export async function runInEmulator(log: (line: string) => void): Promise<boolean> {
  const sounds = loadSounds();
  const emu = await startEmulator({
    voiceServer: true,
    seed: {
      bot: { id: '1500000000000000001', username: 'soundboard' },
      application: { id: '1500000000000000001', name: 'soundboard' },
      users: [{ id: ALICE, username: 'alice' }],
      guilds: [
        {
          id: GUILD,
          name: 'soundboard',
          ownerId: ALICE,
          channels: [
            { id: GENERAL, name: 'general', type: 'text' },
            { id: LOUNGE, name: 'lounge', type: 'voice', e2ee: 'required' },
          ],
          members: [ALICE],
        },
      ],
    },
  });
  const voice = emu.voice;
  if (!voice) throw new Error('the emulator started without its voice server');
  const board = new Soundboard({
    token: emu.token,
    apiUrl: emu.restUrl,
    voiceCa: voice.caPem,
    sounds,
    handleSignals: false,
  });
  let ok = true;
  try {
    await board.start(GUILD);
    const botId = board.client.cache.user?.id as string;
    log(`the emulator is up; logged in as ${board.client.cache.user?.username}, commands registered`);
    const alice = emu.users.create({ id: ALICE, username: 'alice' });
    await alice.joinVoice(LOUNGE, { dave: true });
    await until(
      () => board.client.cache.voiceState(GUILD, ALICE)?.channel_id === LOUNGE,
      'alice in the cache',
    );
    log('alice joined #lounge (E2EE required) with DAVE');

    const list = await alice.runCommand(GENERAL, 'sounds').reply();
    log(`alice: /sounds → (only she sees it)\n${list.message?.content ?? ''}`);

    const play = async (names: string[]): Promise<void> => {
      alice.heard.clear();
      const tracks: AudioTrack[] = [];
      const onPlayed = (_call: unknown, _sound: unknown, track: AudioTrack) => void tracks.push(track);
      board.on('played', onPlayed);
      const replies = await Promise.all(
        names.map((value) => alice.runCommand(GENERAL, 'sound', [{ name: 'name', type: 3, value }]).reply()),
      );
      board.off('played', onPlayed);
      const call = board.client.voice.connection(GUILD);
      await Promise.all(tracks.map((t) => t.finished));
      // The last packets in flight reach her.
      await new Promise((r) => setTimeout(r, 200));
      const heard = decodeFrames(alice.heard.frames(botId));
      const hz = dominantFrequency(heard);
      const played = names.map((n) => sounds.find((s) => s.name === n)!);
      const strongest = Math.max(...sounds.map((s) => goertzel(heard, s.frequency)));
      const each = played.map((s) => {
        const level = goertzel(heard, s.frequency) / strongest;
        if (level < 0.2) ok = false;
        return `${s.name} (${s.frequency} Hz) at ${(level * 100).toFixed(0)}%`;
      });
      if (played.length === 1 && Math.abs(hz - played[0]!.frequency) > PITCH_TOLERANCE_HZ) ok = false;
      log(
        `alice: /sound ${names.join(' + /sound ')} → ${replies.map((r) => r.message?.content).join(', ')}; ` +
          `she heard ${(alice.heard.durationMs(botId) / 1000).toFixed(2)} s peaking at ${hz} Hz: ${each.join(', ')}` +
          (call ? `; privacy code ${call.privacyCode}` : ''),
      );
    };
    for (const s of sounds) await play([s.name]);
    await play(sounds.slice(0, 2).map((s) => s.name));

    const stop = await alice.runCommand(GENERAL, 'stop').reply();
    await until(() => !emu.world.guild(GUILD).voiceStates.has(botId), 'the bot to leave');
    log(`alice: /stop → ${stop.message?.content}; the bot left #lounge`);
    log(ok ? 'alice heard every sound at its pitch' : 'alice did NOT hear every sound at its pitch');
    return ok;
  } finally {
    await board.client.destroy();
    await emu.close();
  }
}
