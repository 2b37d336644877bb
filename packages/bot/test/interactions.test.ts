// Commands, autocomplete, components and modals end to end: a simulated user of the emulator
// starts each interaction over the gateway, the bot answers over REST, the user sees the answers.
import { type Emulator, startEmulator } from '@cordwire/emulator';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BotError, type Client, createClient, defineCommand } from '../src/index.js';

const GUILD = '1300000000000000100';
const GENERAL = '1300000000000000101';

let emu: Emulator;
let client: Client;
let alice: ReturnType<Emulator['users']['create']>;
const errors: Error[] = [];

beforeEach(async () => {
  emu = await startEmulator();
  client = createClient({ token: emu.token, apiUrl: emu.restUrl, intents: ['GUILDS'], handleSignals: false });
  errors.length = 0;
  client.on('error', (e) => errors.push(e));
  alice = emu.users.create({ id: '1300000000000000010', username: 'alice' });
});
afterEach(async () => {
  await client.destroy();
  await emu.close();
});

const fruits = ['apple', 'apricot', 'banana', 'cherry'];

async function setUp(): Promise<void> {
  client.command(
    defineCommand({
      name: 'pick',
      description: 'Pick a fruit',
      options: [
        { name: 'fruit', description: 'which', type: 'string', required: true, autocomplete: true },
        { name: 'count', description: 'how many', type: 'integer' },
      ],
      run: (i) => i.reply(`${i.options.count ?? 1} ${i.options.fruit}`),
      autocomplete: (i) =>
        i.respond(fruits.filter((f) => f.startsWith(i.focused.value)).map((f) => ({ name: f, value: f }))),
    }),
  );
  client.command({
    name: 'slow',
    description: 'Thinks first',
    async run(i) {
      await i.deferReply();
      await i.editReply('done thinking');
      await i.followUp('and one more thing');
      // A second first answer is refused here, before any request.
      await i.reply('again').catch((e: unknown) => i.followUp(`refused: ${(e as BotError).code}`));
    },
  });
  client.command({
    name: 'vote',
    description: 'Shows a button',
    run: (i) =>
      i.reply({
        content: 'vote?',
        components: [{ type: 1, components: [{ type: 2, style: 1, label: 'yes', custom_id: 'vote:yes' }] }],
      }),
  });
  client.component('vote:', (i) => i.update({ content: `voted ${i.customId.slice(5)}`, components: [] }));
  client.command({
    name: 'form',
    description: 'Opens a modal',
    run: (i) =>
      i.showModal({
        custom_id: 'feedback',
        title: 'Feedback',
        components: [{ type: 1, components: [{ type: 4, custom_id: 'text', label: 'Say', style: 1 }] }],
      }),
  });
  client.modal('feedback', (i) => i.reply({ content: `got "${i.fields.text}"`, ephemeral: true }));
  client.command({
    name: 'broken',
    description: 'Throws',
    run: () => {
      throw new Error('handler bug');
    },
  });
  await client.login();
  expect(await client.registerCommands({ guildId: GUILD })).toEqual({ changed: true, count: 5 });
}

it('registers only when changed: a second registration with the same commands writes nothing', async () => {
  await setUp();
  expect(await client.registerCommands({ guildId: GUILD })).toEqual({ changed: false, count: 5 });
  const registered = emu.world.commands.list(GUILD).map((c) => c.name);
  expect(registered.sort()).toEqual(['broken', 'form', 'pick', 'slow', 'vote']);
});

it('a command gets its typed options and replies; autocomplete filters as the user types', async () => {
  await setUp();
  const r = await alice
    .runCommand(GENERAL, 'pick', [
      { name: 'fruit', type: 3, value: 'cherry' },
      { name: 'count', type: 4, value: 3 },
    ])
    .reply();
  expect(r.message?.content).toBe('3 cherry');
  const ac = await alice
    .autocomplete(GENERAL, 'pick', [{ name: 'fruit', type: 3, value: 'ap', focused: true }])
    .callback();
  expect(ac.callbackType).toBe(8);
  expect((ac.data as { choices: { value: string }[] }).choices.map((c) => c.value)).toEqual([
    'apple',
    'apricot',
  ]);
});

it('deferred reply, edit, follow-ups, and a second first answer refused with a typed error', async () => {
  await setUp();
  const slow = alice.runCommand(GENERAL, 'slow');
  expect((await slow.callback()).callbackType).toBe(5);
  expect((await slow.reply()).message?.content).toBe('done thinking');
  expect((await slow.followUp(0)).message?.content).toBe('and one more thing');
  expect((await slow.followUp(1)).message?.content).toBe('refused: INTERACTION_ALREADY_ACKNOWLEDGED');
});

it('a button click updates its message; a modal submit arrives with its fields', async () => {
  await setUp();
  const vote = await alice.runCommand(GENERAL, 'vote').reply();
  const messageId = vote.message?.id as string;
  const clicked = await alice.click(GENERAL, messageId, 'vote:yes').callback();
  expect(clicked.callbackType).toBe(7);
  expect((clicked.data as { content: string }).content).toBe('voted yes');
  const form = await alice.runCommand(GENERAL, 'form').callback();
  expect(form.callbackType).toBe(9);
  const submitted = await alice.submitModal(GENERAL, 'feedback', { text: 'nice' }).reply();
  expect(submitted.message?.content ?? (submitted.data as { content?: string }).content).toBe('got "nice"');
});

it('a handler that throws becomes an error event; the bot goes on answering', async () => {
  await setUp();
  alice.runCommand(GENERAL, 'broken');
  const deadline = Date.now() + 10_000;
  while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(errors[0]).toBeInstanceOf(BotError);
  expect((errors[0] as BotError).code).toBe('HANDLER_FAILED');
  expect(errors[0]?.message).toContain('handler bug');
  expect(
    (await alice.runCommand(GENERAL, 'pick', [{ name: 'fruit', type: 3, value: 'apple' }]).reply()).message
      ?.content,
  ).toBe('1 apple');
});
