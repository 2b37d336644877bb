/**
 * The demo's world with no configuration: the embedded emulator started from scenario.json (a
 * guild, #general, a voice channel that requires E2EE, three simulated users), the demo bot
 * logged into it, and the story: the users join the call with DAVE, alice runs /play, bob runs
 * /record, all three talk (each their own clip) over the bot's song, carol runs /leave. Then it
 * measures what everyone heard and what the bot wrote.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BotVoiceConnection } from '@cordwire/bot';
import { demuxOggOpus } from '@cordwire/audio';
import { type Emulator, parseScenario, runScenario, startEmulator } from '@cordwire/emulator';
import { DemoBot, type RecordedFiles } from './bot.js';
import { decodePackets, dominantFrequency, readOggOpus, rms } from './signal.js';

const CLIPS = new URL('../clips/', import.meta.url);
const SCENARIO = new URL('../scenario.json', import.meta.url);
/** A measured pitch "matches" a clip's when it is within this many Hz. */
const PITCH_TOLERANCE_HZ = 8;

interface ClipsManifest {
  readonly music: { readonly file: string; readonly frequency: number };
  readonly users: ReadonlyArray<{
    readonly username: string;
    readonly file: string;
    readonly frequency: number;
  }>;
}

export interface UserSummary {
  readonly username: string;
  readonly id: string;
  /** The pitch of the clip this user speaks. */
  readonly clipHz: number;
  /** Opus frames this user sent (her clip). */
  readonly framesSent: number;
  /** Frames of hers the bot received (speech; the Opus silence frames after her clip not counted). */
  readonly framesReceivedByBot: number;
  /** Frames of hers the bot DAVE-decrypted. */
  readonly framesDecryptedByBot: number;
  /** What this user heard of the bot's song. */
  readonly heard: {
    readonly frames: number;
    readonly durationMs: number;
    readonly dominantHz: number;
    readonly matchesSong: boolean;
  };
  /** The 45-digit code the bot and this user compare; verified against the voice server's. */
  readonly verificationCode: string;
  readonly verified: boolean;
}

export interface FileSummary {
  /** A username, or 'mix'. */
  readonly track: string;
  readonly path: string;
  readonly durationMs: number;
  readonly rms: number;
  readonly dominantHz: number;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly mode: 'emulator';
  readonly timings: {
    /** Start to the bot logged in with its commands registered. */
    readonly readyMs: number;
    /** Start to the first frame of the song sent (DAVE-encrypted) by the bot. */
    readonly firstFrameMs: number;
    readonly totalMs: number;
  };
  readonly e2ee: { readonly protocolVersion: number; readonly privacyCode: string };
  readonly song: { readonly file: string; readonly hz: number; readonly framesSent: number };
  readonly users: readonly UserSummary[];
  readonly recordings: { readonly directory: string; readonly files: readonly FileSummary[] };
}

export type Progress = (phase: string, detail?: string) => void;

function clipPath(file: string): string {
  return fileURLToPath(new URL(file, CLIPS));
}

function clipFrames(file: string): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const e of demuxOggOpus(readFileSync(clipPath(file)))) if (e.type === 'packet') frames.push(e.packet);
  return frames;
}

