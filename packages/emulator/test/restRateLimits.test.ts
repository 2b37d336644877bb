/**
 * Rate limits as Discord sends them, and injected REST faults. The done-when test drives
 * @discordjs/rest through a 429 storm and 5xx answers and shows it waits, retries and recovers
 * as it does against Discord (one message posted, no duplicates), and gives up on 5xx after its
 * retries exactly as it would there.
 */
import { HTTPError, type RateLimitData, RateLimitError, REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { FakeClock } from './fakeClock.js';

const GENERAL = '1300000000000000101';
const ALICE = '1300000000000000010';
const MESSAGES_ROUTE = '/channels/{channel}/messages';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
type Json = any;

function statuses(e: Emulator, route: string): number[] {
  return e.control.rest
    .requests()
    .filter((r) => r.route === route)
    .map((r) => r.status);
}

test('done-when: @discordjs/rest waits out a 429 storm, retries 5xx answers, and posts the message once', async () => {
  emu = await startEmulator();
  const e = emu;
  const rest = new REST({ api: e.apiUrl, version: '10' }).setToken(e.token);
  const limited: RateLimitData[] = [];
  rest.on('rateLimited', (info) => limited.push(info));

  e.control.rest.injectFault({
    kind: 'rateLimit',
    count: 3,
    retryAfterMs: 200,
    match: { method: 'POST', path: MESSAGES_ROUTE },
  });
  e.control.rest.injectFault({
    kind: 'serverError',
    count: 2,
    status: 502,
    match: { method: 'POST', path: MESSAGES_ROUTE },
  });

  const message = (await rest.post(Routes.channelMessages(GENERAL), {
    body: { content: 'survived' },
  })) as Json;

  expect(message).toMatchObject({ content: 'survived', channel_id: GENERAL });
  expect(statuses(e, MESSAGES_ROUTE)).toEqual([429, 429, 429, 502, 502, 200]);
  expect(limited).toHaveLength(3);
  for (const info of limited) {
    expect(info).toMatchObject({
      global: false,
      scope: 'user',
      method: 'POST',
      route: '/channels/:id/messages',
    });
    expect(info.retryAfter).toBeGreaterThan(0);
  }
  expect(e.world.listMessages(GENERAL, { limit: 100 }).filter((m) => m.content === 'survived')).toHaveLength(
    1,
  );
  expect(e.control.rest.pendingFaults()).toBe(0);
});

test('done-when: a global 429 pauses every route; 5xx beyond the retries surfaces as HTTPError after 4 attempts', async () => {
  emu = await startEmulator();
  const e = emu;
  const rest = new REST({ api: e.apiUrl, version: '10' }).setToken(e.token);
  const limited: RateLimitData[] = [];
  rest.on('rateLimited', (info) => limited.push(info));

  e.control.rest.injectFault({
    kind: 'rateLimit',
    scope: 'global',
    retryAfterMs: 300,
    match: { path: MESSAGES_ROUTE },
  });
  const [posted, user] = (await Promise.all([
    rest.post(Routes.channelMessages(GENERAL), { body: { content: 'after the global limit' } }),
    rest.get(Routes.user(ALICE)),
  ])) as Json[];
  expect(posted.content).toBe('after the global limit');
  expect(user.id).toBe(ALICE);
  // @discordjs/rest reports the global pause with its default scope; `global` is what it acts on.
  expect(limited).toEqual([expect.objectContaining({ global: true, method: 'POST' })]);
  const seen = e.control.rest.requests().find((r) => r.status === 429);
  expect(seen).toMatchObject({ method: 'POST', route: MESSAGES_ROUTE });

  e.control.rest.injectFault({ kind: 'serverError', count: 4, match: { path: '/users/{user}' } });
  const err = await rest.get(Routes.user(ALICE)).catch((x: unknown) => x);
  expect(err).toBeInstanceOf(HTTPError);
  expect((err as HTTPError).status).toBe(500);
  expect(statuses(e, '/users/{user}').slice(-4)).toEqual([500, 500, 500, 500]);
  // The emulator itself is fine: the next call succeeds.
  expect(await rest.get(Routes.user(ALICE))).toMatchObject({ id: ALICE });
});

test('a slow answer past the client timeout is retried; a reset connection is retried', async () => {
  emu = await startEmulator();
  const e = emu;
  const rest = new REST({ api: e.apiUrl, version: '10', timeout: 300 }).setToken(e.token);
  e.control.rest.injectFault({ kind: 'delay', ms: 1000, match: { path: '/users/{user}' } });
  e.control.rest.injectFault({ kind: 'reset', match: { path: '/users/{user}' } });
  expect(await rest.get(Routes.user(ALICE))).toMatchObject({ id: ALICE });
  expect(e.control.rest.pendingFaults()).toBe(0);
});

test('@discordjs/rest reads the bucket headers and waits for the reset instead of hitting 429', async () => {
  emu = await startEmulator();
  const e = emu;
  const rest = new REST({ api: e.apiUrl, version: '10' }).setToken(e.token);
  // Message creation is 5 per 5 s per channel: the sixth waits for X-RateLimit-Reset-After.
  for (let i = 0; i < 6; i++) {
    await rest.post(Routes.channelMessages(GENERAL), { body: { content: `n${i}` } });
  }
  expect(statuses(e, MESSAGES_ROUTE)).toEqual([200, 200, 200, 200, 200, 200]);
});

test('per-route bucket headers, 429 with retry_after and Retry-After, and the reset, on a fake clock', async () => {
  const clock = new FakeClock();
  emu = await startEmulator({ clock });
  const e = emu;
  const post = () =>
    fetch(`${e.restUrl}/channels/${GENERAL}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'x' }),
    });
  const first = await post();
  expect(first.status).toBe(200);
  expect(first.headers.get('x-ratelimit-limit')).toBe('5');
  expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
  expect(first.headers.get('x-ratelimit-reset-after')).toBe('5.000');
  expect(Number(first.headers.get('x-ratelimit-reset'))).toBeCloseTo((clock.now() + 5000) / 1000, 3);
  const bucket = first.headers.get('x-ratelimit-bucket');
  expect(bucket).toMatch(/^[0-9a-f]{32}$/);
  for (let i = 0; i < 4; i++) expect((await post()).status).toBe(200);
  clock.advance(1500);
  const limited = await post();
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('4');
  expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
  expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
  expect(limited.headers.get('x-ratelimit-bucket')).toBe(bucket);
  expect(await limited.json()).toEqual({
    message: 'You are being rate limited.',
    retry_after: 3.5,
    global: false,
  });
  clock.advance(3500);
  expect((await post()).status).toBe(200);
});

test('the global limit: 50 requests per second per bot, then 429 with X-RateLimit-Global; interaction callbacks are exempt', async () => {
  const clock = new FakeClock();
  emu = await startEmulator({ clock });
  const e = emu;
  const get = () => fetch(`${e.restUrl}/users/${ALICE}`, { headers: { authorization: `Bot ${e.token}` } });
  for (let i = 0; i < 50; i++) expect((await get()).status).toBe(200);
  const over = await get();
  expect(over.status).toBe(429);
  expect(over.headers.get('x-ratelimit-global')).toBe('true');
  expect(over.headers.get('x-ratelimit-scope')).toBe('global');
  expect(((await over.json()) as Json).global).toBe(true);
  const i = e.world.interactions.runCommand.bind(e.world.interactions);
  e.world.commands.create({ name: 'ping', description: 'pong' });
  const interaction = i({ userId: ALICE, channelId: GENERAL, name: 'ping' });
  const callback = await fetch(`${e.restUrl}/interactions/${interaction.id}/${interaction.token}/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 4, data: { content: 'pong' } }),
  });
  expect(callback.status).toBe(204);
  clock.advance(1000);
  expect((await get()).status).toBe(200);
});

