export { GatewayRedisError, type GatewayRedisErrorCode } from './errors.js';
export {
  type BrokerEvent,
  type ConsumerOptions,
  type ConsumerStats,
  type DeliveredEvent,
  decodeEntry,
  type PublisherOptions,
  type PublisherStats,
  partitionOf,
  RedisEventConsumer,
  RedisEventPublisher,
} from './eventBroker.js';
export { type GatewayProcess, type GatewayProcessOptions, startGatewayProcess } from './gatewayProcess.js';
export { RedisIdentifyQueue, type RedisIdentifyQueueOptions } from './identifyQueue.js';
export { RedisKeys } from './keys.js';
export { LeaseSet, type LeaseReleaseReason, type LeaseSetOptions } from './leases.js';
export { connectRedis, type RedisClient, type RedisConnectOptions, reconnectDelay } from './redis.js';
export { RedisSessionStore, type RedisSessionStoreOptions, SequenceCheckpointer } from './sessionStore.js';
export { startWorker, type Worker, type WorkerOptions } from './worker.js';
