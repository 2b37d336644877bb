/**
 * GET /gateway/bot: the URL to connect to, the recommended shard count and the session start
 * limit with max_concurrency (docs "Get Gateway Bot").
 */
import { GatewayError } from './errors.js';
import { isIntegerIn, webSocketUrlProblem } from './peerValues.js';

export interface GatewayBotInfo {
  readonly url: string;
  readonly shards: number;
  readonly session_start_limit: {
    readonly total: number;
    readonly remaining: number;
    readonly reset_after: number;
    readonly max_concurrency: number;
  };
}

/** `restUrl` is the API base, e.g. https://discord.com/api/v10. The token is only sent as a header. */
export async function fetchGatewayBot(
  restUrl: string,
  token: string,
  signal?: AbortSignal,
): Promise<GatewayBotInfo> {
  const url = `${restUrl.replace(/\/+$/, '')}/gateway/bot`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { Authorization: `Bot ${token}` }, signal });
  } catch (e) {
    throw new GatewayError('GATEWAY_FETCH_FAILED', `GET ${url} failed: ${(e as Error).message}`);
  }
  if (!res.ok) {
    throw new GatewayError('GATEWAY_FETCH_FAILED', `GET ${url} answered ${res.status}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new GatewayError('GATEWAY_FETCH_FAILED', `GET ${url} returned a body that is not JSON`);
  }
  const problem = gatewayBotProblem(body);
  if (problem) throw new GatewayError('GATEWAY_FETCH_FAILED', `GET ${url} returned ${problem}`);
  return body as GatewayBotInfo;
}

/**
 * Largest shard count accepted: the manager allocates per shard, so an absurd count from a bad
 * server must not become a billion objects. Discord's largest bots run tens of thousands.
 */
export const MAX_GATEWAY_SHARDS = 1 << 20;

/** What is wrong with a /gateway/bot answer (the manager acts on every field), or undefined. */
function gatewayBotProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'a body that is not an object';
  const b = body as Record<string, unknown>;
  const urlProblem = webSocketUrlProblem(b.url);
  if (urlProblem) return `a url that ${urlProblem}`;
  if (!isIntegerIn(b.shards, 1, MAX_GATEWAY_SHARDS))
    return `shards that is not an integer in [1, ${MAX_GATEWAY_SHARDS}]`;
  const limit = b.session_start_limit as Record<string, unknown> | undefined;
  if (typeof limit !== 'object' || limit === null) return 'no session_start_limit';
  for (const k of ['total', 'remaining', 'reset_after'] as const) {
    if (!isIntegerIn(limit[k], 0, Number.MAX_SAFE_INTEGER))
      return `session_start_limit.${k} that is not an integer >= 0`;
  }
  if (!isIntegerIn(limit.max_concurrency, 1, MAX_GATEWAY_SHARDS)) {
    return `session_start_limit.max_concurrency that is not an integer in [1, ${MAX_GATEWAY_SHARDS}]`;
  }
  return undefined;
}
