import { Client, GatewayIntentBits, type Message } from 'discord.js';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';

let emu: Emulator | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await emu?.close();
});

test('an unmodified discord.js Client logs in, gets ready and receives a dispatched messageCreate', async () => {
  const logs: string[] = [];
  emu = await startEmulator({ heartbeatIntervalMs: 1000, logger: (l) => logs.push(l) });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    // The contract's restUrl already carries /v10; the emulator also accepts the doubled version.
    rest: { api: emu.restUrl },
  });
  const ready = new Promise<void>((resolve) => client!.once('clientReady', () => resolve()));
  await client.login(emu.token);
  await ready;
  expect(client.user?.id).toBe('1300000000000000001');
  const guild = client.guilds.cache.get('1300000000000000100');
  expect(guild?.name).toBe('cordwire test guild');
  expect(guild?.channels.cache.size).toBe(2);

  const got = new Promise<Message>((resolve) => client!.once('messageCreate', resolve));
  const stream = emu.control.startStream({ ratePerSecond: 100, count: 1 });
  await stream.done;
  const message = await got;
  expect(message.content).toBe('n=0');
  expect(message.channelId).toBe('1300000000000000101');
  expect(logs.join('\n')).not.toContain(emu.token);
});

test('discord.js after op 9 (d=true) RESUMEs on the same socket and is not made to re-identify; after a drop it resumes on resume_gateway_url', async () => {
  emu = await startEmulator({ heartbeatIntervalMs: 1000, identifyIntervalMs: 0 });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: emu.apiUrl },
  });
  const ready = new Promise<void>((resolve) => client!.once('clientReady', () => resolve()));
  await client.login(emu.token);
  await ready;
  const until = async (what: string, cond: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const [session] = emu.control.sessions();
  emu.control.invalidateSession(true);
  await until('a resume after op 9', () => emu!.control.resumeLog().length === 1);
  expect(emu.control.resumeLog()[0]).toMatchObject({
    sessionId: session!.sessionId,
    viaResumeGatewayUrl: false,
  });
  expect(emu.control.identifyLog()).toHaveLength(1);

  emu.control.dropConnection();
  await until('a resume after the drop', () => emu!.control.resumeLog().length === 2);
  expect(emu.control.resumeLog()[1]).toMatchObject({
    sessionId: session!.sessionId,
    viaResumeGatewayUrl: true,
  });
  expect(emu.control.identifyLog()).toHaveLength(1);

  // Still the same session, still receiving.
  const got = new Promise<Message>((resolve) => client!.once('messageCreate', resolve));
  emu.users
    .create({ username: 'alice', id: '1300000000000000010' })
    .say('1300000000000000101', 'still here?');
  expect((await got).content).toBe('still here?');
});
