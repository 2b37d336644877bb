/**
 * The interaction lifecycle over real HTTP: a simulated user runs a command, the bot answers
 * through the callback and the webhook routes exactly as discord.js calls them, and the world
 * reports each answer. Timing rules (3 s to acknowledge, 15 min of token) run on a fake clock.
 */
import { Routes } from 'discord.js';
import { expect, test } from 'vitest';
import { RawClient } from './gatewayClient.js';
import { restEmulatorPerTest } from './helpers/restEmulator.js';
import { FakeClock } from './fakeClock.js';

const GENERAL = '1300000000000000101';
const GUILD = '1300000000000000100';
const ALICE = '1300000000000000010';
const APP = '1300000000000000001';

const perTest = restEmulatorPerTest();
const clients = perTest.clients;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
type Json = any;

async function setup(clock?: FakeClock) {
  // Interaction and webhook routes go without the bot token, as discord.js sends them.
  const { emu: e, rest } = await perTest.start(clock ? { clock } : {});
  await rest.put(Routes.applicationGuildCommands(APP, GUILD), {
    body: [
      {
        name: 'play',
        description: 'Plays a song',
        options: [{ type: 3, name: 'query', description: 'q', autocomplete: true }],
      },
      { name: 'ping', description: 'pong' },
    ],
  });
  return { e, rest };
}

test('INTERACTION_CREATE reaches the bot with what discord.js needs; a reply (4) is a MESSAGE_CREATE; a second callback is 40060', async () => {
  const { e, rest } = await setup();
  const gw = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(gw);
  // No intents at all: INTERACTION_CREATE is never gated.
  await gw.ready(e.token, { intents: 0 });
  const i = e.world.interactions.runCommand({
    userId: ALICE,
    channelId: GENERAL,
    name: 'ping',
  });
  const created = await gw.waitDispatch('INTERACTION_CREATE');
  expect(created.d).toMatchObject({
    id: i.id,
    token: i.token,
    application_id: APP,
    type: 2,
    data: { name: 'ping', type: 1, guild_id: GUILD },
    guild_id: GUILD,
    channel_id: GENERAL,
    channel: { id: GENERAL, type: 0 },
    member: { user: { id: ALICE }, permissions: expect.any(String) },
    entitlements: [],
    authorizing_integration_owners: { '0': GUILD },
    app_permissions: expect.any(String),
    version: 1,
  });

  await rest.post(Routes.interactionCallback(i.id, i.token), {
    body: { type: 4, data: { content: 'pong', tts: false, enforce_nonce: false } },
    auth: false,
    query: new URLSearchParams({ with_response: 'false' }),
  });
  const answer = await e.world.interactions.waitForResponse(i.id);
  expect(answer).toMatchObject({ kind: 'callback', callbackType: 4, message: { content: 'pong', type: 20 } });
  expect(e.world.listMessages(GENERAL, { limit: 1 })[0]).toMatchObject({
    content: 'pong',
    interaction_metadata: { id: i.id, user: { id: ALICE } },
  });

  const twice: Json = await rest
    .post(Routes.interactionCallback(i.id, i.token), {
      body: { type: 4, data: { content: 'again' } },
      auth: false,
    })
    .catch((x: Json) => x);
  expect(twice).toMatchObject({ status: 400, code: 40060 });
  const wrongToken: Json = await rest
    .post(Routes.interactionCallback(i.id, 'not-the-token'), {
      body: { type: 4, data: { content: 'x' } },
      auth: false,
    })
    .catch((x: Json) => x);
  expect(wrongToken).toMatchObject({ status: 404, code: 10062 });
});

test('deferred reply (5), then editReply, fetchReply, followUp and deleteReply through the webhook routes', async () => {
  const { e, rest } = await setup();
  const i = e.world.interactions.runCommand({
    userId: ALICE,
    channelId: GENERAL,
    name: 'play',
    options: [{ name: 'query', type: 3, value: 'song' }],
  });
  await rest.post(Routes.interactionCallback(i.id, i.token), {
    body: { type: 5, data: { flags: 0 } },
    auth: false,
  });
  const deferred = await e.world.interactions.waitForResponse(i.id);
  expect(deferred.message?.flags).toBe(128);

  const edited: Json = await rest.patch(Routes.webhookMessage(APP, i.token, '@original'), {
    body: { content: 'Now playing: song' },
    auth: false,
  });
  expect(edited).toMatchObject({ content: 'Now playing: song', flags: 0, channel_id: GENERAL });
  expect(await rest.get(Routes.webhookMessage(APP, i.token, '@original'), { auth: false })).toMatchObject({
    id: edited.id,
  });
  const follow: Json = await rest.post(Routes.webhook(APP, i.token), {
    body: { content: 'queued 3 more' },
    auth: false,
    query: new URLSearchParams({ wait: 'true' }),
  });
  expect(follow).toMatchObject({ content: 'queued 3 more', webhook_id: APP });
  const kinds = e.world.interactions.get(i.id)!.responses.map((r) => r.kind);
  expect(kinds).toEqual(['callback', 'editOriginal', 'followup']);
  await rest.delete(Routes.webhookMessage(APP, i.token, '@original'), { auth: false });
  await expect(
    rest.get(Routes.webhookMessage(APP, i.token, '@original'), { auth: false }),
  ).rejects.toMatchObject({
    code: 10008,
  });
});

