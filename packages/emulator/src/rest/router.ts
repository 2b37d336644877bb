/**
 * The REST route table: method + path template (`/channels/{channel}/messages`) to handler.
 * Paths are matched per segment after percent-decoding, because @discordjs/rest encodes `@me`
 * and `name:id` emoji (`%40me`, `%3A`). Literal segments win over parameters, so
 * `/members/search` is never read as a member id. Parameters named like ids must be snowflakes.
 */
import type { World } from '../world/world.js';
import { FormErrors, methodNotAllowed, notFound } from './restError.js';
import { isSnowflake } from '../world/snowflake.js';

export interface RouteRequest {
  world: World;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON (or multipart payload_json), undefined when the request had no body. */
  body: unknown;
  /** Files of a multipart request, as attachment metadata. */
  files: UploadedFile[];
  /** The bot's user id: the actor of every authenticated route. */
  actorId: string;
  /** X-Audit-Log-Reason, percent-decoded. */
  reason: string | undefined;
  /** Spends one request of a hidden sublimit; throws the 429 Discord sends when it is spent. */
  sublimit(key: string, limit: number, windowMs: number): void;
}

export interface UploadedFile {
  index: number;
  filename: string;
  contentType: string;
  size: number;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
}

export type RouteHandler = (req: RouteRequest) => RouteResponse;

export interface RouteDefinition {
  method: string;
  /** e.g. `/channels/{channel}/messages/{message}`; braces mark parameters. */
  path: string;
  handler: RouteHandler;
  /** Webhook and interaction routes are called without the bot token (default true). */
  auth?: boolean;
}

export interface MatchedRoute {
  route: RouteDefinition;
  params: Record<string, string>;
}

/** Parameters that are not ids (everything else must be a snowflake, else 50035 NUMBER_TYPE_COERCE). */
const FREE_PARAMS: ReadonlySet<string> = new Set(['emoji', 'token', 'interactionToken']);

function segmentsOf(template: string): string[] {
  return template.split('/').filter((s) => s.length > 0);
}

export class Router {
  private readonly routes: Array<RouteDefinition & { segments: string[] }> = [];

  add(...defs: RouteDefinition[]): this {
    for (const d of defs) this.routes.push({ ...d, segments: segmentsOf(d.path) });
    return this;
  }

  /** Finds a route; throws 404 for no path match, 405 when only the method differs. */
  match(method: string, segments: readonly string[]): MatchedRoute {
    let best: { route: RouteDefinition; params: Record<string, string>; literals: number } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const t = route.segments[i]!;
        const s = segments[i]!;
        if (t.startsWith('{')) params[t.slice(1, -1)] = s;
        else if (t === s) literals += 1;
        else {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      if (!best || literals > best.literals) best = { route, params, literals };
    }
    if (!best) throw pathMatched ? methodNotAllowed() : notFound();
    return { route: best.route, params: best.params };
  }
}

/** Discord rejects a non-snowflake id in a path as a form error on `<name>_id`. */
export function checkPathIds(params: Record<string, string>): void {
  const errors = new FormErrors();
  for (const [name, value] of Object.entries(params)) {
    if (FREE_PARAMS.has(name) || value === '@me' || value === '@original') continue;
    if (!isSnowflake(value)) {
      errors.add(
        [`${name}_id`],
        'NUMBER_TYPE_COERCE',
        `Value "${String(value).slice(0, 64)}" is not snowflake.`,
      );
    }
  }
  errors.throwIfAny();
}
