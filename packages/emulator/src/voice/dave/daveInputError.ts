/**
 * What the external sender rejects from a member: op 26 key packages and op 28 commits that do not
 * hold up (research/dave.md 1, "Key package lifetime", "Leaf capabilities"; 2.2). A rejection is
 * logged and counted and the message is dropped; it never closes the server or another member.
 * Messages name the field that failed, never key material.
 */
export const DaveInputErrorCode = {
  /** The op 26 bytes are not a TLS KeyPackage (truncated, bad vector, trailing bytes). */
  KEY_PACKAGE_MALFORMED: 'EMULATOR_DAVE_KEY_PACKAGE_MALFORMED',
  /** MLS version or ciphersuite other than mls10 / suite 2. */
  KEY_PACKAGE_CIPHERSUITE: 'EMULATOR_DAVE_KEY_PACKAGE_CIPHERSUITE',
  /** Lifetime other than 0..2^64-1 (the gateway requires it; whitepaper, Validation). */
  KEY_PACKAGE_LIFETIME: 'EMULATOR_DAVE_KEY_PACKAGE_LIFETIME',
  /** Capabilities lacking version 1, suite 2 or basic credentials, or a leaf not made for a key package. */
  KEY_PACKAGE_CAPABILITIES: 'EMULATOR_DAVE_KEY_PACKAGE_CAPABILITIES',
  /** The credential is not a basic credential holding this member's user id (u64 big-endian). */
  KEY_PACKAGE_IDENTITY: 'EMULATOR_DAVE_KEY_PACKAGE_IDENTITY',
  /** The leaf node or key package signature does not verify under the leaf's signature key. */
  KEY_PACKAGE_SIGNATURE: 'EMULATOR_DAVE_KEY_PACKAGE_SIGNATURE',
  /** The op 28 bytes do not start with a PublicMessage commit. */
  COMMIT_MALFORMED: 'EMULATOR_DAVE_COMMIT_MALFORMED',
  /** A commit for another group or epoch, from the wrong leaf, or not referencing pending proposals. */
  COMMIT_REJECTED: 'EMULATOR_DAVE_COMMIT_REJECTED',
  /** A commit that adds members but carries no Welcome. */
  COMMIT_WITHOUT_WELCOME: 'EMULATOR_DAVE_COMMIT_WITHOUT_WELCOME',
  /** A DAVE message that has no place now (no proposals out, DAVE off in the channel). */
  UNEXPECTED: 'EMULATOR_DAVE_UNEXPECTED',
} as const;
export type DaveInputErrorCode = (typeof DaveInputErrorCode)[keyof typeof DaveInputErrorCode];

export class DaveInputError extends Error {
  readonly code: DaveInputErrorCode;
  constructor(code: DaveInputErrorCode, message: string) {
    super(message);
    this.name = 'DaveInputError';
    this.code = code;
  }
}
