/**
 * Property test of the REST router over a real socket: random methods, paths (route templates
 * filled with random or hostile segments) and bodies (random JSON, random bytes, wrong content
 * types) must always get one of Discord's answers in its JSON shape, never a 500, a hang or a
 * crash, and the emulator must keep serving afterwards.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ restRateLimits: { enabled: false }, restMaxBodyBytes: 64 * 1024 });
  emu.world.commands.create({ name: 'ping', description: 'pong' });
});
afterAll(async () => {
  await emu.close();
});

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

function send(
  method: string,
  path: string,
  body: Buffer | undefined,
  headers: Record<string, string>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: emu.port, method, path, headers: { ...headers, connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const TEMPLATES = [
  '/channels/{id}',
  '/channels/{id}/messages',
  '/channels/{id}/messages/{id}',
  '/channels/{id}/messages/bulk-delete',
  '/channels/{id}/messages/{id}/reactions/{x}/@me',
  '/channels/{id}/messages/{id}/reactions/{x}/{id}',
  '/channels/{id}/typing',
  '/channels/{id}/permissions/{id}',
  '/users/{id}',
  '/users/@me',
  '/users/@me/channels',
  '/guilds/{id}',
  '/guilds/{id}/members',
  '/guilds/{id}/members/search',
  '/guilds/{id}/members/{id}',
  '/guilds/{id}/members/%40me',
  '/guilds/{id}/members/{id}/roles/{id}',
  '/guilds/{id}/roles/{id}',
  '/guilds/{id}/bans/{id}',
  '/applications/{id}/commands',
  '/applications/{id}/commands/{id}',
  '/applications/{id}/guilds/{id}/commands',
  '/interactions/{id}/{x}/callback',
  '/webhooks/{id}/{x}',
  '/webhooks/{id}/{x}/messages/%40original',
  '/gateway/bot',
  '/{x}',
  '/{x}/{x}/{x}',
];

const KNOWN_IDS = [
  '1300000000000000100',
  '1300000000000000101',
  '1300000000000000010',
  '1300000000000000001',
  '0',
  '18446744073709551616',
];

const segment = fc.oneof(
  fc.constantFrom(...KNOWN_IDS),
  fc.stringMatching(/^\d{1,25}$/),
  fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '@me', '%40original', 'x'.repeat(3000), '%00', ';', '?a=1'),
);

const path = fc
  .tuple(
    fc.constantFrom(...TEMPLATES),
    fc.array(segment, { minLength: 8, maxLength: 8 }),
    fc.string({ maxLength: 40 }),
  )
  .map(([template, fill, query]) => {
    let i = 0;
    const p = template.replace(/\{id\}|\{x\}/g, () => fill[i++] ?? '1');
    return `/api/v10${p}${query.length > 0 ? `?${encodeURIComponent(query)}=${encodeURIComponent(query)}` : ''}`;
  });

const body = fc.oneof(
  fc.constant(undefined),
  fc
    .jsonValue({ maxDepth: 4 })
    .map((v) => ({ type: 'application/json', data: Buffer.from(JSON.stringify(v)) })),
  fc
    .record(
      {
        content: fc.oneof(fc.string({ maxLength: 2100 }), fc.integer(), fc.constant(null)),
        embeds: fc.array(
          fc.dictionary(fc.constantFrom('title', 'description', 'fields'), fc.jsonValue({ maxDepth: 2 })),
          {
            maxLength: 12,
          },
        ),
        components: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
        type: fc.integer({ min: -1, max: 12 }),
        data: fc.jsonValue({ maxDepth: 3 }),
        messages: fc.array(fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.string()), { maxLength: 4 }),
        name: fc.string({ maxLength: 40 }),
        roles: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => ({ type: 'application/json', data: Buffer.from(JSON.stringify(v)) })),
  fc.uint8Array({ maxLength: 2048 }).map((b) => ({ type: 'application/json', data: Buffer.from(b) })),
  fc
    .uint8Array({ maxLength: 512 })
    .map((b) => ({ type: 'multipart/form-data; boundary=xyz', data: Buffer.from(b) })),
  fc.constant({ type: 'application/json', data: Buffer.alloc(70 * 1024, 0x20) }),
  fc.string({ maxLength: 200 }).map((s) => ({ type: 'text/plain', data: Buffer.from(s) })),
);

const ALLOWED = new Set([200, 201, 204, 400, 401, 403, 404, 405, 413, 429]);

test('random requests always get a Discord-shaped answer and never a 500', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'FROB'),
      path,
      body,
      fc.boolean(),
      async (method, p, b, authed) => {
        const headers: Record<string, string> = {};
        if (authed) headers.authorization = `Bot ${emu.token}`;
        if (b) {
          headers['content-type'] = b.type;
          // Node sends a GET body without framing unless told its length.
          headers['content-length'] = String(b.data.length);
        }
        const answer = await send(method, p, b?.data, headers);
        expect(
          ALLOWED.has(answer.status),
          `${method} ${p.slice(0, 120)} -> ${answer.status} ${answer.body.slice(0, 200)}`,
        ).toBe(true);
        if (answer.status !== 204) {
          expect(answer.contentType).toBe('application/json');
          const parsed = JSON.parse(answer.body) as Record<string, unknown>;
          if (answer.status >= 400) {
            expect(typeof parsed.message).toBe('string');
            if (answer.status !== 429) expect(typeof parsed.code).toBe('number');
          }
        }
      },
    ),
    { numRuns: 400 },
  );
  const still = await fetch(`${emu.restUrl}/gateway`);
  expect(still.status).toBe(200);
});

test('malformed request lines and header floods are answered 400 and closed, and the server keeps serving', async () => {
  for (const raw of [
    'GET /api/v10/gateway HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'POST /api/v10/channels/1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    `GET /api/v10/${'a'.repeat(100)} HTTP/1.1\r\n${'X-A: b\r\n'.repeat(5000)}\r\n`,
    '\x00\x01\x02 garbage\r\n\r\n',
  ]) {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(emu.port, '127.0.0.1', () => socket.end(raw));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', () => {});
    });
    expect(answer.startsWith('HTTP/1.1 400') || answer.startsWith('HTTP/1.1 431')).toBe(true);
  }
  expect((await fetch(`${emu.restUrl}/gateway`)).status).toBe(200);
});
