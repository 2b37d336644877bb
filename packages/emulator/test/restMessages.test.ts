/**
 * Channels, messages, reactions and typing over real HTTP with @discordjs/rest as the client,
 * and what the bot's gateway sees of them (MESSAGE_CREATE etc., intents respected).
 */
import { DiscordAPIError } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { expect, test } from 'vitest';
import type { Emulator } from '../src/index.js';
import { Permission } from '../src/world/index.js';
import { RawClient } from './gatewayClient.js';
import { restEmulatorPerTest } from './helpers/restEmulator.js';

const GUILD = '1300000000000000100';
const GENERAL = '1300000000000000101';
const ALICE = '1300000000000000010';
const BOB = '1300000000000000011';
const BOT = '1300000000000000001';

const perTest = restEmulatorPerTest();
const clients = perTest.clients;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
type Json = any;

const setup = () => perTest.start();

async function gateway(e: Emulator, intents: number): Promise<RawClient> {
  const c = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(c);
  await c.ready(e.token, { intents });
  return c;
}

test('a bot posts, reads, pages, edits and deletes messages; its gateway sees each change', async () => {
  const { emu: e, rest } = await setup();
  // GUILDS | GUILD_MESSAGES, without MESSAGE_CONTENT: the bot's own messages keep their content.
  const gw = await gateway(e, (1 << 0) | (1 << 9));

  const sent: Json[] = [];
  for (let i = 0; i < 7; i++) {
    sent.push(await rest.post(Routes.channelMessages(GENERAL), { body: { content: `m${i}`, tts: false } }));
  }
  expect(sent[0]).toMatchObject({
    channel_id: GENERAL,
    content: 'm0',
    author: { id: BOT, bot: true },
    type: 0,
  });
  expect(sent[0].id).toMatch(/^\d{17,19}$/);
  const created = await gw.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.id === sent[6].id);
  expect(created.d).toMatchObject({ guild_id: GUILD, content: 'm6', member: { roles: expect.any(Array) } });

  const newest: Json[] = (await rest.get(Routes.channelMessages(GENERAL), {
    query: new URLSearchParams({ limit: '3' }),
  })) as Json[];
  expect(newest.map((m) => m.content)).toEqual(['m6', 'm5', 'm4']);
  const before: Json[] = (await rest.get(Routes.channelMessages(GENERAL), {
    query: new URLSearchParams({ before: sent[3].id, limit: '2' }),
  })) as Json[];
  expect(before.map((m) => m.content)).toEqual(['m2', 'm1']);
  const after: Json[] = (await rest.get(Routes.channelMessages(GENERAL), {
    query: new URLSearchParams({ after: sent[3].id, limit: '2' }),
  })) as Json[];
  expect(after.map((m) => m.content)).toEqual(['m5', 'm4']);
  const around: Json[] = (await rest.get(Routes.channelMessages(GENERAL), {
    query: new URLSearchParams({ around: sent[3].id, limit: '3' }),
  })) as Json[];
  expect(around.map((m) => m.content)).toEqual(['m4', 'm3', 'm2']);

  const one: Json = await rest.get(Routes.channelMessage(GENERAL, sent[1].id));
  expect(one.content).toBe('m1');

  const edited: Json = await rest.patch(Routes.channelMessage(GENERAL, sent[1].id), {
    body: { content: 'm1!' },
  });
  expect(edited.content).toBe('m1!');
  expect(edited.edited_timestamp).not.toBeNull();
  await gw.waitFor((f) => f.t === 'MESSAGE_UPDATE' && f.d.id === sent[1].id && f.d.content === 'm1!');

  await rest.delete(Routes.channelMessage(GENERAL, sent[1].id));
  await gw.waitFor((f) => f.t === 'MESSAGE_DELETE' && f.d.id === sent[1].id && f.d.guild_id === GUILD);
  await expect(rest.get(Routes.channelMessage(GENERAL, sent[1].id))).rejects.toMatchObject({
    status: 404,
    code: 10008,
  });

  await rest.post(Routes.channelBulkDelete(GENERAL), { body: { messages: [sent[2].id, sent[3].id] } });
  const bulk = await gw.waitDispatch('MESSAGE_DELETE_BULK');
  expect(bulk.d).toEqual({ ids: [sent[2].id, sent[3].id], channel_id: GENERAL, guild_id: GUILD });
  await expect(
    rest.post(Routes.channelBulkDelete(GENERAL), { body: { messages: [sent[4].id] } }),
  ).rejects.toMatchObject({ code: 50016 });
});

