/**
 * GET /gateway/bot: the URL to connect to, the recommended shard count and the session start
 * limit with max_concurrency (docs "Get Gateway Bot").
 */
import { GatewayError } from './errors.js';

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
  const body = (await res.json()) as Partial<GatewayBotInfo>;
  if (typeof body.url !== 'string' || typeof body.shards !== 'number' || !body.session_start_limit) {
    throw new GatewayError('GATEWAY_FETCH_FAILED', `GET ${url} returned an unexpected body`);
  }
  return body as GatewayBotInfo;
}
