import { afterEach, expect, test } from 'vitest';
import { type Emulator, EmulatorError, FRAME_MS, startEmulator } from '../src/index.js';
import { RawClient } from './gatewayClient.js';

const GUILD = '1300000000000000100';
const TEXT = '1300000000000000101';
const VOICE = '1300000000000000102';
// GUILDS | GUILD_MEMBERS | GUILD_VOICE_STATES | GUILD_PRESENCES | GUILD_MESSAGES
const BASE_INTENTS = 1 | (1 << 1) | (1 << 7) | (1 << 8) | (1 << 9);
const MESSAGE_CONTENT = 1 << 15;

let emu: Emulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await emu?.close();
  emu = undefined;
});

async function bot(e: Emulator, intents: number): Promise<RawClient> {
  const c = await RawClient.connect(e.gatewayUrl);
  clients.push(c);
  await c.ready(e.token, { intents });
  await c.waitDispatch('GUILD_CREATE');
  return c;
}

/** A fake Opus frame carrying its index (the relay does not look inside). */
function frame(i: number): Uint8Array {
  const f = new Uint8Array(40);
  f[0] = 0xfc;
  new DataView(f.buffer).setUint32(1, i);
  return f;
}

test('a simulated user types: MESSAGE_CREATE reaches the bot, content stripped without MESSAGE_CONTENT', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const withContent = await bot(emu, BASE_INTENTS | MESSAGE_CONTENT);
  const without = await bot(emu, BASE_INTENTS);
  const noMessages = await bot(emu, 1);
  const alice = emu.users.create({ username: 'alice' });
  const sent = alice.say(TEXT, 'hello bot');
  const a = await withContent.waitDispatch('MESSAGE_CREATE');
  expect(a.d).toMatchObject({ id: sent.id, channel_id: TEXT, guild_id: GUILD, content: 'hello bot' });
  expect(a.d.author).toMatchObject({ id: alice.id, username: 'alice' });
  const b = await without.waitDispatch('MESSAGE_CREATE');
  expect(b.d).toMatchObject({ id: sent.id, content: '' });
  alice.goOffline();
  // What each session was sent is logged per session, when it is sent: the session without
  // GUILD_MESSAGES (and GUILD_PRESENCES) got neither event.
  const sessions = emu.control.sessions().map((s) => s.sessionId);
  const got = (i: number) => emu!.control.received(sessions[i]).map((r) => r.t);
  expect(got(0)).toEqual(['READY', 'GUILD_CREATE', 'GUILD_MEMBER_ADD', 'MESSAGE_CREATE', 'PRESENCE_UPDATE']);
  expect(got(2)).toEqual(['READY', 'GUILD_CREATE']);
  expect(noMessages.dispatches().map((f) => f.t)).toEqual(['READY', 'GUILD_CREATE']);
});

test('presence, guild membership: PRESENCE_UPDATE, GUILD_MEMBER_ADD/REMOVE with the intents that gate them', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const c = await bot(emu, BASE_INTENTS);
  const carol = emu.users.create({ username: 'carol', guilds: [] });
  expect(c.dispatches().some((f) => f.t === 'GUILD_MEMBER_ADD')).toBe(false);
  carol.joinGuild(GUILD);
  expect((await c.waitDispatch('GUILD_MEMBER_ADD')).d).toMatchObject({
    guild_id: GUILD,
    user: { id: carol.id },
  });
  carol.goOffline();
  expect((await c.waitDispatch('PRESENCE_UPDATE')).d).toMatchObject({
    guild_id: GUILD,
    user: { id: carol.id },
    status: 'offline',
  });
  const from = c.frames.length;
  carol.setStatus('dnd');
  expect((await c.waitDispatch('PRESENCE_UPDATE', from)).d.status).toBe('dnd');
  carol.leaveGuild(GUILD);
  expect((await c.waitDispatch('GUILD_MEMBER_REMOVE')).d).toMatchObject({
    guild_id: GUILD,
    user: { id: carol.id },
  });
  // A new session's GUILD_CREATE has no presence for an offline user.
  const bobId = '1300000000000000011';
  emu.users.create({ id: bobId, username: 'bob' }).goOffline();
  const late = await RawClient.connect(emu.gatewayUrl);
  clients.push(late);
  await late.ready(emu.token, { intents: BASE_INTENTS });
  const guild = await late.waitDispatch('GUILD_CREATE');
  const online = guild.d.presences.map((p: { user: { id: string } }) => p.user.id);
  expect(online).toContain('1300000000000000010');
  expect(online).not.toContain(bobId);
});

