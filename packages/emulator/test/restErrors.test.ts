/**
 * Discord's error answers over real HTTP: auth, unknown routes (logged), methods, bodies that
 * are not JSON or too large, validation with nested field errors, unknown ids and permissions.
 */
import { DiscordAPIError, REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { Permission } from '../src/world/index.js';

const GUILD = '1300000000000000100';
const GENERAL = '1300000000000000101';
const ALICE = '1300000000000000010';
const BOB = '1300000000000000011';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
type Json = any;

async function setup(extra: Parameters<typeof startEmulator>[0] = {}) {
  const lines: string[] = [];
  emu = await startEmulator({ restRateLimits: { enabled: false }, logger: (l) => lines.push(l), ...extra });
  const e = emu;
  const rest = new REST({ api: e.apiUrl, version: '10' }).setToken(e.token);
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${e.restUrl}${path}`, {
      ...init,
      headers: { authorization: `Bot ${e.token}`, ...(init.headers as Record<string, string> | undefined) },
    });
  return { e, rest, call, lines };
}

test('a bad or missing token is 401 {message:"401: Unauthorized", code:0}', async () => {
  const { e } = await setup();
  for (const headers of [{}, { authorization: 'Bot wrong' }, { authorization: e.token }] as Array<
    Record<string, string>
  >) {
    const res = await fetch(`${e.restUrl}/channels/${GENERAL}`, { headers });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  }
});

test('an unknown route is 404 {message:"404: Not Found", code:0}, logged with method and path; a wrong method is 405', async () => {
  const { call, lines, e } = await setup();
  const res = await call('/channels/1300000000000000101/frobnicate', { method: 'POST' });
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });
  expect(lines).toContain('rest: unknown route POST /channels/1300000000000000101/frobnicate');
  expect((await fetch(`http://127.0.0.1:${e.port}/api/v10/`)).status).toBe(404);
  const wrong = await call(`/channels/${GENERAL}/typing`, { method: 'GET' });
  expect(wrong.status).toBe(405);
  expect(await wrong.json()).toEqual({ message: '405: Method Not Allowed', code: 0 });
  expect(e.control.rest.requests().at(-1)).toMatchObject({ method: 'GET', status: 405 });
});

test('invalid JSON is 400/50109; no content type is 50035; a body over the cap is 413/40005 and the socket closes', async () => {
  const { call } = await setup({ restMaxBodyBytes: 4096 });
  const bad = await call(`/channels/${GENERAL}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"content": "x"',
  });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ message: 'The request body contains invalid JSON.', code: 50109 });
  const untyped = await call(`/channels/${GENERAL}/messages`, {
    method: 'POST',
    body: 'content=x',
    headers: { 'content-type': 'text/plain' },
  });
  expect(untyped.status).toBe(400);
  expect(((await untyped.json()) as Json).errors._errors[0].code).toBe('CONTENT_TYPE_INVALID');
  const huge = await call(`/channels/${GENERAL}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ content: 'x'.repeat(10_000) }),
  });
  expect(huge.status).toBe(413);
  expect(huge.headers.get('connection')).toBe('close');
  expect(await huge.json()).toEqual({ message: 'Request entity too large', code: 40005 });
});

test('validation: nested embed errors, embed total, empty message 50006, non-snowflake ids', async () => {
  const { rest, call } = await setup();
  const embeds: Json = await rest
    .post(Routes.channelMessages(GENERAL), {
      body: {
        embeds: [{ description: 'd'.repeat(4097) }, { fields: [{ name: 'n' }] }],
      },
    })
    .catch((x: Json) => x);
  expect(embeds).toBeInstanceOf(DiscordAPIError);
  expect(embeds.rawError).toEqual({
    message: 'Invalid Form Body',
    code: 50035,
    errors: {
      embeds: {
        '0': {
          description: {
            _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }],
          },
        },
        '1': {
          fields: {
            '0': { value: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } },
          },
        },
      },
    },
  });
  expect(embeds.message).toContain('embeds[0].description[BASE_TYPE_MAX_LENGTH]');
  const total: Json = await rest
    .post(Routes.channelMessages(GENERAL), {
      body: { embeds: [{ description: 'a'.repeat(4000) }, { description: 'b'.repeat(2001) }] },
    })
    .catch((x: Json) => x);
  expect(total.rawError.errors.embeds._errors[0].code).toBe('MAX_EMBED_SIZE_EXCEEDED');
  await expect(rest.post(Routes.channelMessages(GENERAL), { body: { content: '' } })).rejects.toMatchObject({
    status: 400,
    code: 50006,
  });
  const notId = await call('/channels/general/messages');
  expect(notId.status).toBe(400);
  expect(await notId.json()).toEqual({
    message: 'Invalid Form Body',
    code: 50035,
    errors: {
      channel_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value "general" is not snowflake.' }] },
    },
  });
  await expect(rest.get(Routes.channel('1300000000000009999'))).rejects.toMatchObject({
    status: 404,
    code: 10003,
  });
  await expect(rest.get(Routes.channelMessage(GENERAL, '1300000000000009999'))).rejects.toMatchObject({
    code: 10008,
  });
});

