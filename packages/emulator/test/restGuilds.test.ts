/**
 * Users, guilds, roles, members, bans and application commands over real HTTP with
 * @discordjs/rest as the client.
 */
import { Routes } from 'discord.js';
import { expect, test } from 'vitest';
import { RawClient } from './gatewayClient.js';
import { restEmulatorPerTest } from './helpers/restEmulator.js';

const GUILD = '1300000000000000100';
const ALICE = '1300000000000000010';
const BOB = '1300000000000000011';
const BOT = '1300000000000000001';
const APP = '1300000000000000001';

const perTest = restEmulatorPerTest();
const clients = perTest.clients;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
type Json = any;

const setup = () => perTest.start();

test('users: get by id and @me; an unknown user is 10013', async () => {
  const { rest } = await setup();
  expect(await rest.get(Routes.user(ALICE))).toMatchObject({
    id: ALICE,
    username: 'alice',
    discriminator: '0',
  });
  expect(await rest.get(Routes.user())).toMatchObject({ id: BOT, bot: true });
  await expect(rest.get(Routes.user('1300000000000009999'))).rejects.toMatchObject({
    status: 404,
    code: 10013,
  });
  const guilds = (await rest.get(Routes.userGuilds())) as Json[];
  expect(guilds.map((g) => g.id)).toEqual([GUILD]);
});

test('guilds: get (with the bot’s managed role), channels, roles; role create/edit/delete dispatch GUILD_ROLE_*', async () => {
  const { emu: e, rest } = await setup();
  const gw = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(gw);
  await gw.ready(e.token, { intents: 1 });
  const guild: Json = await rest.get(Routes.guild(GUILD), {
    query: new URLSearchParams({ with_counts: 'true' }),
  });
  expect(guild).toMatchObject({ id: GUILD, owner_id: ALICE, approximate_member_count: 3 });
  expect(guild.roles.find((r: Json) => r.id === GUILD)).toMatchObject({ name: '@everyone' });
  expect(guild.roles.find((r: Json) => r.managed)).toMatchObject({ tags: { bot_id: BOT } });
  const channels = (await rest.get(Routes.guildChannels(GUILD))) as Json[];
  expect(channels.map((c) => c.name).sort()).toEqual(['general', 'voice']);

  const role: Json = await rest.post(Routes.guildRoles(GUILD), { body: { name: 'DJ', permissions: '0' } });
  expect(role).toMatchObject({ name: 'DJ', permissions: '0', managed: false });
  await gw.waitFor((f) => f.t === 'GUILD_ROLE_CREATE' && f.d.role.id === role.id);
  const edited: Json = await rest.patch(Routes.guildRole(GUILD, role.id), { body: { name: 'DJs' } });
  expect(edited.name).toBe('DJs');
  await rest.delete(Routes.guildRole(GUILD, role.id));
  await gw.waitFor((f) => f.t === 'GUILD_ROLE_DELETE' && f.d.role_id === role.id);
  await expect(rest.get(Routes.guildRole(GUILD, role.id))).rejects.toMatchObject({ code: 10011 });
});

test('members: get, list with limit/after, search; modify nick and roles dispatches GUILD_MEMBER_UPDATE', async () => {
  const { emu: e, rest } = await setup();
  const gw = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(gw);
  await gw.ready(e.token, { intents: 1 | (1 << 1) });
  expect(await rest.get(Routes.guildMember(GUILD, ALICE))).toMatchObject({ user: { id: ALICE }, roles: [] });
  await expect(rest.get(Routes.guildMember(GUILD, '1300000000000009999'))).rejects.toMatchObject({
    code: 10007,
  });
  const page1 = (await rest.get(Routes.guildMembers(GUILD), {
    query: new URLSearchParams({ limit: '2' }),
  })) as Json[];
  expect(page1.map((m) => m.user.id)).toEqual([BOT, ALICE]);
  const page2 = (await rest.get(Routes.guildMembers(GUILD), {
    query: new URLSearchParams({ limit: '2', after: ALICE }),
  })) as Json[];
  expect(page2.map((m) => m.user.id)).toEqual([BOB]);
  const found = (await rest.get(Routes.guildMembersSearch(GUILD), {
    query: new URLSearchParams({ query: 'bo', limit: '10' }),
  })) as Json[];
  expect(found.map((m) => m.user.id)).toEqual([BOB]);

  const role: Json = await rest.post(Routes.guildRoles(GUILD), { body: { name: 'listener' } });
  const bob: Json = await rest.patch(Routes.guildMember(GUILD, BOB), {
    body: { nick: 'bobby', roles: [role.id] },
  });
  expect(bob).toMatchObject({ nick: 'bobby', roles: [role.id] });
  const update = await gw.waitFor((f) => f.t === 'GUILD_MEMBER_UPDATE' && f.d.user.id === BOB);
  expect(update.d).toMatchObject({ guild_id: GUILD, nick: 'bobby', roles: [role.id] });
  await rest.delete(Routes.guildMemberRole(GUILD, BOB, role.id));
  expect(e.world.member(GUILD, BOB).roles).toEqual([]);
  const me: Json = await rest.patch(Routes.guildMember(GUILD, '@me'), { body: { nick: 'DJ bot' } });
  expect(me).toMatchObject({ user: { id: BOT }, nick: 'DJ bot' });
});