test('faults are validated and can be cleared', async () => {
  emu = await startEmulator();
  const e = emu;
  expect(() => e.control.rest.injectFault({ kind: 'serverError', status: 404 })).toThrow(/500-599/);
  expect(() => e.control.rest.injectFault({ kind: 'rateLimit', count: 0 })).toThrow(/count/);
  e.control.rest.injectFault({ kind: 'serverError', count: 5 });
  expect(e.control.rest.pendingFaults()).toBe(5);
  e.control.rest.clearFaults();
  expect(e.control.rest.pendingFaults()).toBe(0);
});

test('channel renames hit a hidden sublimit (2 per 10 min): 429 while the bucket still shows requests left', async () => {
  const clock = new FakeClock();
  emu = await startEmulator({ clock });
  const e = emu;
  const rest = new REST({ api: e.apiUrl, version: '10', rejectOnRateLimit: ['/channels'] }).setToken(e.token);
  await rest.patch(Routes.channel(GENERAL), { body: { name: 'one' } });
  await rest.patch(Routes.channel(GENERAL), { body: { topic: 'two' } });
  const raw = await fetch(`${e.restUrl}/channels/${GENERAL}`, {
    method: 'PATCH',
    headers: { authorization: `Bot ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'three' }),
  });
  expect(raw.status).toBe(429);
  expect(raw.headers.get('x-ratelimit-remaining')).toBe('2');
  expect(raw.headers.get('retry-after')).toBe('600');
  expect(((await raw.json()) as Json).retry_after).toBe(600);
  // @discordjs/rest recognises the sublimit and, told to reject on /channels, throws instead of waiting.
  const err = await rest.patch(Routes.channel(GENERAL), { body: { name: 'four' } }).catch((x: unknown) => x);
  expect(err).toBeInstanceOf(RateLimitError);
  expect((err as RateLimitError).sublimitTimeout).toBeGreaterThan(0);
  // The server holds back only renames: other edits of the channel go through.
  const patch = (body: unknown) =>
    fetch(`${e.restUrl}/channels/${GENERAL}`, {
      method: 'PATCH',
      headers: { authorization: `Bot ${e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await patch({ nsfw: true })).status).toBe(200);
  clock.advance(600_000);
  const renamed = await patch({ name: 'five' });
  expect(renamed.status).toBe(200);
  expect(((await renamed.json()) as Json).name).toBe('five');
});
