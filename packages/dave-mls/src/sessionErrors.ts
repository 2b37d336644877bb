import { DaveError } from './errors.js';

/**
 * Stable codes for everything the MLS half of a {@link DaveSession} rejects. A failed operation never
 * changes the session: MLS state in ts-mls is immutable and the session only swaps it in on success.
 */
export const DaveSessionErrorCode = {
  /** Bytes from the gateway could not be decoded (truncated or malformed TLS / MLS). */
  DECODE: 'DAVE_MLS_DECODE',
  /** An argument from the caller is out of range (user id, protocol version, operation type). */
  INVALID_ARGUMENT: 'DAVE_INVALID_ARGUMENT',
  /** The operation is not allowed in the current status (e.g. a commit while only a pending group exists). */
  INVALID_STATE: 'DAVE_INVALID_STATE',
  /** A proposal or commit names another group (channel). */
  WRONG_GROUP: 'DAVE_MLS_WRONG_GROUP',
  /** A proposal or commit is for another epoch than the current one. */
  WRONG_EPOCH: 'DAVE_MLS_WRONG_EPOCH',
  /** A proposal was not sent by the external sender, or not as a PublicMessage. */
  UNEXPECTED_SENDER: 'DAVE_MLS_UNEXPECTED_SENDER',
  /** A proposal other than Add/Remove, or a commit carrying inline proposals. */
  UNEXPECTED_PROPOSAL: 'DAVE_MLS_UNEXPECTED_PROPOSAL',
  /** An Add for a user the voice gateway never announced (op 11 / op 13). */
  UNRECOGNISED_USER: 'DAVE_MLS_UNRECOGNISED_USER',
  /** A revoke names a proposal that is not queued. */
  UNKNOWN_PROPOSAL: 'DAVE_MLS_UNKNOWN_PROPOSAL',
  /** ts-mls rejected the message (bad signature, bad tree, bad confirmation tag, ...). */
  REJECTED: 'DAVE_MLS_REJECTED',
  /** A Welcome whose group does not have exactly one external sender equal to op 25's. */
  EXTERNAL_SENDER_MISMATCH: 'DAVE_MLS_EXTERNAL_SENDER_MISMATCH',
  /** A roster in which two leaves carry the same user id (whitepaper 1.1.0). */
  DUPLICATE_IDENTITY: 'DAVE_MLS_DUPLICATE_IDENTITY',
  /** A credential that is not a basic credential holding a u64 user id. */
  BAD_CREDENTIAL: 'DAVE_MLS_BAD_CREDENTIAL',
  /** A Welcome arrived but no key package of ours is waiting for one. */
  NO_KEY_PACKAGE: 'DAVE_MLS_NO_KEY_PACKAGE',
  /** A user id that is not in the roster (verification code, fingerprint, decrypt). */
  UNKNOWN_USER: 'DAVE_UNKNOWN_USER',
  /**
   * A ciphersuite whose backend (post-quantum, X448, ChaCha20-Poly1305) this package leaves out. DAVE
   * only ever uses ciphersuite 2, so only a caller asking `fastCryptoProvider` for another sees it.
   */
  UNSUPPORTED_CIPHERSUITE: 'DAVE_MLS_UNSUPPORTED_CIPHERSUITE',
} as const;
export type DaveSessionErrorCode = (typeof DaveSessionErrorCode)[keyof typeof DaveSessionErrorCode];

export class DaveSessionError extends DaveError {
  declare readonly code: DaveSessionErrorCode;

  constructor(code: DaveSessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