/** The Opus silence frame clients send after speech (it bypasses DAVE, so it is not counted). */
function isSilence(opus: Uint8Array): boolean {
  return opus.length === 3 && opus[0] === 0xf8 && opus[1] === 0xff && opus[2] === 0xfe;
}

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function runDemoWorld(out: string, progress: Progress): Promise<DemoSummary> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const clips = JSON.parse(readFileSync(new URL('clips.json', CLIPS), 'utf8')) as ClipsManifest;
  const scenario = parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')));
  const guild = scenario.world?.guilds?.[0];
  const general = guild?.channels?.find((c) => c.type === 'text')?.id;
  const lounge = guild?.channels?.find((c) => c.type === 'voice')?.id;
  if (!guild?.id || !general || !lounge)
    throw new Error('scenario.json needs a guild with a text and a voice channel');
  const guildId = guild.id;

  progress('emulator', 'starting a local Discord (REST, gateway, voice server)');
  const emu: Emulator = await startEmulator({ seed: scenario.world, voiceServer: true });
  const voice = emu.voice;
  if (!voice) throw new Error('the emulator started without its voice server');
  const bot = new DemoBot({
    token: emu.token,
    apiUrl: emu.restUrl,
    voiceCa: voice.caPem,
    song: clipPath(clips.music.file),
    recordings: out,
    handleSignals: false,
  });
  try {
    progress('bot', 'logging in and registering /play, /record, /leave');
    await bot.start(guildId);
    const readyMs = since();
    const botId = bot.client.cache.user?.id as string;

    progress('users join', 'alice, bob and carol join the voice channel with DAVE (E2EE required)');
    await runScenario(emu, scenario, { stopOnError: true });
    const users = clips.users.map((c) => {
      const user = emu.users.get(c.username);
      if (!user) throw new Error(`scenario.json has no user ${c.username}`);
      return { clip: c, user, frames: clipFrames(c.file) };
    });
    const [alice, bob, carol] = users.map((u) => u.user);
    if (!alice || !bob || !carol) throw new Error('the demo needs three users');

    progress('/play', 'alice runs /play; the bot joins her channel and waits for the E2EE group');
    let call: BotVoiceConnection | undefined;
    bot.once('playing', (c) => {
      call = c;
    });
    const play = alice.runCommand(general, 'play');
    await until(() => call !== undefined, 'the bot to start playing');
    const playing = call as BotVoiceConnection;
    const got = new Map<string, number>();
    playing.connection.on('frame', (f) => {
      if (f.opus && !isSilence(f.opus)) got.set(f.userId, (got.get(f.userId) ?? 0) + 1);
    });
    await until(() => (playing.connection.daveStats?.encrypted ?? 0) > 0, 'the first frame of the song');
    const firstFrameMs = since();
    await play.reply();
    // Everyone in one DAVE group with no transition pending: every member can decrypt everyone.
    await until(() => {
      const state = voice.control.dave(guildId, lounge);
      return (
        state !== undefined &&
        state.members.length === 4 &&
        state.members.every((m) => m.leafIndex !== null) &&
        state.pendingTransition === null &&
        state.pendingProposals.length === 0
      );
    }, 'the E2EE group to settle');
    progress('/play', `playing; E2EE privacy code ${playing.privacyCode}`);

    progress('/record', 'bob runs /record; everyone talks over the song');
    await bob.runCommand(general, 'record').reply();
    await Promise.all(users.map((u) => u.user.speak(u.frames)));
    // The song and the last words reach the bot's receiver before anyone leaves.
    await until(() => playing.player.status === 'idle', 'the song to end');
    await until(
      () => users.every((u) => (got.get(u.user.id) ?? 0) >= u.frames.length),
      'the bot to receive everyone',
      5_000,
    ).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));

    const received = new Map(
      users.map((u) => [u.user.id, playing.receiver.stats(u.user.id)?.audioSlots ?? 0]),
    );
    const decrypted = new Map(
      users.map((u) => [u.user.id, playing.connection.daveStats?.receive.get(u.user.id)?.decrypted ?? 0]),
    );
    const songFramesSent = playing.connection.daveStats?.encrypted ?? 0;
    const privacyCode = playing.privacyCode;
    const protocolVersion = playing.connection.daveProtocolVersion;
    const codes = new Map<string, string>();
    // The voice server computes the same codes from the members' public keys: a match means the
    // bot holds the key each user really joined with.
    const serverCodes = new Map<string, string | undefined>();
    for (const u of users) {
      codes.set(u.user.id, await playing.verificationCode(u.user.id));
      serverCodes.set(u.user.id, await voice.control.verificationCode(guildId, lounge, botId, u.user.id));
    }

    progress('/leave', 'carol runs /leave; the bot flushes its recordings and leaves');
    let recorded: RecordedFiles | undefined;
    bot.once('left', (_g, r) => {
      recorded = r;
    });
    await carol.runCommand(general, 'leave').reply();
    await until(() => recorded !== undefined, 'the recordings');

    progress('summary', 'measuring what everyone heard and what the bot wrote');
    const problems: string[] = [];
    const userSummaries: UserSummary[] = users.map(({ clip, user, frames }) => {
      const heardFrames = user.heard.frames(botId);
      const pcm = decodePackets(heardFrames);
      const dominantHz = dominantFrequency(pcm);
      const matchesSong = Math.abs(dominantHz - clips.music.frequency) <= PITCH_TOLERANCE_HZ;
      if (!matchesSong)
        problems.push(`${clip.username} heard ${dominantHz} Hz, not the song's ${clips.music.frequency} Hz`);
      const code = codes.get(user.id) ?? '';
      const verified = code !== '' && code === serverCodes.get(user.id);
      if (!verified) problems.push(`${clip.username}'s verification code does not match the voice server's`);
      return {
        username: clip.username,
        id: user.id,
        clipHz: clip.frequency,
        framesSent: frames.length,
        framesReceivedByBot: got.get(user.id) ?? 0,
        framesDecryptedByBot: decrypted.get(user.id) ?? 0,
        heard: { frames: heardFrames.length, durationMs: heardFrames.length * 20, dominantHz, matchesSong },
        verificationCode: code,
        verified,
      };
    });
    if (!/^\d{30}$/.test(privacyCode)) problems.push('no 30-digit E2EE privacy code');
    const names = new Map(users.map((u) => [u.user.id, u.clip.username]));
    const files: FileSummary[] = [];
    for (const [id, path] of recorded?.files ?? []) {
      const file = readOggOpus(path);
      files.push({
        track: names.get(id) ?? id,
        path,
        durationMs: Math.round(file.durationMs),
        rms: Number(rms(file.pcm).toFixed(4)),
        dominantHz: dominantFrequency(file.pcm),
      });
    }
    for (const u of users) {
      const file = files.find((f) => f.track === u.clip.username);
      if (!file) problems.push(`no recording of ${u.clip.username}`);
      else if (Math.abs(file.dominantHz - u.clip.frequency) > PITCH_TOLERANCE_HZ)
        problems.push(
          `${u.clip.username}'s recording peaks at ${file.dominantHz} Hz, not ${u.clip.frequency} Hz`,
        );
    }
    if (!files.some((f) => f.track === 'mix')) problems.push('no mix recording');
    return {
      ok: problems.length === 0,
      problems,
      mode: 'emulator',
      timings: { readyMs, firstFrameMs, totalMs: since() },
      e2ee: { protocolVersion, privacyCode },
      song: { file: clips.music.file, hz: clips.music.frequency, framesSent: songFramesSent },
      users: userSummaries,
      recordings: { directory: out, files },
    };
  } finally {
    await bot.client.destroy();
    await emu.close();
  }
}
