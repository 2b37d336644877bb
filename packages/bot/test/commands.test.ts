import fc from 'fast-check';
import { expect, it } from 'vitest';
import { BotError, commandJSON, defineCommand, sameCommands } from '../src/index.js';
import { readOptions } from '../src/commands.js';

const play = defineCommand({
  name: 'play',
  description: 'Play a song',
  options: [
    { name: 'song', description: 'what to play', type: 'string', required: true, autocomplete: true },
    { name: 'volume', description: '0-100', type: 'integer', minValue: 0, maxValue: 100 },
    { name: 'where', description: 'voice channel', type: 'channel' },
  ],
  run(i) {
    // Types: song is string, volume number | undefined, where string | undefined.
    const song: string = i.options.song;
    const volume: number | undefined = i.options.volume;
    return [song, volume, i.options.where];
  },
});

it('builds the JSON Discord takes, with option type numbers and only the fields that are set', () => {
  expect(commandJSON(play)).toEqual({
    type: 1,
    name: 'play',
    description: 'Play a song',
    options: [
      { type: 3, name: 'song', description: 'what to play', required: true, autocomplete: true },
      { type: 4, name: 'volume', description: '0-100', min_value: 0, max_value: 100 },
      { type: 7, name: 'where', description: 'voice channel' },
    ],
  });
});

it('refuses what Discord would refuse, with a typed error', () => {
  const bad = [
    { name: 'Play', description: 'x' },
    { name: 'has space', description: 'x' },
    { name: 'ok', description: '' },
    { name: 'ok', description: 'x'.repeat(101) },
    {
      name: 'ok',
      description: 'x',
      options: [
        { name: 'a', description: 'a', type: 'string' },
        { name: 'b', description: 'b', type: 'string', required: true },
      ],
    },
    {
      name: 'ok',
      description: 'x',
      options: [
        { name: 'a', description: 'a', type: 'string' },
        { name: 'a', description: 'a', type: 'string' },
      ],
    },
  ];
  for (const def of bad) {
    expect(() => commandJSON({ ...def, run() {} } as never), JSON.stringify(def)).toThrow(BotError);
  }
});

it('a stored command with Discord-added fields and defaults compares equal; any real change does not', () => {
  const local = [commandJSON(play)];
  const stored = local.map((c) => ({
    ...c,
    id: '1300000000000007000',
    application_id: '1300000000000000001',
    version: '1300000000000007001',
    default_member_permissions: null,
    nsfw: false,
    options: c.options?.map((o) => ({ required: false, ...o })),
  }));
  expect(sameCommands(local, stored as never)).toBe(true);
  expect(sameCommands(local, [{ ...stored[0], description: 'changed' }] as never)).toBe(false);
  expect(sameCommands(local, [] as never)).toBe(false);
  expect(sameCommands(local, [...stored, { ...stored[0], name: 'other' }] as never)).toBe(false);
});

it('reads only declared options of the declared type; random option lists never throw', () => {
  expect(
    readOptions(play, [
      { name: 'song', type: 3, value: 'tone' },
      { name: 'volume', type: 4, value: 2.5 },
      { name: 'where', type: 7, value: '1300000000000000102' },
      { name: 'extra', type: 3, value: 'x' },
    ]),
  ).toEqual({ song: 'tone', where: '1300000000000000102' });
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      const out = readOptions(play, raw);
      for (const k of Object.keys(out)) expect(['song', 'volume', 'where']).toContain(k);
    }),
  );
});
