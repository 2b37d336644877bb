import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type Emulator,
  parseScenario,
  runScenario,
  ScenarioError,
  startEmulator,
  syntheticOpusFrame,
} from '../src/index.js';
import { RawClient } from './gatewayClient.js';

const TEXT = '1300000000000000101';
const VOICE = '1300000000000000102';
// GUILDS | GUILD_MEMBERS | GUILD_VOICE_STATES | GUILD_PRESENCES | GUILD_MESSAGES | MESSAGE_CONTENT
const INTENTS = 1 | (1 << 1) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 15);

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
  emu = undefined;
});

describe('parseScenario', () => {
  const ok = {
    users: [{ username: 'alice' }],
    timeline: [{ at: 0, user: 'alice', do: 'say', channel: TEXT, content: 'hi' }],
  };
  const bad: Array<[string, unknown]> = [
    ['$', []],
    ['users', { users: {}, timeline: [] }],
    ['users[0].username', { users: [{}], timeline: [] }],
    ['users[1].username', { users: [{ username: 'a' }, { username: 'a' }], timeline: [] }],
    ['users[0].id', { users: [{ username: 'a', id: 'x1' }] }],
    ['users[0].status', { users: [{ username: 'a', status: 'away' }] }],
    ['timeline[0].do', { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'dance' }] }],
    ['timeline[0].at', { users: [{ username: 'a' }], timeline: [{ at: -5, user: 'a', do: 'leaveVoice' }] }],
    ['timeline[0].user', { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'b', do: 'leaveVoice' }] }],
    [
      'timeline[0].channel',
      {
        users: [{ username: 'a' }],
        timeline: [{ at: 0, user: 'a', do: 'say', channel: '#general', content: 'x' }],
      },
    ],
    [
      'timeline[0].content',
      {
        users: [{ username: 'a' }],
        timeline: [{ at: 0, user: 'a', do: 'say', channel: TEXT, content: 'x'.repeat(2001) }],
      },
    ],
    [
      'timeline[0].frames',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'speak', frames: 1e9 }] },
    ],
    ['timeline[0]', { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'speak' }] }],
    [
      'timeline[0].opusHex',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'speak', opusHex: ['zz'] }] },
    ],
    [
      'timeline[0].options[0].type',
      {
        users: [{ username: 'a' }],
        timeline: [
          { at: 0, user: 'a', do: 'command', channel: TEXT, name: 'x', options: [{ name: 'q', type: 99 }] },
        ],
      },
    ],
    [
      'timeline[0].chanel',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'say', chanel: TEXT, content: 'x' }] },
    ],
    ['seed', { seed: {}, users: [] }],
    [
      'timeline[0].fields',
      {
        users: [{ username: 'a' }],
        timeline: [{ at: 0, user: 'a', do: 'submitModal', channel: TEXT, customId: 'f', fields: { x: 1 } }],
      },
    ],
    ['timeline[0].content', { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'dm' }] }],
    [
      'timeline[0].seconds',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'speak', tone: 440 }] },
    ],
    [
      'timeline[0].tone',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'speak', tone: 0, seconds: 1 }] },
    ],
    [
      'timeline[0]',
      {
        users: [{ username: 'a' }],
        timeline: [{ at: 0, user: 'a', do: 'speak', tone: 440, seconds: 1, file: 'x.opus' }],
      },
    ],
    [
      'timeline[0].from',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'heard', from: 'zed' }] },
    ],
    [
      'timeline[0].minMs',
      { users: [{ username: 'a' }], timeline: [{ at: 0, user: 'a', do: 'heard', minMs: -1 }] },
    ],
  ];
  test.each(bad)('a typed error naming %s', (path, input) => {
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(
      expect.objectContaining({ code: 'EMULATOR_BAD_SCENARIO', path }),
    );
  });
  test('a valid scenario parses to its steps', () => {
    expect(parseScenario(ok)).toEqual(ok);
    expect(
      parseScenario(JSON.parse(readFileSync(new URL('./fixtures/scenario.json', import.meta.url), 'utf8')))
        .timeline,
    ).toHaveLength(4);
  });
});

