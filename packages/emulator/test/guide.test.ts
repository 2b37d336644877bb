import { type Emulator, startEmulator } from '../src/index.js';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';

// Your bot: in a real project you import it from your own code.
function createBot(api: string): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api },
  });
  client.on(Events.MessageCreate, async (message) => {
    if (!message.author.bot && message.content === '!ping') await message.reply('pong');
  });
  client.on(Events.InteractionCreate, async (interaction) => {
    if (!interaction.isChatInputCommand() || interaction.commandName !== 'roll') return;
    await interaction.deferReply();
    await interaction.editReply('rolling...');
    await interaction.followUp(`you rolled ${interaction.options.getInteger('sides') ?? 6}`);
  });
  client.once(Events.ClientReady, async (ready) => {
    await ready.application.commands.set([
      {
        name: 'roll',
        description: 'roll a die',
        options: [{ name: 'sides', description: 'how many sides', type: 4 }],
      },
    ]);
  });
  return client;
}

// The default world: one guild with #general (text) and a voice channel.
const GENERAL = '1300000000000000101';
const VOICE = '1300000000000000102';

let emu: Emulator;
let bot: Client;

beforeAll(async () => {
  emu = await startEmulator({ voiceServer: true }); // voice channels require E2EE, as on Discord
  bot = createBot(emu.apiUrl);
  await bot.login(emu.token);
  // Wait until the bot registered its commands.
  while (emu.world.commands.list().length === 0) await new Promise((r) => setTimeout(r, 10));
});

afterAll(async () => {
  await bot.destroy();
  await emu.close();
});

test('the bot answers !ping', async () => {
  const alice = emu.users.create({ username: 'alice' });
  const ping = alice.say(GENERAL, '!ping');
  const reply = await emu.bot.waitForMessage((m) => m.content === 'pong');
  expect(reply.message_reference).toMatchObject({ message_id: ping.id });
});

test('/roll defers, edits its reply, then follows up', async () => {
  const bob = emu.users.create({ username: 'bob' });
  const roll = bob.runCommand(GENERAL, 'roll', [{ name: 'sides', type: 4, value: 20 }]);
  expect((await roll.callback()).callbackType).toBe(5); // a deferred reply
  expect((await roll.reply()).message?.content).toBe('rolling...');
  expect((await roll.followUp()).message?.content).toBe('you rolled 20');
  // Every REST call the bot made is logged, with the route it matched and the status.
  const calls = emu.control.rest.requests().map((r) => `${r.method} ${r.route} ${r.status}`);
  expect(calls).toContain('POST /webhooks/{application}/{token} 200');
});

test('in voice, alice speaks a 440 Hz tone and carol hears it', async () => {
  const alice = emu.users.create({ username: 'alice' });
  const carol = emu.users.create({ username: 'carol' });
  await alice.joinVoice(VOICE); // with DAVE, like a Discord client
  await carol.joinVoice(VOICE);
  await alice.speak({ tone: 440, seconds: 1 }); // or an Ogg Opus file, PCM, Opus frames
  await vi.waitUntil(() => carol.heard(alice.id).durationMs >= 1000, { timeout: 5000 });
  expect(carol.heard(alice.id).matchesTone(440)).toBe(true);
});
