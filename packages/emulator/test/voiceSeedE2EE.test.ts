import { expect, test } from 'vitest';
import { SeedError, startEmulator, startVoiceServer } from '../src/index.js';

const seed = {
  guilds: [
    {
      id: '1400000000000000001',
      name: 'g',
      channels: [
        { id: '1400000000000000010', name: 'text', type: 'text' as const },
        { id: '1400000000000000011', name: 'lounge', type: 'voice' as const, e2ee: 'optional' as const },
        { id: '1400000000000000012', name: 'legacy', type: 'voice' as const, e2ee: 'off' as const },
        { id: '1400000000000000013', name: 'default', type: 'voice' as const },
      ],
    },
  ],
};

test('seeded E2EE settings reach the voice server, at start and when the provider is attached later', async () => {
  const voice = await startVoiceServer();
  const emu = await startEmulator({ seed, voice });
  const voice2 = await startVoiceServer();
  try {
    const g = '1400000000000000001';
    expect(voice.control.e2ee(g, '1400000000000000011')).toBe('optional');
    expect(voice.control.e2ee(g, '1400000000000000012')).toBe('off');
    expect(voice.control.e2ee(g, '1400000000000000013')).toBe('required');
    expect(voice2.control.e2ee(g, '1400000000000000011')).toBe('required');
    emu.control.setVoiceProvider(voice2);
    expect(voice2.control.e2ee(g, '1400000000000000011')).toBe('optional');
  } finally {
    await emu.close();
    await voice.close();
    await voice2.close();
  }
});

test.each([
  [{ id: '2', name: 'c', type: 'voice', e2ee: 'maybe' }, 'guilds[0].channels[0].e2ee'],
  [{ id: '2', name: 'c', type: 'text', e2ee: 'off' }, 'guilds[0].channels[0].e2ee'],
])('a bad e2ee in a seed is a SeedError naming the field (%#)', async (channel, path) => {
  const err = await startEmulator({
    seed: { guilds: [{ id: '1', name: 'x', channels: [channel as never] }] },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SeedError);
  expect(err).toMatchObject({ path });
});

test('a bad E2EE option is refused when the voice server starts', async () => {
  await expect(startVoiceServer({ e2ee: 'sometimes' as never })).rejects.toMatchObject({
    code: 'EMULATOR_BAD_OPTION',
  });
  await expect(startVoiceServer({ channels: { '1': 'nope' as never } })).rejects.toMatchObject({
    code: 'EMULATOR_BAD_OPTION',
  });
});

test('the deprecated requireE2EE maps to required / off; per-channel settings and setE2EE win over it', async () => {
  const all = await startVoiceServer({ requireE2EE: true });
  const some = await startVoiceServer({
    requireE2EE: (_g, c) => c === '7',
    channels: { '9': 'optional' },
    daveProtocolVersion: 1,
  });
  const none = await startVoiceServer({ daveProtocolVersion: 0 });
  try {
    expect(all.control.e2ee('1', '2')).toBe('required');
    expect(some.control.e2ee('1', '7')).toBe('required');
    expect(some.control.e2ee('1', '8')).toBe('off');
    expect(some.control.e2ee('1', '9')).toBe('optional');
    some.control.setE2EE('1', '8', 'optional');
    expect(some.control.e2ee('1', '8')).toBe('optional');
    // A server without DAVE runs every channel without it.
    expect(none.control.e2ee('1', '2')).toBe('off');
  } finally {
    await all.close();
    await some.close();
    await none.close();
  }
});
