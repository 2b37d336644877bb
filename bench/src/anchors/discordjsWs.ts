/**
 * @discordjs/ws 2.0.4 as a user runs it: one WebSocketManager, one shard, zlib-stream with its
 * native inflate (CompressionMethod.ZlibNative; zlib-sync is not installed), JSON. Gateway
 * information comes from a stand-in for its REST client that answers GET /gateway/bot with the
 * local replay server. Each manager gets its own session store (a Map, as its default store is),
 * so it tracks sequences normally but never resumes a previous round's session.
 */
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';

type ManagerOptionsOf = ConstructorParameters<typeof WebSocketManager>[0];
type Rest = ManagerOptionsOf['rest'];
type SessionInfo = NonNullable<Awaited<ReturnType<NonNullable<ManagerOptionsOf['retrieveSessionInfo']>>>>;

export interface ManagerOptions {
  url: string;
  shardCount?: number;
  compression?: boolean;
  onDispatch?: (payload: { t: string }, shardId: number) => void;
}

export function createAnchorManager(options: ManagerOptions): WebSocketManager {
  const shards = options.shardCount ?? 1;
  const sessions = new Map<number, SessionInfo>();
  const rest = {
    get: async () => ({
      url: options.url,
      shards,
      // max_concurrency = shard count: every shard may identify at once (no 5 s identify waits).
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: shards },
    }),
  } as unknown as Rest;
  const manager = new WebSocketManager({
    token: 'bench.not-a-real-token',
    intents: 0,
    rest,
    shardCount: shards,
    compression: options.compression === false ? null : CompressionMethod.ZlibNative,
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
  });
  if (options.onDispatch) {
    const onDispatch = options.onDispatch;
    manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) =>
      onDispatch(payload as { t: string }, shardId),
    );
  }
  return manager;
}
