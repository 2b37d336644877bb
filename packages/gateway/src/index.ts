export {
  GatewayError,
  type GatewayErrorCode,
  GatewayFatalCloseError,
  GatewayInboundError,
  GatewayReconnectLimitError,
  GatewayTimeoutError,
} from './errors.js';
export { fetchGatewayBot, type GatewayBotInfo } from './gatewayBot.js';
export {
  type IdentifyQueue,
  InMemoryIdentifyQueue,
  type InMemoryIdentifyQueueOptions,
} from './identifyQueue.js';
export {
  type GatewayEncoding,
  InboundDecoder,
  type InboundOptions,
  type TransportCompression,
} from './inbound.js';
export type * from './payloads.js';
export { MemberChunkCollector, RequestGuildMembersTimeoutError } from './requestGuildMembers.js';
export { GATEWAY_SEND_LIMIT, GATEWAY_SEND_WINDOW_MS, SendRateLimit } from './sendRateLimit.js';
export { MemorySessionStore, type SessionStore } from './sessionStore.js';
export { Shard, type ShardEvents, type ShardOptions } from './shard.js';
export {
  CLIENT_RECONNECT_CLOSE_CODE,
  defaultIdentifyProperties,
  type SessionInfo,
  type ShardAction,
  ShardCore,
  type ShardCoreOptions,
  type ShardEvent,
  type ShardInput,
  type ShardState,
  type ShardTimer,
} from './shardCore.js';
export {
  inProcessStrategy,
  type ShardEventSink,
  type ShardHandle,
  ShardManager,
  type ShardManagerOptions,
  type ShardingStrategy,
} from './shardManager.js';
export { type WorkerStrategy, type WorkerStrategyOptions, workerThreadsStrategy } from './workerStrategy.js';