test('replies, mentions, embeds, components and file metadata come back as Discord shapes them', async () => {
  const { emu: e, rest } = await setup();
  const hello = e.world.postMessage(GENERAL, ALICE, { content: 'hello bot' });
  const reply: Json = await rest.post(Routes.channelMessages(GENERAL), {
    body: {
      content: `hi <@${ALICE}>`,
      message_reference: { message_id: hello.id },
      embeds: [{ title: 't', description: 'd', fields: [{ name: 'n', value: 'v' }] }],
      components: [{ type: 1, components: [{ type: 2, style: 1, custom_id: 'ok', label: 'OK' }] }],
    },
    files: [{ name: 'note.txt', data: Buffer.from('hello file'), contentType: 'text/plain' }],
  });
  expect(reply).toMatchObject({
    type: 19,
    message_reference: { message_id: hello.id, channel_id: GENERAL, guild_id: GUILD },
    referenced_message: { id: hello.id, content: 'hello bot' },
    mentions: [{ id: ALICE }],
    embeds: [{ title: 't' }],
    components: [{ type: 1 }],
    attachments: [{ filename: 'note.txt', size: 10, content_type: 'text/plain' }],
  });
});

test('reactions and typing: add, list, remove, clear; each dispatched with GUILD_MESSAGE_REACTIONS / TYPING', async () => {
  const { emu: e, rest } = await setup();
  const gw = await gateway(e, (1 << 0) | (1 << 10) | (1 << 11));
  const m = e.world.postMessage(GENERAL, ALICE, { content: 'react to me' });

  await rest.put(Routes.channelMessageOwnReaction(GENERAL, m.id, '👍'));
  await rest.put(Routes.channelMessageOwnReaction(GENERAL, m.id, 'party:1300000000000009999'));
  e.world.addReaction(GENERAL, m.id, ALICE, { id: null, name: '👍' });
  const add = await gw.waitDispatch('MESSAGE_REACTION_ADD');
  expect(add.d).toMatchObject({ user_id: BOT, message_id: m.id, emoji: { name: '👍' }, guild_id: GUILD });
  const users = (await rest.get(Routes.channelMessageReaction(GENERAL, m.id, '👍'))) as Json[];
  expect(users.map((u) => u.id).sort()).toEqual([BOT, ALICE].sort());
  const fetched: Json = await rest.get(Routes.channelMessage(GENERAL, m.id));
  expect(fetched.reactions).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ count: 2, me: true, emoji: { id: null, name: '👍' } }),
    ]),
  );

  await rest.delete(Routes.channelMessageUserReaction(GENERAL, m.id, '👍', ALICE));
  await gw.waitFor((f) => f.t === 'MESSAGE_REACTION_REMOVE' && f.d.user_id === ALICE);
  await rest.delete(Routes.channelMessageAllReactions(GENERAL, m.id));
  await gw.waitDispatch('MESSAGE_REACTION_REMOVE_ALL');
  expect(((await rest.get(Routes.channelMessage(GENERAL, m.id))) as Json).reactions).toBeUndefined();

  await rest.post(Routes.channelTyping(GENERAL));
  const typing = await gw.waitDispatch('TYPING_START');
  expect(typing.d).toMatchObject({ channel_id: GENERAL, user_id: BOT, guild_id: GUILD });
});

test('a session without GUILD_MESSAGES gets no MESSAGE_CREATE; without MESSAGE_CONTENT others’ content is empty', async () => {
  const { emu: e, rest } = await setup();
  const guildsOnly = await gateway(e, 1 << 0);
  const messages = await gateway(e, (1 << 0) | (1 << 9));
  e.world.postMessage(GENERAL, ALICE, { content: 'secret words' });
  const own: Json = await rest.post(Routes.channelMessages(GENERAL), { body: { content: 'mine' } });
  const got = await messages.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.id === own.id);
  expect(got.d.content).toBe('mine');
  const alices = messages.dispatches().find((f) => f.t === 'MESSAGE_CREATE' && f.d.author.id === ALICE);
  expect(alices?.d.content).toBe('');
  // A later event both sessions receive marks the point by which MESSAGE_CREATE would have arrived.
  e.world.updateChannel(GENERAL, { topic: 'marker' });
  await guildsOnly.waitFor((f) => f.t === 'CHANNEL_UPDATE' && f.d.topic === 'marker');
  expect(guildsOnly.dispatches().filter((f) => f.t === 'MESSAGE_CREATE')).toEqual([]);
});

