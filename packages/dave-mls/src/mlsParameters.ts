/**
 * DAVE's MLS parameters for protocol version 1 (research/dave.md 1; libdave mls/parameters.cpp,
 * davey session.rs). Everything ts-mls would otherwise default differently is pinned here.
 */
import type { Capabilities, CiphersuiteName, Credential, Lifetime } from 'ts-mls';
import { DaveSessionError, DaveSessionErrorCode } from './sessionErrors.js';

export const DAVE_PROTOCOL_VERSION = 1;

/** Ciphersuite 2: DHKEM P-256, AES-128-GCM, SHA-256, ECDSA P-256. */
export const DAVE_CIPHERSUITE: CiphersuiteName = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256';

/**
 * Exactly what libdave and the Discord client advertise: no GREASE (libdave builds mlspp with
 * DISABLE_GREASE), no extra extensions or proposals, basic credentials only.
 */
export const DAVE_CAPABILITIES: Capabilities = {
  versions: ['mls10'],
  ciphersuites: [DAVE_CIPHERSUITE],
  extensions: [],
  proposals: [],
  credentials: ['basic'],
};

/** 0..2^64-1: the voice gateway rejects key packages with any other lifetime (whitepaper, Validation). */
export const DAVE_LIFETIME: Lifetime = { notBefore: 0n, notAfter: 0xffff_ffff_ffff_ffffn };

const MAX_U64 = 0xffff_ffff_ffff_ffffn;

/** A snowflake given as a decimal string or bigint, checked to fit in a u64. */
export function snowflake(value: string | bigint, what: string): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) n = BigInt(value);
  else
    throw new DaveSessionError(DaveSessionErrorCode.INVALID_ARGUMENT, `${what} must be a decimal snowflake`);
  if (n < 0n || n > MAX_U64)
    throw new DaveSessionError(DaveSessionErrorCode.INVALID_ARGUMENT, `${what} does not fit in 64 bits`);
  return n;
}

export function u64be(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

/** Group id = channel id as u64 big-endian (libdave BigEndianBytesFrom; davey channel_id.to_be_bytes()). */
export const groupIdFor = (channelId: bigint): Uint8Array => u64be(channelId);

/** Member credential = basic, identity = user id as u64 big-endian (libdave user_credential.cpp). */
export function credentialFor(userId: bigint): Credential {
  return { credentialType: 'basic', identity: u64be(userId) };
}

/** The user id inside a member credential, or a typed error for anything else. */
export function userIdFromCredential(credential: Credential): string {
  if (credential.credentialType !== 'basic' || credential.identity.length !== 8) {
    throw new DaveSessionError(
      DaveSessionErrorCode.BAD_CREDENTIAL,
      'member credential is not a basic u64 user id',
    );
  }
  const id = credential.identity;
  return new DataView(id.buffer, id.byteOffset, 8).getBigUint64(0, false).toString();
}
