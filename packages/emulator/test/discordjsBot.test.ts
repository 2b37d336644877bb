/**
 * Done-when for the world: a real discord.js bot (its own process, as a bot author runs it)
 * replies to a simulated user's message, registers and answers slash commands (a deferred
 * reply, an edit and a follow-up), fetches members and messages over REST, and joins the
 * voice channel a simulated user is in because it saw her VOICE_STATE_UPDATE. The channel requires
 * E2EE (Discord's default): the bot's @discordjs/voice and alice both speak DAVE. The bot plays a
 * real Ogg Opus file of a 440 Hz tone; alice hears that tone, for as long as it lasts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OggOpusMuxer, OpusEncoder } from '@cordwire/audio';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, type EmulatorSeed, startEmulator } from '../src/index.js';

const GUILD = '1300000000000000100';
const TEXT = '1300000000000000101';
const VOICE = '1300000000000000102';
const TONE_HZ = 440;
const TONE_SECONDS = 2;

/** An Ogg Opus file of a sine tone: 20 ms packets encoded by @cordwire/audio's libopus. */
function toneFile(): string {
  const encoder = new OpusEncoder({ channels: 2 });
  const muxer = new OggOpusMuxer({ channels: 2 });
  const samples = 48_000 * TONE_SECONDS;
  const pcm = new Float32Array(samples * 2);
  for (let i = 0; i < samples; i++) {
    const v = 0.5 * Math.sin((2 * Math.PI * TONE_HZ * i) / 48_000);
    pcm[2 * i] = v;
    pcm[2 * i + 1] = v;
  }
  const pages: Uint8Array[] = [];
  for (const packet of [...encoder.encode(pcm), ...encoder.flush()]) pages.push(...muxer.write(packet));
  pages.push(...muxer.end());
  encoder.destroy();
  const path = join(mkdtempSync(join(tmpdir(), 'cordwire-bot-')), 'tone.opus');
  writeFileSync(path, Buffer.concat(pages));
  return path;
}
/** The default world without its seeded voice state: alice starts outside voice. */
const seed: EmulatorSeed = {
  users: [
    { id: '1300000000000000010', username: 'alice' },
    { id: '1300000000000000011', username: 'bob' },
  ],
  guilds: [
    {
      id: GUILD,
      name: 'cordwire test guild',
      ownerId: '1300000000000000010',
      channels: [
        { id: TEXT, name: 'general', type: 'text' },
        { id: VOICE, name: 'voice', type: 'voice' },
      ],
      members: ['1300000000000000010', '1300000000000000011'],
    },
  ],
};

let emu: Emulator | undefined;
let bot: ChildProcess | undefined;
afterEach(async () => {
  if (bot && bot.exitCode === null) {
    const exited = new Promise((resolve) => bot!.once('exit', resolve));
    bot.send({ type: 'stop' });
    const timer = setTimeout(() => bot?.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
  await emu?.close();
});

/** Starts the bot process; resolves once it is logged in and has registered its commands. */
function startBot(e: Emulator, log: string[]): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./fixtures/musicBot.mjs', import.meta.url));
  const child = fork(
    script,
    [JSON.stringify({ api: e.apiUrl, token: e.token, guildId: GUILD, song: toneFile() })],
    {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: e.voice!.caPath },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  child.on('message', (m: { type: string; line?: string }) => {
    if (m.type === 'log' && m.line) log.push(m.line);
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string }) => {
      if (m.type === 'ready') resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`the bot exited with ${code} before it was ready: ${log.join('; ')}`)),
    );
  });
}

async function until(what: string | (() => string), cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a discord.js bot against simulated users: messages, slash commands, REST fetches, and voice', async () => {
  emu = await startEmulator({ seed, identifyIntervalMs: 0, voiceServer: true });
  const log: string[] = [];
  bot = await startBot(emu, log);
  expect(
    emu.world.commands
      .list(GUILD)
      .map((c) => c.name)
      .sort(),
  ).toEqual(['play', 'stats']);

  const alice = emu.users.create({ id: '1300000000000000010', username: 'alice' });
  const bob = emu.users.create({ id: '1300000000000000011', username: 'bob' });

  // bob says hello; the bot replies to his message.
  const hello = bob.say(TEXT, 'hello');
  const reply = await emu.bot.waitForMessage((m) => m.content === 'hi bob');
  expect(reply).toMatchObject({ channel_id: TEXT, message_reference: { message_id: hello.id } });

  // /stats: the bot fetches a member, the member list and the messages over REST.
  const stats = await alice.runCommand(TEXT, 'stats').reply();
  expect(stats.message?.content).toBe('members=3 messages=2 you=alice');
  const routes = emu.control.rest.requests().map((r) => `${r.method} ${r.route} ${r.status}`);
  expect(routes).toEqual(
    expect.arrayContaining([
      'GET /guilds/{guild}/members/{user} 200',
      'GET /guilds/{guild}/members 200',
      'GET /channels/{channel}/messages 200',
    ]),
  );

  // /play: a deferred reply, then the edit, then a follow-up.
  const play = alice.runCommand(TEXT, 'play');
  expect((await play.callback()).callbackType).toBe(5);
  expect((await play.response((r) => r.kind === 'editOriginal')).message?.content).toBe('now playing');
  expect((await play.followUp()).message?.content).toBe('queued a tone');

  // alice joins voice; the bot sees her VOICE_STATE_UPDATE, joins her channel and plays.
  await alice.joinVoice(VOICE);
  const botId = emu.world.bot.id;
  await until(
    () => `the bot to join alice in voice (bot log: ${log.join('; ')})`,
    () => emu!.world.guild(GUILD).voiceStates.get(botId)?.channelId === VOICE,
  );
  // Both are in the channel's E2EE group: the same voice privacy code, DAVE protocol 1.
  expect(emu.voice!.control.e2ee(GUILD, VOICE)).toBe('required');
  expect(alice.daveProtocolVersion).toBe(1);
  await until(
    () =>
      `alice to hear ${TONE_SECONDS} s from the bot (heard ${JSON.stringify(alice.heard(botId))}; bot log: ${log.join('; ')})`,
    () => alice.heard(botId).durationMs >= TONE_SECONDS * 1000,
  );
  const heard = alice.heard(botId);
  expect(heard.durationMs).toBe(TONE_SECONDS * 1000);
  expect(heard.dominantFrequency).toBeGreaterThan(TONE_HZ - 10);
  expect(heard.dominantFrequency).toBeLessThan(TONE_HZ + 10);
  expect(heard.matchesTone(TONE_HZ)).toBe(true);
  // Nearly every 20 ms of it is the tone (the codec's first frame ramps up).
  expect(heard.toneMs(TONE_HZ)).toBeGreaterThanOrEqual(TONE_SECONDS * 1000 - 60);
  expect(log).toContain(`saw alice join ${VOICE}`);
  expect(log.some((l) => /^dave transition \d+$/.test(l))).toBe(true);

  // What the bot's gateway received includes her voice state, before the bot's own.
  const voiceStates = emu.control
    .received()
    .filter((d) => d.t === 'VOICE_STATE_UPDATE')
    .map((d) => (d.d as { user_id: string }).user_id);
  expect(voiceStates.indexOf(alice.id)).toBeLessThan(voiceStates.indexOf(botId));
});
