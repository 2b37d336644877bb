import { expect, test } from 'vitest';
import { SeedError, startEmulator } from '../src/index.js';

test.each([
  [{ guilds: [{ id: 'abc', name: 'x' }] }, 'guilds[0].id'],
  [{ guilds: [{ id: '1', name: 'x', members: ['2'] }] }, 'guilds[0].members[0]'],
  [
    { guilds: [{ id: '1', name: 'x', channels: [{ id: '2', name: 'c', type: 'hologram' }] }] },
    'guilds[0].channels[0].type',
  ],
  [
    {
      guilds: [
        {
          id: '1',
          name: 'x',
          channels: [{ id: '2', name: 'c' }],
          voiceStates: [{ userId: '1300000000000000001', channelId: '2' }],
        },
      ],
    },
    'guilds[0].voiceStates[0]',
  ],
  [
    {
      users: [
        { id: '5', username: 'a' },
        { id: '5', username: 'b' },
      ],
    },
    'users[1].id',
  ],
])('a malformed seed is refused with a SeedError naming the field (%#)', async (seed, path) => {
  const err = await startEmulator({ seed: seed as never }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SeedError);
  expect(err).toMatchObject({ code: 'EMULATOR_BAD_SEED', path });
});
