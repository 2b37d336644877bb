/**
 * The emulator's REST API v10 under /api (docs reference "HTTP API"): finds the route, checks
 * the bot token, applies injected faults and Discord's rate limits, reads and validates the
 * body, runs the route against the world and answers in Discord's JSON shapes. No input can
 * escape a request: every failure becomes an HTTP answer (and at worst a closed connection).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmulatorClock, sleep } from '../clock.js';
import type { World } from '../world/world.js';
import { WorldError } from '../world/worldError.js';
import {
  bucketRule,
  majorParameter,
  RateLimiter,
  type RateLimitOptions,
  tooManyRequests,
} from './rateLimits.js';
import { parseBody, readBody } from './requestBody.js';
import { internalError, notFound, RestError, fromWorldError, unauthorized } from './restError.js';
import { type RestFault, RestFaults } from './restFaults.js';
import { checkPathIds, type MatchedRoute, Router } from './router.js';
import { applicationCommandRoutes } from './routes/applicationCommands.js';
import { channelRoutes } from './routes/channels.js';
import { type GatewayInfo, gatewayRoutes } from './routes/gateway.js';
import { guildRoutes } from './routes/guilds.js';
import { interactionRoutes } from './routes/interactions.js';
import { messageRoutes } from './routes/messages.js';
import { pinRoutes } from './routes/pins.js';
import { userRoutes } from './routes/users.js';

export interface RestServerOptions {
  world: World;
  token: string;
  clock: EmulatorClock;
  gateway: GatewayInfo;
  log: (line: string) => void;
  /** Largest request body accepted before 413 (default 8 MiB; Discord allows 25 MiB uploads). */
  maxBodyBytes?: number;
  rateLimits?: RateLimitOptions;
}

/** One REST request as the emulator saw it; tokens in webhook paths are replaced by `{token}`. */
export interface RestRequestRecord {
  method: string;
  /** The path after /api/vN. */
  path: string;
  /** The matched route template, or null for an unknown route. */
  route: string | null;
  status: number;
  at: number;
}

const REQUEST_LOG_SIZE = 1000;
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;

/**
 * Path after the version: accepts `/api/v10/...`, `/api/v9/...`, `/api/...`, and the doubled
 * `/api/v10/v10/...` that @discordjs/rest produces when given a base that already ends in /v10.
 */
export function apiPath(pathname: string): string | null {
  if (!pathname.startsWith('/api/') && pathname !== '/api') return null;
  let rest = pathname.slice(4);
  for (let i = 0; i < 2; i++) {
    const m = /^\/v(9|10)(?=\/|$)/.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
  }
  return rest === '' ? '/' : rest;
}

