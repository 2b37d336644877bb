import { inspect } from 'node:util';
import { type Emulator, startEmulator } from '@cordwire/emulator';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BotError, type Client, createClient } from '../src/index.js';

const GUILD = '1300000000000000100';
const TEXT = '1300000000000000101';
const VOICE = '1300000000000000102';
const ALICE = '1300000000000000010';

let emu: Emulator;
let client: Client | undefined;

beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await emu.close();
});

function bot(extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  client = createClient({
    token: emu.token,
    intents: ['GUILDS', 'GUILD_MESSAGES', 'MESSAGE_CONTENT', 'GUILD_VOICE_STATES', 'GUILD_MEMBERS'],
    apiUrl: emu.restUrl,
    handleSignals: false,
    ...extra,
  });
  return client;
}

it('logs in, fires ready once, and caches the world from READY and GUILD_CREATE', async () => {
  const c = bot();
  let readies = 0;
  c.on('ready', () => readies++);
  const guildCreated = new Promise<string>((resolve) => c.on('guildCreate', (g) => resolve(g.id)));
  await c.login();
  expect(await guildCreated).toBe(GUILD);
  expect(readies).toBe(1);
  expect(c.isReady).toBe(true);
  expect(c.cache.user?.id).toBe('1300000000000000001');
  expect(c.applicationId).toBe('1300000000000000001');
  expect(c.cache.guild(GUILD)?.name).toBe('cordwire test guild');
  expect(
    c.cache
      .channelsOf(GUILD)
      .map((ch) => ch.id)
      .sort(),
  ).toEqual([TEXT, VOICE]);
  expect(c.cache.channel(VOICE)?.type).toBe(2);
  expect(c.cache.voiceState(GUILD, ALICE)?.channel_id).toBe(VOICE);
  expect(c.cache.voiceChannelMembers(GUILD, VOICE)).toEqual([ALICE]);
  expect(c.cache.member(GUILD, ALICE)?.user?.username).toBe('alice');
  expect(c.cache.rolesOf(GUILD).map((r) => r.name)).toContain('@everyone');
});

it('turns every dispatch into a camel-cased event with its payload and shard id', async () => {
  const c = bot();
  await c.login();
  const got = new Promise<[string, number]>((resolve) =>
    c.on('messageCreate', (m, shardId) => resolve([m.content, shardId])),
  );
  const raw: string[] = [];
  c.on('dispatch', (t) => raw.push(t));
  emu.control.dispatch('MESSAGE_CREATE', {
    id: '1300000000000009000',
    channel_id: TEXT,
    guild_id: GUILD,
    content: 'hello bot',
    author: { id: ALICE, username: 'alice' },
  });
  expect(await got).toEqual(['hello bot', 0]);
  expect(raw).toContain('MESSAGE_CREATE');
});

it('keeps voice states and members current from VOICE_STATE_UPDATE and member events', async () => {
  const c = bot();
  await c.login();
  const left = new Promise<void>((resolve) =>
    c.on('voiceStateUpdate', (vs) => vs.channel_id === null && resolve()),
  );
  emu.control.dispatch('VOICE_STATE_UPDATE', {
    guild_id: GUILD,
    channel_id: null,
    user_id: ALICE,
    session_id: 'x',
    deaf: false,
    mute: false,
    self_deaf: false,
    self_mute: false,
    self_video: false,
    suppress: false,
    request_to_speak_timestamp: null,
  });
  await left;
  expect(c.cache.voiceState(GUILD, ALICE)).toBeUndefined();
  const removed = new Promise<void>((resolve) => c.on('guildMemberRemove', () => resolve()));
  emu.control.dispatch('GUILD_MEMBER_REMOVE', { guild_id: GUILD, user: { id: ALICE, username: 'alice' } });
  await removed;
  expect(c.cache.member(GUILD, ALICE)).toBeUndefined();
});

it('a wrong token rejects login with a typed error that does not contain the token', async () => {
  const secret = 'not-the-token.but-secret-looking.value';
  const c = bot({ token: secret });
  const err = await c.login().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BotError);
  expect((err as BotError).code).toBe('LOGIN_FAILED');
  expect(String((err as Error).message)).not.toContain(secret);
  expect(inspect(err, { depth: 10 })).not.toContain(secret);
});

it('the token is in no debug line, inspect output, or JSON of the client', async () => {
  const lines: string[] = [];
  const c = bot({ debug: (l) => lines.push(l) });
  await c.login();
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(l).not.toContain(emu.token);
  expect(inspect(c, { depth: 6, showHidden: true, getters: true })).not.toContain(emu.token);
  expect(JSON.stringify(c)).not.toContain(emu.token);
});

it('an unknown intent or an empty token is refused at construction with a typed error', async () => {
  expect(() =>
    createClient({ token: 't', intents: ['NOT_AN_INTENT' as never], handleSignals: false }),
  ).toThrow(BotError);
  expect(() => createClient({ token: '', intents: 1, handleSignals: false })).toThrow(/token/);
});

it('destroy runs shutdown hooks newest first, closes the shards, and can be called twice', async () => {
  const c = bot();
  await c.login();
  const order: string[] = [];
  c.onShutdown(() => order.push('first'));
  c.onShutdown(async () => {
    order.push('second');
  });
  const shut = new Promise<void>((resolve) => c.on('shutdown', resolve));
  await c.destroy();
  await c.destroy();
  await shut;
  expect(order).toEqual(['second', 'first']);
  expect(c.isReady).toBe(false);
  // The emulator sees the session go away.
  const deadline = Date.now() + 5000;
  while (emu.control.connectionStats().connections > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  expect(emu.control.connectionStats().connections).toBe(0);
  await expect(c.login()).rejects.toMatchObject({ code: 'DESTROYED' });
});

it('login() resolves (and ready fires) only once every guild READY listed has arrived', async () => {
  // Many guilds, so that their GUILD_CREATEs trail READY over several socket reads.
  await emu.close();
  const guilds = Array.from({ length: 300 }, (_, i) => ({
    id: String(1400000000000000000n + BigInt(i) * 1000n),
    name: `guild ${i}`,
    channels: [{ id: String(1400000000000000000n + BigInt(i) * 1000n + 1n), name: 'general' }],
  }));
  emu = await startEmulator({ seed: { guilds } });
  const c = bot();
  let cachedAtReady = -1;
  c.on('ready', () => {
    cachedAtReady = c.cache.guildCount;
  });
  await c.login();
  expect(cachedAtReady).toBe(300);
});