test('bans: ban removes the member (GUILD_BAN_ADD, GUILD_MEMBER_REMOVE), list, get, unban; unknown ban 10026', async () => {
  const { emu: e, rest } = await setup();
  const gw = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(gw);
  await gw.ready(e.token, { intents: 1 | (1 << 1) | (1 << 2) });
  await rest.put(Routes.guildBan(GUILD, BOB), { body: { delete_message_seconds: 0 }, reason: 'spam' });
  await gw.waitFor((f) => f.t === 'GUILD_BAN_ADD' && f.d.user.id === BOB);
  await gw.waitFor((f) => f.t === 'GUILD_MEMBER_REMOVE' && f.d.user.id === BOB);
  expect(await rest.get(Routes.guildBans(GUILD))).toEqual([
    { user: expect.objectContaining({ id: BOB }), reason: 'spam' },
  ]);
  expect(await rest.get(Routes.guildBan(GUILD, BOB))).toMatchObject({ reason: 'spam' });
  await rest.delete(Routes.guildBan(GUILD, BOB));
  await expect(rest.get(Routes.guildBan(GUILD, BOB))).rejects.toMatchObject({ status: 404, code: 10026 });
  expect(e.world.guild(GUILD).members.has(BOB)).toBe(false);
});

test('application commands: global and guild create (201 then 200), list, bulk overwrite keeps ids, edit, delete', async () => {
  const { rest } = await setup();
  const ping = { name: 'ping', description: 'Replies with pong' };
  const e = perTest.emu!;
  const post = () =>
    fetch(`${e.restUrl}${Routes.applicationCommands(APP)}`, {
      method: 'POST',
      headers: { authorization: `Bot ${e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(ping),
    });
  const first = await post();
  expect(first.status).toBe(201);
  const created = (await first.json()) as Json;
  expect(created).toMatchObject({
    application_id: APP,
    name: 'ping',
    type: 1,
    description: 'Replies with pong',
  });
  const again = await post();
  expect(again.status).toBe(200);
  expect(((await again.json()) as Json).id).toBe(created.id);

  const set = (await rest.put(Routes.applicationCommands(APP), {
    body: [
      ping,
      {
        name: 'play',
        description: 'Plays a song',
        options: [{ type: 3, name: 'query', description: 'what', required: true }],
      },
    ],
  })) as Json[];
  expect(set.map((c) => c.name)).toEqual(['ping', 'play']);
  expect(set[0].id).toBe(created.id);
  expect(((await rest.get(Routes.applicationCommands(APP))) as Json[]).length).toBe(2);
  const edited: Json = await rest.patch(Routes.applicationCommand(APP, set[1].id), {
    body: { description: 'Plays music' },
  });
  expect(edited).toMatchObject({ id: set[1].id, name: 'play', description: 'Plays music' });
  await rest.delete(Routes.applicationCommand(APP, set[0].id));
  await expect(rest.get(Routes.applicationCommand(APP, set[0].id))).rejects.toMatchObject({ code: 10063 });

  const guildCmd: Json = await rest.post(Routes.applicationGuildCommands(APP, GUILD), { body: ping });
  expect(guildCmd.guild_id).toBe(GUILD);
  expect(((await rest.get(Routes.applicationGuildCommands(APP, GUILD))) as Json[]).map((c) => c.id)).toEqual([
    guildCmd.id,
  ]);
});

test('application commands are validated: name regex, description length, duplicate names in a bulk overwrite', async () => {
  const { rest } = await setup();
  const bad: Json = await rest
    .post(Routes.applicationCommands(APP), { body: { name: 'Bad Name', description: '' } })
    .catch((x: Json) => x);
  expect(bad.code).toBe(50035);
  expect(bad.rawError.errors.name._errors.map((e: Json) => e.code)).toEqual([
    'STRING_TYPE_REGEX',
    'APPLICATION_COMMAND_INVALID_NAME',
  ]);
  expect(bad.rawError.errors.description._errors[0].code).toBe('BASE_TYPE_BAD_LENGTH');
  const dup: Json = await rest
    .put(Routes.applicationCommands(APP), {
      body: [
        { name: 'a', description: 'x' },
        { name: 'a', description: 'y' },
      ],
    })
    .catch((x: Json) => x);
  expect(dup.rawError.errors['1']._errors[0].code).toBe('APPLICATION_COMMANDS_DUPLICATE_NAME');
});

test('command permissions: read by the bot, set by a guild admin (APPLICATION_COMMAND_PERMISSIONS_UPDATE), not writable with a bot token', async () => {
  const { emu: e, rest } = await setup();
  const gw = await RawClient.connect(`${e.gatewayUrl}/?v=10&encoding=json`);
  clients.push(gw);
  await gw.ready(e.token, { intents: 0 });
  const cmd: Json = await rest.post(Routes.applicationGuildCommands(APP, GUILD), {
    body: { name: 'ban', description: 'x' },
  });
  expect(await rest.get(Routes.guildApplicationCommandsPermissions(APP, GUILD))).toEqual([]);
  await expect(rest.get(Routes.applicationCommandPermissions(APP, GUILD, cmd.id))).rejects.toMatchObject({
    status: 404,
    code: 10066,
  });
  e.world.commands.setPermissions(GUILD, cmd.id, [{ id: GUILD, type: 1, permission: false }]);
  const update = await gw.waitDispatch('APPLICATION_COMMAND_PERMISSIONS_UPDATE');
  expect(update.d).toEqual({
    id: cmd.id,
    application_id: APP,
    guild_id: GUILD,
    permissions: [{ id: GUILD, type: 1, permission: false }],
  });
  expect(await rest.get(Routes.applicationCommandPermissions(APP, GUILD, cmd.id))).toMatchObject({
    id: cmd.id,
  });
  await expect(
    rest.put(Routes.applicationCommandPermissions(APP, GUILD, cmd.id), { body: { permissions: [] } }),
  ).rejects.toMatchObject({ status: 403, code: 20001 });
});
