/**
 * The DAVE sender-key hash ratchet (research/dave.md 3): RFC 9420 9.1's secret-tree ratchet with
 * SHA-256, seeded by the 16-byte per-sender secret the MLS exporter gives for
 * ("Discord Secure Frames v0", u64 LE user id). Generation g's AES-128-GCM key is
 * ExpandWithLabel(secret_g, "key", u32 BE g, 16); secret_{g+1} = ExpandWithLabel(secret_g, "secret",
 * u32 BE g, 32). HKDF-Expand is written over HMAC here because @hpke/core refuses a 16-byte PRK.
 */
import { createHash, createHmac } from 'node:crypto';
import { DaveError } from './errors.js';

/** What the frame encryptor and the cryptor manager need from a ratchet (libdave IKeyRatchet). */
export interface KeyRatchet {
  /** The 16-byte AES key of `generation`; throws a DaveError for an erased generation. */
  getKey(generation: number): Uint8Array;
  /** Forget `generation`'s key for good (forward secrecy once no frame can still need it). */
  deleteKey(generation: number): void;
}

const textEncoder = new TextEncoder();

/** RFC 9420 5.1 / 8: HKDF-Expand(secret, KDFLabel{u16 length, opaque label<V>, opaque context<V>}, L). */
export function expandWithLabel(
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const fullLabel = textEncoder.encode(`MLS 1.0 ${label}`);
  // Labels and contexts here are far below 64 bytes, so each MLS varint length is one byte.
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return hkdfExpandSha256(secret, info, length);
}

/** RFC 5869 HKDF-Expand with HMAC-SHA256, accepting a PRK of any length (DAVE's is 16 bytes). */
export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  let filled = 0;
  for (let counter = 1; filled < length; counter++) {
    const block = createHmac('sha256', prk)
      .update(previous)
      .update(info)
      .update(Uint8Array.of(counter))
      .digest();
    const take = Math.min(block.length, length - filled);
    out.set(block.subarray(0, take), filled);
    filled += take;
    previous = block;
  }
  return out;
}

/** DeriveTreeSecret(secret, label, generation, length) of RFC 9420 9, context = u32 BE generation. */
export function deriveTreeSecret(
  secret: Uint8Array,
  label: string,
  generation: number,
  length: number,
): Uint8Array {
  const context = new Uint8Array(4);
  new DataView(context.buffer).setUint32(0, generation >>> 0, false);
  return expandWithLabel(secret, label, context, length);
}

export const SENDER_KEY_BYTES = 16;
const RATCHET_SECRET_BYTES = 32;

/**
 * One sender's ratchet for one epoch. Keys are derived on demand and cached until deleted; the chain
 * secret is overwritten as it advances, so an erased generation cannot be derived again.
 */
export class HashRatchet implements KeyRatchet {
  #secret: Uint8Array;
  #nextGeneration = 0;
  readonly #keys = new Map<number, Uint8Array>();

  constructor(baseSecret: Uint8Array) {
    if (baseSecret.length === 0) throw new RangeError('ratchet base secret is empty');
    this.#secret = Uint8Array.from(baseSecret);
  }

  getKey(generation: number): Uint8Array {
    const cached = this.#keys.get(generation);
    if (cached !== undefined) return cached;
    if (!Number.isSafeInteger(generation) || generation < this.#nextGeneration || generation > 0xffffffff) {
      throw new RatchetGenerationError(generation);
    }
    while (this.#nextGeneration <= generation) {
      const g = this.#nextGeneration;
      this.#keys.set(g, deriveTreeSecret(this.#secret, 'key', g, SENDER_KEY_BYTES));
      const next = deriveTreeSecret(this.#secret, 'secret', g, RATCHET_SECRET_BYTES);
      this.#secret.fill(0);
      this.#secret = next;
      this.#nextGeneration = g + 1;
    }
    return this.#keys.get(generation)!;
  }

  deleteKey(generation: number): void {
    const key = this.#keys.get(generation);
    if (key === undefined) return;
    key.fill(0);
    this.#keys.delete(generation);
  }

  /** Generations whose keys are currently held (for tests of erasure). */
  get cachedGenerations(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }
}

export class RatchetGenerationError extends DaveError {
  constructor(readonly generation: number) {
    super(
      'DAVE_RATCHET_GENERATION_ERASED',
      `key for ratchet generation ${generation} was erased or is out of range`,
    );
  }
}

/** MLS exporter label for a sender's base secret (research/dave.md 3). */
export const SENDER_KEY_EXPORTER_LABEL = 'Discord Secure Frames v0';
/** The exporter output length: one 16-byte base secret per sender per epoch. */
export const SENDER_KEY_EXPORTER_LENGTH = SENDER_KEY_BYTES;

/**
 * The exporter context for a sender: the user id as u64 LITTLE-endian (whitepaper corrections 1.1.1
 * and 1.1.3; libdave and davey agree).
 */
export function senderKeyExporterContext(userId: string | bigint): Uint8Array {
  const value = typeof userId === 'bigint' ? userId : /^[0-9]{1,20}$/.test(userId) ? BigInt(userId) : -1n;
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new DaveError('DAVE_INVALID_USER_ID', 'user id must be a decimal snowflake that fits in 64 bits');
  }
  const context = new Uint8Array(8);
  new DataView(context.buffer).setBigUint64(0, value, true);
  return context;
}

/** Nh of DAVE's ciphersuite 2 (MLS_128_DHKEMP256_AES128GCM_SHA256_P256): SHA-256. */
const HASH_BYTES = 32;

/**
 * Every listed sender's base secret for one epoch: MLS-Exporter(SENDER_KEY_EXPORTER_LABEL,
 * u64 LE user id, 16) of RFC 9420 8.5, which is ExpandWithLabel(DeriveSecret(exporter_secret, label),
 * "exported", SHA-256(context), 16). DeriveSecret depends only on the label, so it runs once per
 * epoch here rather than once per member (ts-mls's `mlsExporter` repeats it on every call); the
 * result equals `mlsExporter`'s byte for byte (test/ratchet.test.ts).
 */
export function senderBaseSecrets(exporterSecret: Uint8Array, userIds: readonly string[]): Uint8Array[] {
  const labelSecret = expandWithLabel(
    exporterSecret,
    SENDER_KEY_EXPORTER_LABEL,
    new Uint8Array(0),
    HASH_BYTES,
  );
  try {
    return userIds.map((userId) => {
      const context = createHash('sha256').update(senderKeyExporterContext(userId)).digest();
      return expandWithLabel(labelSecret, 'exported', context, SENDER_KEY_EXPORTER_LENGTH);
    });
  } finally {
    labelSecret.fill(0);
  }
}