test('a scenario runs its timeline against a bot: messages, a guild join, presence, voice and speech', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: true });
  const c = await RawClient.connect(emu.gatewayUrl);
  clients.push(c);
  await c.ready(emu.token, { intents: INTENTS });
  const scenario = parseScenario({
    users: [
      { id: '1300000000000000010', username: 'alice' },
      { username: 'dave', guilds: [] },
    ],
    timeline: [
      { at: 0, user: 'alice', do: 'say', channel: TEXT, content: 'first' },
      { at: 5, user: 'dave', do: 'joinGuild', guild: '1300000000000000100' },
      { at: 10, user: 'dave', do: 'joinVoice', channel: VOICE },
      { at: 10, user: 'alice', do: 'joinVoice', channel: VOICE },
      { at: 20, user: 'alice', do: 'speak', frames: 10 },
      { at: 30, user: 'alice', do: 'status', status: 'dnd' },
      { at: 40, user: 'alice', do: 'command', channel: TEXT, name: 'not-registered' },
      { at: 45, user: 'alice', do: 'dm', content: 'psst' },
      {
        at: 50,
        user: 'alice',
        do: 'submitModal',
        channel: TEXT,
        customId: 'form',
        fields: { why: 'because' },
      },
    ],
  });
  const results = await runScenario(emu, scenario);
  expect(results.map((r) => r.step.do)).toEqual([
    'say',
    'joinGuild',
    'joinVoice',
    'joinVoice',
    'speak',
    'status',
    'command',
    'dm',
    'submitModal',
  ]);
  // The bot never registered the command: that step failed, the others did not.
  expect(results.filter((r) => r.error !== undefined).map((r) => r.step.do)).toEqual(['command']);
  const dave = emu.users.get('dave')!;
  const deadline = Date.now() + 10_000;
  while (dave.heard.frames('1300000000000000010').length < 10 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  // (Decrypted by DAVE, the frames come back as Buffers: compare the bytes.)
  expect(dave.heard.frames('1300000000000000010').map((f) => new Uint8Array(f))).toEqual(
    Array.from({ length: 10 }, (_, i) => syntheticOpusFrame(i)),
  );
  const seen = await c.waitFor((f) => f.t === 'PRESENCE_UPDATE');
  expect(seen.d).toMatchObject({ status: 'dnd', user: { id: '1300000000000000010' } });
  const kinds = c.dispatches().map((f) => f.t);
  expect(kinds).toEqual(expect.arrayContaining(['MESSAGE_CREATE', 'GUILD_MEMBER_ADD', 'VOICE_STATE_UPDATE']));
  expect(c.dispatches().find((f) => f.t === 'MESSAGE_CREATE')?.d.content).toBe('first');
  const modal = await c.waitFor((f) => f.t === 'INTERACTION_CREATE');
  expect(modal.d).toMatchObject({ type: 5, data: { custom_id: 'form' } });
  expect(
    emu.control
      .received()
      .some((r) => r.t === 'MESSAGE_CREATE' && (r.d as { content: string }).content === 'psst'),
  ).toBe(false);
});

/** An Ogg Opus file of a sine tone made by Debian's opusenc, in 60 ms packets (re-cut to 20 ms when spoken). */
function opusencTone(dir: string, hz: number, seconds: number): string {
  const which = spawnSync('opusenc', ['--version']);
  if (which.error) throw new Error('this test needs opusenc: apt-get install opus-tools');
  const rate = 48_000;
  const samples = Math.round(rate * seconds);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    wav.writeInt16LE(Math.round(12_000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + 2 * i);
  writeFileSync(join(dir, 'tone.wav'), wav);
  const enc = spawnSync('opusenc', ['--quiet', '--framesize', '60', 'tone.wav', 'tone.opus'], { cwd: dir });
  if (enc.status !== 0) throw new Error(`opusenc failed: ${enc.stderr}`);
  return 'tone.opus';
}

test('scenario steps speak a tone and an Ogg Opus file, and "heard" asserts and records what a user heard', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: true });
  const dir = mkdtempSync(join(tmpdir(), 'cordwire-scenario-'));
  const file = opusencTone(dir, 660, 1);
  const scenario = parseScenario({
    users: [{ id: '1300000000000000010', username: 'alice' }, { username: 'bob' }],
    timeline: [
      { at: 0, user: 'alice', do: 'joinVoice', channel: VOICE },
      { at: 0, user: 'bob', do: 'joinVoice', channel: VOICE },
      { at: 10, user: 'alice', do: 'speak', tone: 440, seconds: 1 },
      { at: 20, user: 'bob', do: 'heard', from: 'alice', tone: 440, minMs: 800, record: 'bob.opus' },
      { at: 30, user: 'bob', do: 'speak', file },
      { at: 40, user: 'alice', do: 'heard', from: 'bob', tone: 660, minMs: 800 },
      // Nobody played 880 Hz: this expectation fails, with what she did hear.
      { at: 50, user: 'alice', do: 'heard', from: 'bob', tone: 880, timeoutMs: 200 },
    ],
  });
  const results = await runScenario(emu, scenario, { baseDir: dir });
  expect(results.map((r) => r.error)).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    expect.stringMatching(/alice did not hear a 880 Hz tone from bob: heard \{/),
  ]);
  const [, , , bobHeard, , aliceHeard] = results;
  expect(bobHeard!.heard!.toneMs).toBeGreaterThanOrEqual(800);
  expect(bobHeard!.heard!.dominantFrequency).toBeGreaterThan(430);
  expect(bobHeard!.heard!.dominantFrequency).toBeLessThan(450);
  expect(aliceHeard!.heard!.dominantFrequency).toBeGreaterThan(650);
  expect(aliceHeard!.heard!.dominantFrequency).toBeLessThan(670);
  // The recording is an Ogg Opus file opusinfo accepts, as long as what bob heard.
  const recorded = readFileSync(join(dir, 'bob.opus'));
  expect(recorded.subarray(0, 4).toString()).toBe('OggS');
  const info = spawnSync('opusinfo', [join(dir, 'bob.opus')], { encoding: 'utf8' });
  expect(info.status).toBe(0);
  expect(info.stdout).toMatch(/Playback length: 0m:0[0-9]\.\d+s/);
});
