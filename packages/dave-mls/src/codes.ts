/**
 * Displayable codes (research/dave.md 5; protocol.md "Displayable Codes"): `length` bytes of input
 * read in groups of `groupSize`, each group a big-endian integer mod 10^groupSize, zero-padded.
 */
import { DaveError } from './errors.js';

export class DaveCodeError extends DaveError {
  constructor(message: string) {
    super('DAVE_CODE_INVALID_ARGUMENTS', message);
  }
}

/** Digits in the voice privacy code and its group size. */
export const PRIVACY_CODE_LENGTH = 30;
/** Digits in the pairwise verification code. */
export const VERIFICATION_CODE_LENGTH = 45;
export const CODE_GROUP_SIZE = 5;
const MAX_GROUP_SIZE = 8;

/** Same name and arguments as davey's `generateDisplayableCode`. */
export function generateDisplayableCode(data: Uint8Array, desiredLength: number, groupSize: number): string {
  if (
    !Number.isInteger(desiredLength) ||
    !Number.isInteger(groupSize) ||
    desiredLength < 0 ||
    groupSize <= 0
  ) {
    throw new DaveCodeError('code length and group size must be positive integers');
  }
  if (data.length < desiredLength)
    throw new DaveCodeError(`need ${desiredLength} bytes of data, got ${data.length}`);
  if (desiredLength % groupSize !== 0)
    throw new DaveCodeError('code length must be a multiple of the group size');
  if (groupSize > MAX_GROUP_SIZE) throw new DaveCodeError(`group size must be at most ${MAX_GROUP_SIZE}`);
  const modulus = 10n ** BigInt(groupSize);
  let code = '';
  for (let i = 0; i < desiredLength; i += groupSize) {
    let value = 0n;
    for (let j = 0; j < groupSize; j++) value = (value << 8n) | BigInt(data[i + j]!);
    code += (value % modulus).toString().padStart(groupSize, '0');
  }
  return code;
}

/** The 30-digit voice privacy code shown for a call: from the epoch's 32-byte MLS epoch_authenticator. */
export function generateVoicePrivacyCode(epochAuthenticator: Uint8Array): string {
  return generateDisplayableCode(epochAuthenticator, PRIVACY_CODE_LENGTH, CODE_GROUP_SIZE);
}

/** The 45-digit code two users compare out of band: from their 64-byte pairwise fingerprint (version 0). */
export function generateVerificationCode(pairwiseFingerprint: Uint8Array): string {
  return generateDisplayableCode(pairwiseFingerprint, VERIFICATION_CODE_LENGTH, CODE_GROUP_SIZE);
}
