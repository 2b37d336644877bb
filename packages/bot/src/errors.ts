/**
 * Every error the framework raises is a BotError with a stable `code`, so a bot can branch on
 * the code rather than on message text. Messages name what to do and never carry a token.
 */
export type BotErrorCode =
  | 'INVALID_OPTIONS'
  | 'NOT_READY'
  | 'LOGIN_FAILED'
  | 'GATEWAY_FATAL'
  | 'DUPLICATE_COMMAND'
  | 'INVALID_COMMAND'
  | 'INTERACTION_ALREADY_ACKNOWLEDGED'
  | 'INTERACTION_NOT_ACKNOWLEDGED'
  | 'HANDLER_FAILED'
  | 'DESTROYED'
  | 'E2EE_TIMEOUT';

export class BotError extends Error {
  override readonly name = 'BotError';
  readonly code: BotErrorCode;

  constructor(code: BotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