test('components: update (7) edits the clicked message; autocomplete (8) and modal (9) are recorded; bad types are 50035', async () => {
  const { e, rest } = await setup();
  const msg: Json = await rest.post(Routes.channelMessages(GENERAL), {
    body: {
      content: 'pick',
      components: [{ type: 1, components: [{ type: 2, style: 1, custom_id: 'go', label: 'Go' }] }],
    },
  });
  const click = e.world.interactions.clickComponent({
    userId: ALICE,
    channelId: GENERAL,
    messageId: msg.id,
    customId: 'go',
  });
  await rest.post(Routes.interactionCallback(click.id, click.token), {
    body: { type: 7, data: { content: 'picked', components: [] } },
    auth: false,
  });
  expect(e.world.message(GENERAL, msg.id)).toMatchObject({ content: 'picked', components: [] });

  const ac = e.world.interactions.runCommand({
    userId: ALICE,
    channelId: GENERAL,
    name: 'play',
    autocomplete: true,
    options: [{ name: 'query', type: 3, value: 'so', focused: true }],
  });
  expect(ac.type).toBe(4);
  const notChoices: Json = await rest
    .post(Routes.interactionCallback(ac.id, ac.token), {
      body: { type: 4, data: { content: 'no' } },
      auth: false,
    })
    .catch((x: Json) => x);
  expect(notChoices.code).toBe(50035);
  await rest.post(Routes.interactionCallback(ac.id, ac.token), {
    body: { type: 8, data: { choices: [{ name: 'song', value: 'song' }] } },
    auth: false,
  });
  expect((await e.world.interactions.waitForResponse(ac.id)).data).toEqual({
    choices: [{ name: 'song', value: 'song' }],
  });

  const cmd = e.world.interactions.runCommand({ userId: ALICE, channelId: GENERAL, name: 'ping' });
  const tooLong: Json = await rest
    .post(Routes.interactionCallback(cmd.id, cmd.token), {
      body: { type: 9, data: { custom_id: 'm', title: 't'.repeat(46), components: [{ type: 18 }] } },
      auth: false,
    })
    .catch((x: Json) => x);
  expect(tooLong.rawError.errors.data.title._errors[0].code).toBe('BASE_TYPE_BAD_LENGTH');
  await rest.post(Routes.interactionCallback(cmd.id, cmd.token), {
    body: {
      type: 9,
      data: {
        custom_id: 'm',
        title: 'Tell me',
        components: [{ type: 18, label: 'x', component: { type: 4, custom_id: 'a', style: 1 } }],
      },
    },
    auth: false,
  });
  expect((await e.world.interactions.waitForResponse(cmd.id)).callbackType).toBe(9);
});

test('the first answer must come within 3 s (10062); the token works for 15 min, then 50027', async () => {
  const clock = new FakeClock();
  const { e, rest } = await setup(clock);
  const late = e.world.interactions.runCommand({ userId: ALICE, channelId: GENERAL, name: 'ping' });
  clock.advance(3_001);
  await expect(
    rest.post(Routes.interactionCallback(late.id, late.token), {
      body: { type: 4, data: { content: 'x' } },
      auth: false,
    }),
  ).rejects.toMatchObject({ status: 404, code: 10062 });

  const i = e.world.interactions.runCommand({ userId: ALICE, channelId: GENERAL, name: 'ping' });
  await rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 5 }, auth: false });
  clock.advance(14 * 60_000);
  await rest.patch(Routes.webhookMessage(APP, i.token, '@original'), {
    body: { content: 'still ok' },
    auth: false,
  });
  clock.advance(60_001);
  await expect(
    rest.patch(Routes.webhookMessage(APP, i.token, '@original'), {
      body: { content: 'too late' },
      auth: false,
    }),
  ).rejects.toMatchObject({ status: 401, code: 50027 });
  // A follow-up before any answer is an unknown webhook, as on Discord.
  const fresh = e.world.interactions.runCommand({ userId: ALICE, channelId: GENERAL, name: 'ping' });
  await expect(
    rest.post(Routes.webhook(APP, fresh.token), { body: { content: 'early' }, auth: false }),
  ).rejects.toMatchObject({ code: 10015 });
});

test('an ephemeral reply is not dispatched, not in the channel history, and reachable only through @original', async () => {
  const { e, rest } = await setup();
  const gw = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(gw);
  await gw.ready(e.token, { intents: (1 << 0) | (1 << 9) });
  const i = e.world.interactions.runCommand({ userId: ALICE, channelId: GENERAL, name: 'ping' });
  await rest.post(Routes.interactionCallback(i.id, i.token), {
    body: { type: 4, data: { content: 'only you', flags: 64 } },
    auth: false,
  });
  const original: Json = await rest.get(Routes.webhookMessage(APP, i.token, '@original'), { auth: false });
  expect(original).toMatchObject({ content: 'only you', flags: 64 });
  await expect(rest.get(Routes.channelMessage(GENERAL, original.id))).rejects.toMatchObject({ code: 10008 });
  expect(e.world.listMessages(GENERAL, { limit: 100 }).map((m) => m.id)).not.toContain(original.id);
  // A later public message arrives; the ephemeral one never did.
  const after: Json = await rest.post(Routes.channelMessages(GENERAL), { body: { content: 'public' } });
  await gw.waitFor((f) => f.t === 'MESSAGE_CREATE' && f.d.id === after.id);
  expect(gw.dispatches().filter((f) => f.t === 'MESSAGE_CREATE' && f.d.id === original.id)).toEqual([]);
});
