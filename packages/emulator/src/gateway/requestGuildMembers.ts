/**
 * Request Guild Members (op 8, docs topics/gateway-events "Request Guild Members"): the
 * GUILD_MEMBERS_CHUNK payloads that answer it, by user ids or by a username prefix.
 */
import { isObject, isSnowflake } from './handshake.js';

export interface MemberRequest {
  guildId: string;
  userIds: string[] | undefined;
  query: string | undefined;
  limit: number;
  nonce: string | undefined;
}

/** The request, or undefined when it is malformed (the caller closes with 4001). */
export function parseMemberRequest(d: unknown): MemberRequest | undefined {
  if (!isObject(d) || !isSnowflake(d.guild_id)) return undefined;
  const userIds = d.user_ids;
  const query = d.query;
  if (userIds === undefined && typeof query !== 'string') return undefined;
  return {
    guildId: d.guild_id,
    // At most 100 ids per request (docs); non-snowflakes are ignored.
    userIds:
      userIds === undefined
        ? undefined
        : (Array.isArray(userIds) ? userIds : [userIds]).filter(isSnowflake).slice(0, 100),
    query: typeof query === 'string' ? query : undefined,
    limit: typeof d.limit === 'number' && d.limit > 0 ? d.limit : Number.POSITIVE_INFINITY,
    nonce: typeof d.nonce === 'string' ? d.nonce.slice(0, 32) : undefined,
  };
}

/** Splits the matching members into chunks of `chunkSize`; always at least one chunk. */
export function memberChunks<M extends { user: { id: string; username: string } }>(
  request: MemberRequest,
  members: ReadonlyMap<string, M>,
  chunkSize: number,
): Array<Record<string, unknown>> {
  let found: M[];
  const notFound: string[] = [];
  if (request.userIds !== undefined) {
    found = request.userIds.flatMap((id) => {
      const m = members.get(id);
      if (!m) notFound.push(id);
      return m ? [m] : [];
    });
  } else {
    const q = (request.query ?? '').toLowerCase();
    found = [...members.values()]
      .filter((m) => m.user.username.toLowerCase().startsWith(q))
      .slice(0, request.limit);
  }
  const count = Math.max(1, Math.ceil(found.length / chunkSize));
  return Array.from({ length: count }, (_, i) => ({
    guild_id: request.guildId,
    members: found.slice(i * chunkSize, (i + 1) * chunkSize),
    chunk_index: i,
    chunk_count: count,
    ...(i === 0 && notFound.length > 0 ? { not_found: notFound } : {}),
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
  }));
}
