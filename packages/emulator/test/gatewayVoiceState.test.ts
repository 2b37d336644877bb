import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator, type VoiceAllocation } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
});

const GUILD = '1300000000000000100';
const VOICE = '1300000000000000102';
const intents = 1 | (1 << 7);

test('op 4 join: VOICE_STATE_UPDATE then VOICE_SERVER_UPDATE with the configured endpoint and a token', async () => {
  emu = await startEmulator({ voiceEndpoint: '127.0.0.1:9999' });
  const c = await RawClient.connect(emu.gatewayUrl);
  clients.push(c);
  const ready = await c.ready(emu.token, { intents });
  c.send({ op: 4, d: { guild_id: GUILD, channel_id: VOICE, self_mute: false, self_deaf: true } });
  const state = await c.waitDispatch('VOICE_STATE_UPDATE');
  expect(state.d).toMatchObject({
    guild_id: GUILD,
    channel_id: VOICE,
    user_id: '1300000000000000001',
    session_id: ready.d.session_id,
    self_deaf: true,
  });
  const server = await c.waitDispatch('VOICE_SERVER_UPDATE');
  expect(server.d).toMatchObject({ guild_id: GUILD, endpoint: '127.0.0.1:9999' });
  expect(server.d.token).toMatch(/^[0-9a-f]{32}$/);
});

test('a voice provider allocates on join and releases on leave', async () => {
  const calls: string[] = [];
  let allocated: VoiceAllocation | undefined;
  emu = await startEmulator({
    voice: {
      allocate: async (req) => {
        allocated = req;
        calls.push(`allocate ${req.channelId}`);
        return { endpoint: 'voice.local:1234', token: 'voice-token' };
      },
      release: (req) => {
        calls.push(`release ${req.channelId}`);
      },
    },
  });
  const c = await RawClient.connect(emu.gatewayUrl);
  clients.push(c);
  const ready = await c.ready(emu.token, { intents });
  c.send({ op: 4, d: { guild_id: GUILD, channel_id: VOICE, self_mute: false, self_deaf: false } });
  const server = await c.waitDispatch('VOICE_SERVER_UPDATE');
  expect(server.d).toEqual({ token: 'voice-token', guild_id: GUILD, endpoint: 'voice.local:1234' });
  expect(allocated).toEqual({
    guildId: GUILD,
    channelId: VOICE,
    userId: '1300000000000000001',
    sessionId: ready.d.session_id,
  });
  const from = c.frames.length;
  c.send({ op: 4, d: { guild_id: GUILD, channel_id: null, self_mute: false, self_deaf: false } });
  const left = await c.waitDispatch('VOICE_STATE_UPDATE', from);
  expect(left.d.channel_id).toBeNull();
  expect(calls).toEqual([`allocate ${VOICE}`, `release ${VOICE}`]);
});

test('an op 4 with a malformed payload closes with 4001', async () => {
  emu = await startEmulator();
  const c = await RawClient.connect(emu.gatewayUrl);
  clients.push(c);
  await c.ready(emu.token, { intents });
  c.send({ op: 4, d: { guild_id: GUILD, channel_id: 5 } });
  expect((await c.closed).code).toBe(4001);
});