test('two simulated users in a voice call: VOICE_STATE_UPDATEs reach the bot, one speaks, the other hears every frame', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: true });
  const c = await bot(emu, BASE_INTENTS);
  const alice = emu.users.create({ username: 'alice', id: '1300000000000000010' });
  const dave = emu.users.create({ username: 'dave' });
  await alice.joinVoice(VOICE);
  await dave.joinVoice(VOICE);
  const joined = c.dispatches().filter((f) => f.t === 'VOICE_STATE_UPDATE' && f.d.channel_id === VOICE);
  expect(joined.map((f) => f.d.user_id)).toEqual(expect.arrayContaining([alice.id, dave.id]));
  expect(emu.world.guild(GUILD).voiceStates.get(dave.id)).toMatchObject({ channelId: VOICE });
  // The channel requires E2EE (the default): both joined with DAVE, in one MLS group.
  await alice.voiceSettled();
  expect(alice.daveProtocolVersion).toBe(1);
  expect(dave.voicePrivacyCode).toMatch(/^\d{30}$/);
  expect(alice.voicePrivacyCode).toBe(dave.voicePrivacyCode);

  await alice.speak(Array.from({ length: 25 }, (_, i) => frame(i)));
  const deadline = Date.now() + 10_000;
  while (dave.heard.frames(alice.id).length < 25 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const heard = dave.heard.frames(alice.id).map((f) => new DataView(f.buffer, f.byteOffset).getUint32(1));
  expect(heard).toEqual(Array.from({ length: 25 }, (_, i) => i));
  expect(dave.heard.durationMs(alice.id)).toBe(25 * FRAME_MS);
  expect(dave.heard.bySsrc(alice.id)).toHaveLength(1);
  // She does not hear herself.
  expect(alice.heard.frames(alice.id)).toEqual([]);

  const from = c.frames.length;
  dave.leaveVoice();
  const left = await c.waitFor((f) => f.t === 'VOICE_STATE_UPDATE' && f.d.user_id === dave.id, from);
  expect(left.d.channel_id).toBeNull();
  expect(() => dave.speak([frame(0)])).toThrow(EmulatorError);
});

test('a simulated user speaks a tone and another hears it: frequency and duration from the decoded audio', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: true });
  const alice = emu.users.create({ username: 'alice', id: '1300000000000000010' });
  const dave = emu.users.create({ username: 'dave' });
  await alice.joinVoice(VOICE);
  await dave.joinVoice(VOICE);
  await alice.speak({ tone: 440, seconds: 1 });
  const deadline = Date.now() + 10_000;
  while (dave.heard(alice.id).durationMs < 1000 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const heard = dave.heard(alice.id);
  expect(heard.durationMs).toBe(1000);
  expect(heard.dominantFrequency).toBeGreaterThan(430);
  expect(heard.dominantFrequency).toBeLessThan(450);
  expect(heard.matchesTone(440)).toBe(true);
  expect(heard.matchesTone(880)).toBe(false);
  expect(heard.toneMs(440)).toBeGreaterThanOrEqual(960);
  expect(heard.toneMs(660)).toBe(0);
  expect(heard.pcm).toHaveLength(50 * 960 * 2);
  // Everyone's audio is hers alone here; she hears nothing of herself.
  expect(dave.heard().durationMs).toBe(1000);
  expect(alice.heard(alice.id).dominantFrequency).toBeUndefined();
});

