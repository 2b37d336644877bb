import { afterEach, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
});

test('GET /gateway needs no token; /gateway/bot does and reports shards and the session start limit', async () => {
  emu = await startEmulator({ shards: 4, maxConcurrency: 2 });
  const open = await fetch(`${emu.restUrl}/gateway`);
  expect(await open.json()).toEqual({ url: emu.gatewayUrl });

  const denied = await fetch(`${emu.restUrl}/gateway/bot`);
  expect(denied.status).toBe(401);
  expect(await denied.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  const wrong = await fetch(`${emu.restUrl}/gateway/bot`, { headers: { authorization: 'Bot nope' } });
  expect(wrong.status).toBe(401);

  const res = await fetch(`${emu.restUrl}/gateway/bot`, { headers: { authorization: `Bot ${emu.token}` } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    url: emu.gatewayUrl,
    shards: 4,
    session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 2 },
  });
});

test('users/@me and applications/@me answer with the bot; unknown routes 404; the doubled version works', async () => {
  emu = await startEmulator();
  const auth = { authorization: `Bot ${emu.token}` };
  const me = await (await fetch(`${emu.restUrl}/users/@me`, { headers: auth })).json();
  expect(me).toMatchObject({ id: '1300000000000000001', bot: true });
  const app = await (await fetch(`${emu.apiUrl}/v10/applications/@me`, { headers: auth })).json();
  expect(app).toMatchObject({ id: '1300000000000000001' });
  expect((await fetch(`${emu.restUrl}/v10/gateway`)).status).toBe(200);
  expect((await fetch(`${emu.restUrl}/channels/1`, { headers: auth })).status).toBe(404);
  expect((await fetch(`${emu.restUrl}/gateway/bot`, { method: 'POST', headers: auth })).status).toBe(405);
});

test('close() is idempotent and frees the port', async () => {
  emu = await startEmulator();
  const url = emu.restUrl;
  await emu.close();
  await emu.close();
  await expect(fetch(`${url}/gateway`)).rejects.toThrow();
  await expect(async () => emu!.control.dispatch('X', {})).rejects.toMatchObject({ code: 'EMULATOR_CLOSED' });
});