function decodeSegments(path: string): string[] | null {
  try {
    return path
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

/** The path with secrets (interaction and webhook tokens) replaced, for logs and records. */
function loggablePath(path: string, matched: MatchedRoute | undefined): string {
  if (!matched) return path.length > 200 ? `${path.slice(0, 200)}...` : path;
  const t = matched.params.token;
  return t === undefined ? path : path.split(encodeURIComponent(t)).join('{token}').split(t).join('{token}');
}

export class RestServer {
  readonly faults = new RestFaults();
  readonly limiter: RateLimiter;
  private readonly router = new Router();
  private readonly log: RestRequestRecord[] = [];
  private readonly maxBodyBytes: number;

  constructor(private readonly options: RestServerOptions) {
    this.limiter = new RateLimiter(options.clock, options.rateLimits);
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.router.add(
      ...gatewayRoutes(options.gateway),
      ...userRoutes,
      ...channelRoutes,
      ...messageRoutes,
      ...pinRoutes,
      ...guildRoutes,
      ...applicationCommandRoutes,
      ...interactionRoutes,
    );
  }

  /** REST requests seen so far (the last 1000), oldest first. */
  requests(): RestRequestRecord[] {
    return this.log.map((r) => ({ ...r }));
  }

  injectFault(fault: RestFault): void {
    this.faults.inject(fault);
  }

  /** Answers one request; never throws and never leaves it unanswered. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => {});
    res.on('error', () => {});
    this.serve(req, res).catch((err: unknown) => {
      this.options.log(`rest: internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) this.send(req, res, 500, internalError().body(), {});
      else res.destroy();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      this.unknownRoute(req, res, method, String(req.url).slice(0, 200));
      return;
    }
    const path = apiPath(url.pathname);
    const segments = path === null ? null : decodeSegments(path);
    if (path === null || segments === null) {
      this.unknownRoute(req, res, method, url.pathname);
      return;
    }
    let matched: MatchedRoute;
    try {
      matched = this.router.match(method, segments);
    } catch (err) {
      if (err instanceof RestError && err.status === 405) {
        this.finish(req, res, method, path, path, 405, err.body(), {});
        return;
      }
      this.unknownRoute(req, res, method, path);
      return;
    }
    const template = matched.route.path;
    const shown = loggablePath(path, matched);
    const reply = (status: number, body: unknown, headers: Record<string, string>) =>
      this.finish(req, res, method, shown, template, status, body, headers);

    if (matched.route.auth !== false && req.headers.authorization !== `Bot ${this.options.token}`) {
      reply(401, unauthorized().body(), {});
      return;
    }

    const fault = this.faults.take(method, path, template);
    if (fault?.kind === 'delay') await sleep(this.options.clock, fault.ms);
    if (fault?.kind === 'reset') {
      this.options.log(`rest: fault: reset ${method} ${shown}`);
      this.record(method, shown, template, 0);
      // A TCP reset (not a FIN), so the client sees ECONNRESET as after a dropped connection.
      req.socket.resetAndDestroy();
      return;
    }
    const rule = bucketRule(method, template);
    const major = majorParameter(matched.params, template);
    if (fault?.kind === 'serverError') {
      const status = fault.status ?? 500;
      reply(status, { message: `${status}: Internal Server Error`, code: 0 }, {});
      return;
    }
    if (fault?.kind === 'rateLimit') {
      const retryAfterMs = fault.retryAfterMs ?? 1000;
      const now = this.options.clock.now();
      const bucket = RateLimiter.headers(rule, 0, now + retryAfterMs, now);
      const answer = tooManyRequests(
        retryAfterMs,
        fault.scope ?? 'user',
        fault.scope === 'global' ? {} : bucket,
      );
      reply(answer.status, answer.body, answer.headers);
      return;
    }

    const exempt = template.startsWith('/interactions/') || template.startsWith('/webhooks/');
    const decision = this.limiter.take(rule, major, { globalExempt: exempt });
    if (decision.limited) {
      const answer = tooManyRequests(
        decision.retryAfterMs,
        decision.global ? 'global' : 'user',
        decision.headers,
      );
      reply(answer.status, answer.body, answer.headers);
      return;
    }

    try {
      const raw = await readBody(req, this.maxBodyBytes);
      const { json, files } = parseBody(raw, req.headers['content-type']);
      checkPathIds(matched.params);
      const reasonHeader = req.headers['x-audit-log-reason'];
      let reason: string | undefined;
      if (typeof reasonHeader === 'string') {
        try {
          reason = decodeURIComponent(reasonHeader).slice(0, 512);
        } catch {
          reason = reasonHeader.slice(0, 512);
        }
      }
      const result = matched.route.handler({
        world: this.options.world,
        params: matched.params,
        query: url.searchParams,
        body: json,
        files,
        actorId: this.options.world.bot.id,
        reason,
        sublimit: (key, limit, windowMs) => {
          const wait = this.limiter.takeSublimit(key, limit, windowMs);
          if (wait <= 0) return;
          // The route's headers still show requests left, which is how a client tells a sublimit.
          const answer = tooManyRequests(wait, 'user', decision.headers);
          throw new RestError(429, 0, 'You are being rate limited.', undefined, answer.headers, answer.body);
        },
      });
      reply(result.status, result.body, decision.headers);
    } catch (err) {
      const restErr =
        err instanceof RestError ? err : err instanceof WorldError ? fromWorldError(err) : undefined;
      if (!restErr) throw err;
      if (restErr.status === 413) res.setHeader('connection', 'close');
      reply(restErr.status, restErr.body(), { ...decision.headers, ...restErr.headers });
      if (restErr.status === 413) res.once('finish', () => req.socket.destroy());
    }
  }

  private unknownRoute(req: IncomingMessage, res: ServerResponse, method: string, path: string): void {
    const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
    // Logged with method and path so a gap in the emulator is easy to report.
    this.options.log(`rest: unknown route ${method.slice(0, 16)} ${shown}`);
    this.finish(req, res, method, shown, null, 404, notFound().body(), {});
  }

  private record(method: string, path: string, route: string | null, status: number): void {
    this.log.push({ method: method.slice(0, 16), path, route, status, at: this.options.clock.now() });
    if (this.log.length > REQUEST_LOG_SIZE) this.log.splice(0, this.log.length - REQUEST_LOG_SIZE);
  }

  private finish(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    route: string | null,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    this.record(method, path, route, status);
    if (status >= 400) this.options.log(`rest: ${method.slice(0, 16)} ${path} -> ${status}`);
    this.send(req, res, status, body, headers);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    if (res.headersSent || res.destroyed) return;
    // Whatever of the body was not read is drained so a kept-alive socket stays usable.
    if (!req.complete) req.resume();
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const json = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(json)),
    });
    res.end(json);
  }
}

/** The REST part of the emulator's control API (`emulator.control.rest`). */
export interface RestControl {
  /** Queues a fault for the next matching requests: 429 storm, 5xx, slow answer, reset connection. */
  injectFault(fault: RestFault): void;
  /** Drops faults not yet spent. */
  clearFaults(): void;
  /** Matching requests the queued faults will still hit. */
  pendingFaults(): number;
  /** REST requests so far (last 1000), with the route they matched and the status answered. */
  requests(): RestRequestRecord[];
  /** Turns Discord's per-route and global limits on or off (headers are sent either way). */
  setRateLimits(enabled: boolean): void;
  /** Starts every rate-limit bucket afresh. */
  resetRateLimits(): void;
}

export function restControl(server: RestServer): RestControl {
  return {
    injectFault: (fault) => server.injectFault(fault),
    clearFaults: () => server.faults.clear(),
    pendingFaults: () => server.faults.pending(),
    requests: () => server.requests(),
    setRateLimits: (enabled) => {
      server.limiter.enabled = enabled;
    },
    resetRateLimits: () => server.limiter.reset(),
  };
}