test('a simulated user runs a slash command: INTERACTION_CREATE with an id and token; the bot answers over REST', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  const c = await bot(emu, BASE_INTENTS);
  const auth = { authorization: `Bot ${emu.token}`, 'content-type': 'application/json' };
  const appId = emu.world.application.id;
  const created = await fetch(`${emu.restUrl}/applications/${appId}/guilds/${GUILD}/commands`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'ping', description: 'pong?' }),
  });
  expect(created.status).toBe(201);
  const alice = emu.users.create({ username: 'alice', id: '1300000000000000010' });
  const interaction = alice.runCommand(TEXT, 'ping');
  const event = await c.waitDispatch('INTERACTION_CREATE');
  expect(event.d).toMatchObject({
    id: interaction.id,
    token: interaction.token,
    type: 2,
    data: { name: 'ping' },
  });
  const answered = await fetch(
    `${emu.restUrl}/interactions/${interaction.id}/${interaction.token}/callback`,
    {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ type: 4, data: { content: 'pong' } }),
    },
  );
  expect(answered.status).toBe(204);
  const reply = await interaction.reply();
  expect(reply.message?.content).toBe('pong');
  expect((await emu.bot.waitForMessage((m) => m.content === 'pong')).channel_id).toBe(TEXT);
});

test('moving between voice channels: the bot sees the move, and only the new channel hears her', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: true });
  const c = await bot(emu, BASE_INTENTS);
  const lounge = emu.world.createChannel(GUILD, { name: 'lounge', type: 2 });
  const alice = emu.users.create({ username: 'alice', id: '1300000000000000010' });
  const dave = emu.users.create({ username: 'dave' });
  const erin = emu.users.create({ username: 'erin' });
  await dave.joinVoice(VOICE);
  await erin.joinVoice(lounge.id);
  await alice.joinVoice(VOICE);
  const from = c.frames.length;
  await alice.moveVoice(lounge.id);
  expect(alice.voiceChannelId).toBe(lounge.id);
  // In the E2EE call she joined the lounge's group with erin.
  expect(alice.voicePrivacyCode).toBe(erin.voicePrivacyCode);
  expect(alice.voicePrivacyCode).not.toBe('');
  const moved = await c.waitFor(
    (f) => f.t === 'VOICE_STATE_UPDATE' && f.d.user_id === alice.id && f.d.channel_id === lounge.id,
    from,
  );
  expect(moved.d.guild_id).toBe(GUILD);
  await alice.speak(Array.from({ length: 10 }, (_, i) => frame(i)));
  const deadline = Date.now() + 10_000;
  while (erin.heard.frames(alice.id).length < 10 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  expect(erin.heard.frames(alice.id)).toHaveLength(10);
  expect(dave.heard.frames(alice.id)).toEqual([]);
  // A real move, not a leave and a join: the bot never saw her without a channel.
  const aliceStates = () =>
    c.frames
      .slice(from)
      .filter((f) => f.t === 'VOICE_STATE_UPDATE' && f.d.user_id === alice.id)
      .map((f) => f.d.channel_id);
  expect(aliceStates()).toEqual([lounge.id]);

  // And back: the voice channel's group takes her again, the lounge's goes on with erin alone.
  await alice.moveVoice(VOICE);
  expect(alice.voicePrivacyCode).toBe(dave.voicePrivacyCode);
  expect(alice.voicePrivacyCode).not.toBe('');
  await alice.speak(Array.from({ length: 10 }, (_, i) => frame(100 + i)));
  const back = Date.now() + 10_000;
  while (dave.heard.frames(alice.id).length < 10 && Date.now() < back)
    await new Promise((r) => setTimeout(r, 20));
  expect(dave.heard.frames(alice.id)).toHaveLength(10);
  expect(erin.heard.frames(alice.id)).toHaveLength(10);
  await c.waitFor(
    (f) => f.t === 'VOICE_STATE_UPDATE' && f.d.user_id === alice.id && f.d.channel_id === VOICE,
    from,
  );
  expect(aliceStates()).toEqual([lounge.id, VOICE]);
});

