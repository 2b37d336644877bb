import { readFileSync } from 'node:fs';
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

/** These members join without DAVE: the voice server must not require E2EE (it is off by default today). */
const NO_E2EE = { requireE2EE: false } as const;

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
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: NO_E2EE });
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
  expect(dave.heard.frames('1300000000000000010')).toEqual(
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
