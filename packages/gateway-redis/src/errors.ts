/** Errors of this package: a stable `code`, and never a token or a Redis password in the text. */
export type GatewayRedisErrorCode = 'ABORTED' | 'INVALID_OPTIONS' | 'REDIS_UNAVAILABLE' | 'MALFORMED_ENTRY';

export class GatewayRedisError extends Error {
  override readonly name = 'GatewayRedisError';
  readonly code: GatewayRedisErrorCode;
  constructor(code: GatewayRedisErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