test('intents gate what simulated users cause: each session gets only the events its intents allow', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0, voiceServer: true });
  const GUILDS = 1;
  const only = {
    members: await bot(emu, GUILDS | (1 << 1)),
    voice: await bot(emu, GUILDS | (1 << 7)),
    presences: await bot(emu, GUILDS | (1 << 8)),
    messages: await bot(emu, GUILDS | (1 << 9)),
  };
  const ids = emu.control.sessions().map((s) => s.sessionId);
  const carol = emu.users.create({ username: 'carol' }); // GUILD_MEMBER_ADD
  carol.say(TEXT, 'hi');
  carol.goOffline();
  await carol.joinVoice(VOICE);
  carol.leaveVoice();
  carol.leaveGuild(GUILD);
  const events = (i: number) =>
    [...new Set(emu!.control.received(ids[i]).map((r) => r.t))].filter(
      (t) => t !== 'READY' && t !== 'GUILD_CREATE',
    );
  expect(events(0)).toEqual(['GUILD_MEMBER_ADD', 'GUILD_MEMBER_REMOVE']);
  expect(events(1)).toEqual(['VOICE_STATE_UPDATE']);
  expect(events(2)).toEqual(['PRESENCE_UPDATE']);
  expect(events(3)).toEqual(['MESSAGE_CREATE']);
  // And the socket got what the log says.
  await only.voice.waitFor((f) => f.t === 'VOICE_STATE_UPDATE' && f.d.channel_id === null);
  expect(only.messages.dispatches().map((f) => f.t)).toEqual(['READY', 'GUILD_CREATE', 'MESSAGE_CREATE']);
  expect(only.members.frames.length).toBeGreaterThan(0);
  expect(only.presences.frames.length).toBeGreaterThan(0);
});

test('a DM, an autocomplete and a modal submit reach the bot as Discord sends them', async () => {
  emu = await startEmulator({ identifyIntervalMs: 0 });
  // GUILDS | DIRECT_MESSAGES, no MESSAGE_CONTENT: DMs keep their content anyway.
  const c = await bot(emu, 1 | (1 << 12));
  const alice = emu.users.create({ username: 'alice', id: '1300000000000000010' });
  const dm = alice.dm('psst');
  const got = await c.waitDispatch('MESSAGE_CREATE');
  expect(got.d).toMatchObject({ id: dm.id, channel_id: dm.channel_id, content: 'psst' });
  expect(got.d.guild_id).toBeUndefined();

  const auth = { authorization: `Bot ${emu.token}`, 'content-type': 'application/json' };
  await fetch(`${emu.restUrl}/applications/${emu.world.application.id}/commands`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      name: 'play',
      description: 'play a song',
      options: [{ name: 'song', description: 'which', type: 3, autocomplete: true }],
    }),
  });
  const typing = alice.autocomplete(TEXT, 'play', [{ name: 'song', type: 3, value: 'ne', focused: true }]);
  const auto = await c.waitFor((f) => f.t === 'INTERACTION_CREATE' && f.d.id === typing.id);
  expect(auto.d).toMatchObject({
    type: 4,
    data: { name: 'play', options: [{ name: 'song', focused: true, value: 'ne' }] },
  });
  await fetch(`${emu.restUrl}/interactions/${typing.id}/${typing.token}/callback`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ type: 8, data: { choices: [{ name: 'Never', value: 'never' }] } }),
  });
  expect((await typing.callback()).data).toEqual({ choices: [{ name: 'Never', value: 'never' }] });

  const form = alice.submitModal(TEXT, 'feedback', { text: 'great bot' });
  const submitted = await c.waitFor((f) => f.t === 'INTERACTION_CREATE' && f.d.id === form.id);
  expect(submitted.d).toMatchObject({
    type: 5,
    data: {
      custom_id: 'feedback',
      components: [{ type: 1, components: [{ type: 4, custom_id: 'text', value: 'great bot' }] }],
    },
  });
});
