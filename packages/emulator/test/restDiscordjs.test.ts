/**
 * The REST shapes as an unmodified discord.js Client parses them: the everyday calls a bot makes
 * through discord.js's managers go over HTTP to the emulator and come back as working
 * discord.js structures (Message, GuildMember, Role, User, ApplicationCommand).
 */
import { Client, GatewayIntentBits, type Message, type TextChannel } from 'discord.js';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';

const GUILD = '1300000000000000100';
const GENERAL = '1300000000000000101';
const ALICE = '1300000000000000010';
const BOB = '1300000000000000011';

let emu: Emulator | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await emu?.close();
  emu = undefined;
});

test('discord.js managers over the emulator’s REST: send, reply, react, edit, fetch, bulk delete, members, roles, commands', async () => {
  emu = await startEmulator({ restRateLimits: { enabled: false } });
  const e = emu;
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: e.apiUrl },
  });
  const ready = new Promise<void>((resolve) => client!.once('clientReady', () => resolve()));
  await client.login(e.token);
  await ready;
  const channel = (await client.channels.fetch(GENERAL)) as TextChannel;
  expect(channel.name).toBe('general');

  const own = new Promise<Message>((resolve) =>
    client!.on('messageCreate', (m) => {
      if (m.author.id === client!.user!.id && m.content === 'hello from discord.js') resolve(m);
    }),
  );
  const sent = await channel.send({ content: 'hello from discord.js', embeds: [{ title: 'embed' }] });
  expect(sent.id).toMatch(/^\d{17,19}$/);
  expect(sent.embeds[0]?.title).toBe('embed');
  expect((await own).id).toBe(sent.id);

  const hers = e.world.postMessage(GENERAL, ALICE, { content: 'hi bot' });
  const fetched = await channel.messages.fetch(hers.id);
  const reply = await fetched.reply('hi alice');
  expect(reply.reference?.messageId).toBe(hers.id);
  await reply.react('👍');
  const edited = await reply.edit('hi alice!');
  expect(edited.editedTimestamp).not.toBeNull();
  const recent = await channel.messages.fetch({ limit: 10 });
  expect([...recent.keys()]).toEqual([reply.id, hers.id, sent.id]);
  const deleted = await channel.bulkDelete([sent.id, reply.id]);
  expect(deleted.size).toBe(2);
  expect(e.world.listMessages(GENERAL, { limit: 10 }).map((m) => m.id)).toEqual([hers.id]);

  const guild = await client.guilds.fetch(GUILD);
  const alice = await guild.members.fetch(ALICE);
  expect(alice.user.username).toBe('alice');
  expect((await client.users.fetch(BOB)).username).toBe('bob');
  const role = await guild.roles.create({ name: 'listeners' });
  const bob = await guild.members.fetch(BOB);
  await bob.roles.add(role);
  expect(e.world.member(GUILD, BOB).roles).toEqual([role.id]);
  await bob.setNickname('bobby');
  expect(e.world.member(GUILD, BOB).nick).toBe('bobby');
  const listed = await guild.members.list({ limit: 10 });
  expect(listed.size).toBe(3);

  const commands = await client.application!.commands.set([
    { name: 'play', description: 'Plays a song', options: [{ type: 3, name: 'query', description: 'q' }] },
  ]);
  expect([...commands.values()].map((c) => c.name)).toEqual(['play']);
  const guildCommands = await guild.commands.set([{ name: 'ping', description: 'pong' }]);
  expect(guildCommands.first()?.guildId).toBe(GUILD);
  expect(e.world.commands.find('ping', GUILD)?.id).toBe(guildCommands.first()?.id);
});