test('permissions: no VIEW_CHANNEL is 50001; no SEND_MESSAGES is 50013; deleting others’ messages needs MANAGE_MESSAGES', async () => {
  const { e, rest } = await setup();
  const botRole = e.world.botRole(GUILD);
  const alices = e.world.postMessage(GENERAL, ALICE, { content: 'mine' });

  botRole.permissions &= ~Permission.MANAGE_MESSAGES;
  await expect(rest.delete(Routes.channelMessage(GENERAL, alices.id))).rejects.toMatchObject({
    status: 403,
    code: 50013,
  });
  botRole.permissions |= Permission.MANAGE_MESSAGES;
  await rest.delete(Routes.channelMessage(GENERAL, alices.id));

  // @everyone and the bot's role both lose SEND_MESSAGES in #general through an overwrite.
  e.world.updateChannel(GENERAL, {
    permission_overwrites: [{ id: GUILD, type: 0, allow: 0n, deny: Permission.SEND_MESSAGES }],
  });
  await expect(rest.post(Routes.channelMessages(GENERAL), { body: { content: 'hi' } })).rejects.toMatchObject(
    {
      status: 403,
      code: 50013,
      message: 'Missing Permissions',
    },
  );
  e.world.updateChannel(GENERAL, {
    permission_overwrites: [{ id: GUILD, type: 0, allow: 0n, deny: Permission.VIEW_CHANNEL }],
  });
  await expect(rest.get(Routes.channel(GENERAL))).rejects.toMatchObject({ status: 403, code: 50001 });

  botRole.permissions &= ~Permission.BAN_MEMBERS;
  await expect(rest.put(Routes.guildBan(GUILD, BOB), { body: {} })).rejects.toMatchObject({ code: 50013 });
  const bobs = e.world.postMessage('1300000000000000102', BOB, { content: 'in voice text' });
  await expect(
    rest.patch(Routes.channelMessage('1300000000000000102', bobs.id), { body: { content: 'x' } }),
  ).rejects.toMatchObject({ status: 403, code: 50005 });
});

test('role hierarchy: the bot cannot act on the owner, on members above it, or with roles above its own', async () => {
  const { e, rest } = await setup();
  await expect(rest.delete(Routes.guildMember(GUILD, ALICE))).rejects.toMatchObject({
    status: 403,
    code: 50013,
  });
  const high = e.world.createRole(GUILD, { name: 'admins' });
  high.position = e.world.botRole(GUILD).position + 1;
  const low: Json = await rest.post(Routes.guildRoles(GUILD), { body: { name: 'listeners' } });
  await expect(rest.put(Routes.guildMemberRole(GUILD, BOB, high.id))).rejects.toMatchObject({ code: 50013 });
  await expect(rest.patch(Routes.guildRole(GUILD, high.id), { body: { name: 'x' } })).rejects.toMatchObject({
    code: 50013,
  });
  await rest.put(Routes.guildMemberRole(GUILD, BOB, low.id));
  e.world.updateMember(GUILD, BOB, { roles: [low.id, high.id] });
  await expect(rest.put(Routes.guildBan(GUILD, BOB), { body: {} })).rejects.toMatchObject({ code: 50013 });
  await expect(rest.patch(Routes.guildMember(GUILD, BOB), { body: { nick: 'b' } })).rejects.toMatchObject({
    code: 50013,
  });
  e.world.updateMember(GUILD, BOB, { roles: [low.id] });
  await rest.patch(Routes.guildMember(GUILD, BOB), { body: { nick: 'b' } });
  await rest.put(Routes.guildBan(GUILD, BOB), { body: {} });
  expect(e.world.guild(GUILD).bans.has(BOB)).toBe(true);
});

test('posting into a category is 50008 Cannot send messages in a non-text channel', async () => {
  const { e, rest } = await setup();
  const category = e.world.createChannel(GUILD, { name: 'stuff', type: 4 });
  await expect(
    rest.post(Routes.channelMessages(category.id), { body: { content: 'x' } }),
  ).rejects.toMatchObject({
    status: 400,
    code: 50008,
  });
});
