/**
 * Op 26 validation: the raw TLS KeyPackage a member sends (research/dave.md 2.3: not an MLSMessage)
 * must be one the real gateway would accept before it proposes an Add (research/dave.md 1): mls10,
 * ciphersuite 2, a basic credential whose identity is the member's user id as u64 big-endian, leaf
 * capabilities including version 1, suite 2 and basic credentials, a leaf made for a key package with
 * lifetime 0..2^64-1, and both signatures (LeafNodeTBS, KeyPackageTBS; RFC 9420 7.2, 10) valid under
 * the leaf's own P-256 key. Nothing here needs group state or secrets.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { DaveInputError, DaveInputErrorCode } from './daveInputError.js';
import { MlsReader } from './mlsReader.js';

const MLS10 = 1;
const CIPHERSUITE_P256 = 2;
const CREDENTIAL_BASIC = 1;
const LEAF_SOURCE_KEY_PACKAGE = 1;
const LIFETIME_MAX = 0xffff_ffff_ffff_ffffn;

export interface ValidKeyPackage {
  /** The op 26 bytes, as they go into the Add proposal. */
  readonly bytes: Uint8Array;
  readonly userId: string;
  /** The leaf's uncompressed P-256 signature key (public; used for verification codes). */
  readonly signatureKey: Uint8Array;
}

const fail = (code: DaveInputErrorCode, what: string): never => {
  throw new DaveInputError(code, what);
};

function labeled(label: string, content: Uint8Array): Uint8Array {
  const vec = (b: Uint8Array) => {
    // Both pieces are far below 16 KiB here (a key package is capped by the message size).
    const header =
      b.length < 0x40 ? Uint8Array.of(b.length) : Uint8Array.of(0x40 | (b.length >> 8), b.length & 0xff);
    return Buffer.concat([header, b]);
  };
  if (content.length >= 0x4000) fail(DaveInputErrorCode.KEY_PACKAGE_MALFORMED, 'signed content too large');
  return Buffer.concat([vec(new TextEncoder().encode(`MLS 1.0 ${label}`)), vec(content)]);
}

function p256Key(point: Uint8Array): KeyObject {
  if (point.length !== 65 || point[0] !== 0x04)
    fail(DaveInputErrorCode.KEY_PACKAGE_SIGNATURE, 'signature key is not an uncompressed P-256 point');
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) },
      format: 'jwk',
    });
  } catch {
    return fail(DaveInputErrorCode.KEY_PACKAGE_SIGNATURE, 'signature key is not on P-256');
  }
}

function checkSignature(key: KeyObject, label: string, content: Uint8Array, signature: Uint8Array): void {
  let ok = false;
  try {
    ok = verify('sha256', labeled(label, content), { key, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) fail(DaveInputErrorCode.KEY_PACKAGE_SIGNATURE, `${label} signature does not verify`);
}

/** Parses and validates an op 26 payload for `userId`; throws a DaveInputError naming the failed check. */
export function validateKeyPackage(bytes: Uint8Array, userId: string): ValidKeyPackage {
  const r = new MlsReader(bytes, DaveInputErrorCode.KEY_PACKAGE_MALFORMED);
  const version = r.u16('version');
  const suite = r.u16('cipher_suite');
  if (version !== MLS10 || suite !== CIPHERSUITE_P256)
    fail(DaveInputErrorCode.KEY_PACKAGE_CIPHERSUITE, `version ${version} / ciphersuite ${suite}, want 1 / 2`);
  r.vector('init_key');
  const leafStart = r.offset;
  r.vector('encryption_key');
  const signatureKey = r.vector('signature_key');
  const credentialType = r.u16('credential_type');
  if (credentialType !== CREDENTIAL_BASIC)
    fail(DaveInputErrorCode.KEY_PACKAGE_IDENTITY, `credential type ${credentialType}, want basic`);
  const identity = r.vector('identity');
  const claimed =
    identity.length === 8
      ? new DataView(identity.buffer, identity.byteOffset, 8).getBigUint64(0, false).toString()
      : undefined;
  if (claimed !== userId)
    fail(DaveInputErrorCode.KEY_PACKAGE_IDENTITY, 'credential identity is not the member user id');
  const versions = r.u16List('capabilities.versions');
  const suites = r.u16List('capabilities.cipher_suites');
  r.u16List('capabilities.extensions');
  r.u16List('capabilities.proposals');
  const credentials = r.u16List('capabilities.credentials');
  if (
    !versions.includes(MLS10) ||
    !suites.includes(CIPHERSUITE_P256) ||
    !credentials.includes(CREDENTIAL_BASIC)
  )
    fail(
      DaveInputErrorCode.KEY_PACKAGE_CAPABILITIES,
      'capabilities lack mls10, suite 2 or basic credentials',
    );
  const source = r.u8('leaf_node_source');
  if (source !== LEAF_SOURCE_KEY_PACKAGE)
    fail(DaveInputErrorCode.KEY_PACKAGE_CAPABILITIES, `leaf_node_source ${source}, want key_package`);
  const notBefore = r.u64('lifetime.not_before');
  const notAfter = r.u64('lifetime.not_after');
  if (notBefore !== 0n || notAfter !== LIFETIME_MAX)
    fail(DaveInputErrorCode.KEY_PACKAGE_LIFETIME, 'lifetime must be 0..2^64-1');
  r.vector('leaf_node.extensions');
  const leafTbs = bytes.subarray(leafStart, r.offset);
  const leafSignature = r.vector('leaf_node.signature');
  r.vector('extensions');
  const packageTbs = bytes.subarray(0, r.offset);
  const packageSignature = r.vector('signature');
  if (!r.done) r.fail('trailing bytes after the key package');
  const key = p256Key(signatureKey);
  checkSignature(key, 'LeafNodeTBS', leafTbs, leafSignature);
  checkSignature(key, 'KeyPackageTBS', packageTbs, packageSignature);
  return { bytes: Uint8Array.from(bytes), userId, signatureKey: Uint8Array.from(signatureKey) };
}
