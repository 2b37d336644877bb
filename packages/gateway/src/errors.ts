/**
 * Errors the gateway client surfaces. Each has a stable `code`; none carries a token.
 */
import type { ClosePolicy } from '@cordwire/opcodes';

export type GatewayErrorCode =
  | 'GATEWAY_FATAL_CLOSE'
  | 'GATEWAY_FRAME_TOO_LARGE'
  | 'GATEWAY_DECOMPRESS_FAILED'
  | 'GATEWAY_DECODE_FAILED'
  | 'GATEWAY_TIMEOUT'
  | 'GATEWAY_RECONNECT_LIMIT'
  | 'GATEWAY_REQUEST_MEMBERS_TIMEOUT'
  | 'GATEWAY_NOT_CONNECTED'
  | 'GATEWAY_FETCH_FAILED'
  | 'GATEWAY_WORKER_FAILED';

export class GatewayError extends Error {
  override readonly name: string = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The server closed with a code whose policy is `fatal` (4004, 4010-4016): the shard stops. */
export class GatewayFatalCloseError extends GatewayError {
  override readonly name = 'GatewayFatalCloseError';
  readonly policy: ClosePolicy = 'fatal';
  constructor(
    readonly closeCode: number,
    readonly reason: string,
    readonly shardId: number,
  ) {
    super(
      'GATEWAY_FATAL_CLOSE',
      `shard ${shardId} closed with fatal code ${closeCode}${reason ? ` (${reason})` : ''}`,
    );
  }
}

/** A frame could not be turned into a payload; the connection is dropped and resumed. */
export class GatewayInboundError extends GatewayError {
  override readonly name = 'GatewayInboundError';
  constructor(
    code: 'GATEWAY_FRAME_TOO_LARGE' | 'GATEWAY_DECOMPRESS_FAILED' | 'GATEWAY_DECODE_FAILED',
    message: string,
  ) {
    super(code, message);
  }
}

/** A handshake step did not finish in time (`stage` says which). */
export class GatewayTimeoutError extends GatewayError {
  override readonly name = 'GatewayTimeoutError';
  constructor(
    readonly stage: 'handshake' | 'hello' | 'ready',
    readonly afterMs: number,
  ) {
    super(
      'GATEWAY_TIMEOUT',
      `no ${stage === 'handshake' ? 'WebSocket handshake' : stage.toUpperCase()} within ${afterMs} ms`,
    );
  }
}

/**
 * The server asked this shard to reconnect (op 7) again and again, each time before the new
 * connection had stayed up for a heartbeat interval; after `requests` such requests in a row the
 * shard stops instead of reconnecting forever. Raise `maxReconnectRequests` to allow more.
 */
export class GatewayReconnectLimitError extends GatewayError {
  override readonly name = 'GatewayReconnectLimitError';
  constructor(
    readonly requests: number,
    readonly shardId: number,
  ) {
    super(
      'GATEWAY_RECONNECT_LIMIT',
      `shard ${shardId} gave up after ${requests} reconnect requests (op 7) in a row, none followed by a healthy connection`,
    );
  }
}
