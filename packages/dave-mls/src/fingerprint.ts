/**
 * Key and pairwise fingerprints (research/dave.md 5; protocol.md "Verification Fingerprint"):
 *   key fingerprint  = u16 BE version (0) || signature public key || u64 BE user id
 *   pairwise         = scrypt(sorted(fpA, fpB) concatenated, salt, N=16384, r=8, p=2, 64 bytes)
 * Sorting is unsigned lexicographic (the libdave/davey "badSort" vector pins it).
 */
import { scrypt } from 'node:crypto';
import { DaveError } from './errors.js';

export class DaveFingerprintError extends DaveError {
  constructor(message: string) {
    super('DAVE_FINGERPRINT_INVALID_ARGUMENTS', message);
  }
}

export const FINGERPRINT_VERSION = 0;
/** protocol.md's fixed salt. */
const PAIRWISE_SALT = Uint8Array.of(
  0x24,
  0xca,
  0xb1,
  0x7a,
  0x7a,
  0xf8,
  0xec,
  0x2b,
  0x82,
  0xb4,
  0x12,
  0xb9,
  0x2d,
  0xab,
  0x19,
  0x2e,
);
const SCRYPT_OPTIONS = { N: 16384, r: 8, p: 2, maxmem: 64 * 1024 * 1024 } as const;
export const PAIRWISE_FINGERPRINT_BYTES = 64;
const MAX_U64 = (1n << 64n) - 1n;

/** A Discord snowflake (decimal string or bigint) as a u64, or a typed error. */
export function parseUserId(userId: string | bigint): bigint {
  let value: bigint;
  if (typeof userId === 'bigint') value = userId;
  else if (/^[0-9]{1,20}$/.test(userId)) value = BigInt(userId);
  else throw new DaveFingerprintError('user id must be a decimal snowflake');
  if (value < 0n || value > MAX_U64) throw new DaveFingerprintError('user id does not fit in 64 bits');
  return value;
}

/** Same name and arguments as davey's `generateKeyFingerprint`. */
export function generateKeyFingerprint(
  version: number,
  key: Uint8Array,
  userId: string | bigint,
): Uint8Array {
  if (version !== FINGERPRINT_VERSION)
    throw new DaveFingerprintError(`unsupported fingerprint version ${version}`);
  if (key.length === 0) throw new DaveFingerprintError('public key is empty');
  const out = new Uint8Array(2 + key.length + 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, version, false);
  out.set(key, 2);
  view.setBigUint64(2 + key.length, parseUserId(userId), false);
  return out;
}

function compareUnsigned(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Same name and arguments as davey's `generatePairwiseFingerprint`. scrypt runs on libuv's thread pool
 * (about 100 ms), so the event loop is not blocked.
 */
export async function generatePairwiseFingerprint(
  version: number,
  localKey: Uint8Array,
  localUserId: string | bigint,
  remoteKey: Uint8Array,
  remoteUserId: string | bigint,
): Promise<Uint8Array> {
  const local = generateKeyFingerprint(version, localKey, localUserId);
  const remote = generateKeyFingerprint(version, remoteKey, remoteUserId);
  const [first, second] = compareUnsigned(local, remote) <= 0 ? [local, remote] : [remote, local];
  const input = new Uint8Array(first.length + second.length);
  input.set(first, 0);
  input.set(second, first.length);
  return new Promise((resolve, reject) => {
    scrypt(input, PAIRWISE_SALT, PAIRWISE_FINGERPRINT_BYTES, SCRYPT_OPTIONS, (error, derived) => {
      if (error) reject(new DaveFingerprintError(`scrypt failed: ${error.message}`));
      else resolve(new Uint8Array(derived.buffer, derived.byteOffset, derived.length));
    });
  });
}
