/**
 * Errors of the voice gateway client. Each has a stable `code` so callers can branch on it
 * without parsing messages; none carries the voice token, the session key or the bot token.
 */
import type { ClosePolicy } from '@cordwire/opcodes';

export class VoiceWsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'VoiceWsError';
    this.code = code;
  }
}

/** The voice server closed the socket and the close code's policy says not to retry. */
export class VoiceCloseError extends VoiceWsError {
  readonly closeCode: number;
  readonly policy: ClosePolicy;
  constructor(closeCode: number, policy: ClosePolicy, reason: string, explanation?: string) {
    super(
      'VOICE_CLOSED',
      `voice gateway closed with ${closeCode}${reason ? ` (${reason})` : ''}: ${explanation ?? 'no further explanation'}`,
    );
    this.name = 'VoiceCloseError';
    this.closeCode = closeCode;
    this.policy = policy;
  }
}

/**
 * Close 4017: the channel requires DAVE end-to-end encryption and this client identified
 * with max_dave_protocol_version 0. Retrying the same identify is refused again, so it is
 * fatal (discord.js rejoins here and loops; remorses/kimaki#68).
 */
export class E2EERequiredError extends VoiceCloseError {
  constructor(reason: string) {
    super(
      4017,
      'fatal',
      reason,
      'this channel requires E2EE (DAVE end-to-end encryption) and this connection did not offer it; leave DAVE on (the default) instead of `dave: false` or maxDaveProtocolVersion 0',
    );
    this.name = 'E2EERequiredError';
    (this as { code: string }).code = 'E2EE_REQUIRED';
  }
}

/** A payload from the server failed validation; it was dropped and counted. */
export class VoiceProtocolError extends VoiceWsError {
  readonly op: number | undefined;
  constructor(message: string, op?: number) {
    super('VOICE_PROTOCOL', message);
    this.name = 'VoiceProtocolError';
    this.op = op;
  }
}

/** The connection gave up: too many failed reconnects, a timeout, or a missing adapter. */
export class VoiceConnectionError extends VoiceWsError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'VoiceConnectionError';
  }
}

/**
 * A frame of ours could not be DAVE-encrypted because no send key exists yet (we are joining the
 * group, or it is being re-created). The frame is dropped: an E2EE call never carries plaintext.
 */
export class DaveNotReadyError extends VoiceWsError {
  constructor(message: string) {
    super('DAVE_NOT_READY', message);
    this.name = 'DaveNotReadyError';
  }
}
