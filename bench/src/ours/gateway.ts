/**
 * cordwire's gateway client as bench drives it: one `Shard` from @cordwire/gateway's public
 * exports (the ws shell around the sans-IO ShardCore), the way a user connects one shard.
 */
import { Shard } from '@cordwire/gateway';

export interface OurConnectOptions {
  url: string;
  encoding: 'json' | 'etf';
  compress: 'none' | 'zlib-stream' | 'zstd-stream';
  /** called with the event name of every dispatch, READY included */
  onDispatch?: (t: string) => void;
  shardId?: number;
  shardCount?: number;
}

export interface OurGatewayClient {
  /** connects one shard; resolves with a function that closes it */
  connect(options: OurConnectOptions): Promise<() => void>;
  notes: string;
}

export function createOurShard(options: OurConnectOptions): Shard {
  const shard = new Shard({
    token: 'bench.not-a-real-token',
    intents: 0,
    gatewayUrl: options.url,
    encoding: options.encoding,
    transportCompression: options.compress,
    shardId: options.shardId ?? 0,
    shardCount: options.shardCount ?? 1,
  });
  const onDispatch = options.onDispatch;
  if (onDispatch) shard.on('dispatch', (event) => onDispatch(event.t));
  return shard;
}

export async function loadOurGateway(): Promise<OurGatewayClient | string> {
  return {
    notes: 'ours: @cordwire/gateway Shard',
    async connect(options) {
      const shard = createOurShard(options);
      await shard.connect();
      return () => shard.destroy();
    },
  };
}
