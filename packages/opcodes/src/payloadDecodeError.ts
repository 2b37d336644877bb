/**
 * The error every JSON payload decoder returns (never throws). It names the protocol, the opcode
 * when one was read, the path of the offending field (`d.heartbeat_interval`, `d.user_ids[3]`) and
 * what was expected. It never quotes the offending value: payloads carry tokens and keys.
 */
export type PayloadDecodeErrorCode =
  /** Text that is not JSON, or bytes that are not UTF-8. */
  | 'INVALID_JSON'
  /** Input longer than the decoder's `maxLength`. */
  | 'TOO_LARGE'
  /** The message is not a JSON object. */
  | 'NOT_AN_OBJECT'
  /** `op` is a number no catalog knows. */
  | 'UNKNOWN_OPCODE'
  /** A known op that this sender never sends (a client sending HELLO). */
  | 'WRONG_DIRECTION'
  /** A binary-only voice op (DAVE MLS 25-28, 30) arrived as JSON. */
  | 'BINARY_OPCODE_AS_JSON'
  /** A field is missing or has the wrong type or range. */
  | 'INVALID_FIELD';

export type PayloadProtocol = 'gateway' | 'voice';

export class PayloadDecodeError extends Error {
  override readonly name = 'PayloadDecodeError';
  readonly code: PayloadDecodeErrorCode;
  readonly protocol: PayloadProtocol;
  /** The opcode, once it was read. */
  readonly opcode: number | undefined;
  /** Dotted path of the offending field from the message root; '' for the message itself. */
  readonly path: string;
  /** What the decoder wanted there. */
  readonly expected: string;

  constructor(
    code: PayloadDecodeErrorCode,
    protocol: PayloadProtocol,
    opcode: number | undefined,
    path: string,
    expected: string,
    opcodeName?: string,
  ) {
    const where =
      opcode === undefined ? protocol : `${protocol} op ${opcode}${opcodeName ? ` (${opcodeName})` : ''}`;
    // A decode error describes bad data, not a bug in the caller: its stack says nothing useful,
    // and capturing one is most of the cost of rejecting a message (an emulator may reject many).
    // Building the message string cannot throw, so the limit is always restored.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${where}: ${path ? `${path}: ` : ''}${expected}`);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.protocol = protocol;
    this.opcode = opcode;
    this.path = path;
    this.expected = expected;
  }
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PayloadDecodeError };
