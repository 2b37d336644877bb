/**
 * The REST routes a bot touches before and while it logs in (docs reference, topics/gateway
 * "Get Gateway" / "Get Gateway Bot", resources/user "Get Current User", resources/application
 * "Get Current Application"). Errors use Discord's JSON error shape `{message, code}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { World } from './seed.js';
import type { SessionStartLimitInfo } from './gateway/sessionStartLimit.js';

export interface RestContext {
  token: string;
  world: World;
  gatewayUrl(): string;
  shards: number;
  maxConcurrency: number;
  sessionStartLimit(): SessionStartLimitInfo;
  log(line: string): void;
}

/**
 * Path after the version: accepts `/api/v10/...`, `/api/v9/...`, `/api/...`, and the doubled
 * `/api/v10/v10/...` that @discordjs/rest produces when given a base that already ends in /v10.
 */
export function restRoute(pathname: string): string | null {
  if (!pathname.startsWith('/api/') && pathname !== '/api') return null;
  let rest = pathname.slice(4);
  for (let i = 0; i < 2; i++) {
    const m = /^\/v(9|10)(?=\/|$)/.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
  }
  return rest === '' ? '/' : rest;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    // discord.js's rate-limit handler reads these; a generous bucket keeps it from waiting.
    'x-ratelimit-limit': '50',
    'x-ratelimit-remaining': '49',
    'x-ratelimit-reset-after': '1',
    'x-ratelimit-bucket': 'cordwire-emulator',
  });
  res.end(json);
}

function authorized(req: IncomingMessage, token: string): boolean {
  return req.headers.authorization === `Bot ${token}`;
}

export function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = restRoute(url.pathname);
  if (route === null) {
    send(res, 404, { message: '404: Not Found', code: 0 });
    return;
  }
  ctx.log(`rest ${req.method} ${route}`);
  // Request bodies are not used; drain them so the socket is reusable.
  req.resume();

  const isGet = req.method === 'GET' || req.method === 'HEAD';
  const bot = () => ({ ...ctx.world.bot, verified: true, mfa_enabled: false, flags: 0, email: null });
  const application = () => ({
    id: ctx.world.application.id,
    name: ctx.world.application.name,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: { ...ctx.world.bot },
    team: null,
    bot: { ...ctx.world.bot },
  });

  const routes: Record<string, { auth: boolean; body: () => unknown }> = {
    '/gateway': { auth: false, body: () => ({ url: ctx.gatewayUrl() }) },
    '/gateway/bot': {
      auth: true,
      body: () => ({
        url: ctx.gatewayUrl(),
        shards: ctx.shards,
        session_start_limit: { ...ctx.sessionStartLimit(), max_concurrency: ctx.maxConcurrency },
      }),
    },
    '/users/@me': { auth: true, body: bot },
    '/applications/@me': { auth: true, body: application },
    '/oauth2/applications/@me': { auth: true, body: application },
  };
  const handler = routes[route];
  if (!handler) {
    send(res, 404, { message: '404: Not Found', code: 0 });
    return;
  }
  if (!isGet) {
    send(res, 405, { message: '405: Method Not Allowed', code: 0 });
    return;
  }
  if (handler.auth && !authorized(req, ctx.token)) {
    send(res, 401, { message: '401: Unauthorized', code: 0 });
    return;
  }
  send(res, 200, handler.body());
}