test('channels: get, modify (CHANNEL_UPDATE), permission overwrites, DM channel', async () => {
  const { emu: e, rest } = await setup();
  const gw = await gateway(e, 1 << 0);
  const channel: Json = await rest.get(Routes.channel(GENERAL));
  expect(channel).toMatchObject({
    id: GENERAL,
    guild_id: GUILD,
    name: 'general',
    type: 0,
    permission_overwrites: [],
  });
  const patched: Json = await rest.patch(Routes.channel(GENERAL), { body: { name: 'lobby', topic: 'hi' } });
  expect(patched).toMatchObject({ name: 'lobby', topic: 'hi' });
  await gw.waitFor((f) => f.t === 'CHANNEL_UPDATE' && f.d.name === 'lobby');
  // Bob is not the owner (Alice is), so an overwrite applies to him.
  await rest.put(Routes.channelPermission(GENERAL, BOB), {
    body: { type: 1, allow: '0', deny: String(Permission.SEND_MESSAGES) },
  });
  expect(e.world.permissions(GUILD, BOB, GENERAL) & Permission.SEND_MESSAGES).toBe(0n);
  await rest.delete(Routes.channelPermission(GENERAL, BOB));
  expect(e.world.permissions(GUILD, BOB, GENERAL) & Permission.SEND_MESSAGES).toBe(Permission.SEND_MESSAGES);
  const dm: Json = await rest.post(Routes.userChannels(), { body: { recipient_id: ALICE } });
  expect(dm).toMatchObject({ type: 1, recipients: [{ id: ALICE }] });
  const again: Json = await rest.post(Routes.userChannels(), { body: { recipient_id: ALICE } });
  expect(again.id).toBe(dm.id);
  const inDm: Json = await rest.post(Routes.channelMessages(dm.id), { body: { content: 'psst' } });
  expect(inDm.channel_id).toBe(dm.id);
});

test('DiscordAPIError carries Discord’s message and field paths', async () => {
  const { rest } = await setup();
  const err = await rest
    .post(Routes.channelMessages(GENERAL), { body: { content: 'x'.repeat(2001) } })
    .catch((x: unknown) => x);
  expect(err).toBeInstanceOf(DiscordAPIError);
  expect((err as DiscordAPIError).code).toBe(50035);
  expect((err as DiscordAPIError).message).toContain(
    'content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.',
  );
});

test('pins: pin, list (new and deprecated routes), unpin; CHANNEL_PINS_UPDATE each time', async () => {
  const { emu: e, rest } = await setup();
  const gw = await gateway(e, 1 << 0);
  const a = e.world.postMessage(GENERAL, ALICE, { content: 'first' });
  const b = e.world.postMessage(GENERAL, ALICE, { content: 'second' });
  await rest.put(Routes.channelMessagesPin(GENERAL, a.id));
  await rest.put(Routes.channelPin(GENERAL, b.id));
  const update = await gw.waitDispatch('CHANNEL_PINS_UPDATE');
  expect(update.d).toMatchObject({
    channel_id: GENERAL,
    guild_id: GUILD,
    last_pin_timestamp: expect.any(String),
  });
  const pins: Json = await rest.get(Routes.channelMessagesPins(GENERAL));
  expect(pins.has_more).toBe(false);
  expect(pins.items.map((p: Json) => p.message.id).sort()).toEqual([a.id, b.id].sort());
  expect(pins.items[0].message.pinned).toBe(true);
  const legacy = (await rest.get(Routes.channelPins(GENERAL))) as Json[];
  expect(legacy).toHaveLength(2);
  const before = gw.frames.length;
  await rest.delete(Routes.channelMessagesPin(GENERAL, a.id));
  expect(((await rest.get(Routes.channelPins(GENERAL))) as Json[]).map((m) => m.id)).toEqual([b.id]);
  await gw.waitFor((f) => f.t === 'CHANNEL_PINS_UPDATE', before);
});
