/**
 * AES-128-GCM for DAVE's small frames, faster in Node than a `createCipheriv('aes-128-gcm')` per frame.
 *
 * Why: a GCM cipher object cannot take a new IV, so node:crypto needs a new object per frame, and that
 * JS/C++ setup (about 4 us on the reference machine) costs more than davey's whole encrypt. Here the
 * AES block function stays in OpenSSL (a reusable AES-128-ECB object produces the CTR keystream and
 * the tag mask in one call per frame), and GHASH runs in JS with per-key tables: 16 tables of 256
 * entries, so one block is 16 lookups and 64 XORs. The arithmetic is NIST SP 800-38D section 6.
 *
 * Side channels: the GHASH tables are indexed by secret-dependent bytes, as in OpenSSL's and noble's
 * table-based fallbacks; AES itself is OpenSSL's (AES-NI where present). Tests pin the output against
 * node:crypto's GCM byte for byte.
 */
import { type Cipher, createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';

const BLOCK = 16;

/** GF(2^128) multiplication by a fixed H through byte-indexed tables (SP 800-38D 6.3). */
export class GhashKey {
  /** table[(j * 256 + b) * 4 + w]: word w of (byte b at position j) * H. */
  readonly #table = new Int32Array(16 * 256 * 4);

  constructor(h: Uint8Array) {
    const view = new DataView(h.buffer, h.byteOffset, BLOCK);
    let v0 = view.getUint32(0);
    let v1 = view.getUint32(4);
    let v2 = view.getUint32(8);
    let v3 = view.getUint32(12);
    const table = this.#table;
    // P_i = x^i * H for the 128 single-bit blocks; bit i is bit (7 - i % 8) of byte i / 8.
    for (let i = 0; i < 128; i++) {
      const j = i >> 3;
      const bit = 0x80 >> (i & 7);
      const base = j * 256;
      // Table entries are linear in b: XOR P_i into every byte value b that has this bit set.
      for (let b = bit; b < 256; b = (b + 1) | bit) {
        const at = (base + b) * 4;
        table[at] ^= v0;
        table[at + 1] ^= v1;
        table[at + 2] ^= v2;
        table[at + 3] ^= v3;
      }
      const lsb = v3 & 1;
      v3 = (v3 >>> 1) | (v2 << 31);
      v2 = (v2 >>> 1) | (v1 << 31);
      v1 = (v1 >>> 1) | (v0 << 31);
      v0 = (v0 >>> 1) ^ (lsb ? 0xe1000000 : 0);
    }
  }

  /**
   * GHASH_H(aad || pad || ciphertext || pad || len64(aad) || len64(ct)) written into `out[0..16)`.
   */
  hash(aad: Uint8Array | null, ciphertext: Uint8Array, out: Int32Array): void {
    const state = out;
    state[0] = 0;
    state[1] = 0;
    state[2] = 0;
    state[3] = 0;
    const aadLength = aad === null ? 0 : aad.length;
    if (aadLength > 0) this.#absorb(aad!, state);
    this.#absorb(ciphertext, state);
    // Length block: bit lengths as two 64-bit big-endian integers (frames are far below 2^29 bytes).
    lengthBlock[0] = 0;
    lengthBlock[1] = aadLength * 8;
    lengthBlock[2] = 0;
    lengthBlock[3] = ciphertext.length * 8;
    this.#multiply(state, lengthBlock[0]!, lengthBlock[1]!, lengthBlock[2]!, lengthBlock[3]!);
  }

  #absorb(data: Uint8Array, state: Int32Array): void {
    const length = data.length;
    let i = 0;
    for (; i + BLOCK <= length; i += BLOCK) {
      this.#multiply(
        state,
        (data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!,
        (data[i + 4]! << 24) | (data[i + 5]! << 16) | (data[i + 6]! << 8) | data[i + 7]!,
        (data[i + 8]! << 24) | (data[i + 9]! << 16) | (data[i + 10]! << 8) | data[i + 11]!,
        (data[i + 12]! << 24) | (data[i + 13]! << 16) | (data[i + 14]! << 8) | data[i + 15]!,
      );
    }
    if (i < length) {
      const w = [0, 0, 0, 0];
      for (let k = 0; i + k < length; k++) w[k >> 2]! |= data[i + k]! << (24 - 8 * (k & 3));
      this.#multiply(state, w[0]!, w[1]!, w[2]!, w[3]!);
    }
  }

  /** state = (state XOR block) * H. */
  #multiply(state: Int32Array, b0: number, b1: number, b2: number, b3: number): void {
    const x0 = state[0]! ^ b0;
    const x1 = state[1]! ^ b1;
    const x2 = state[2]! ^ b2;
    const x3 = state[3]! ^ b3;
    const t = this.#table;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    let at: number;
    at = (0 * 256 + (x0 >>> 24)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (1 * 256 + ((x0 >>> 16) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (2 * 256 + ((x0 >>> 8) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (3 * 256 + (x0 & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (4 * 256 + (x1 >>> 24)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (5 * 256 + ((x1 >>> 16) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (6 * 256 + ((x1 >>> 8) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (7 * 256 + (x1 & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (8 * 256 + (x2 >>> 24)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (9 * 256 + ((x2 >>> 16) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (10 * 256 + ((x2 >>> 8) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (11 * 256 + (x2 & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (12 * 256 + (x3 >>> 24)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (13 * 256 + ((x3 >>> 16) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (14 * 256 + ((x3 >>> 8) & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    at = (15 * 256 + (x3 & 0xff)) * 4;
    z0 ^= t[at]!;
    z1 ^= t[at + 1]!;
    z2 ^= t[at + 2]!;
    z3 ^= t[at + 3]!;
    state[0] = z0;
    state[1] = z1;
    state[2] = z2;
    state[3] = z3;
  }
}

const lengthBlock = new Int32Array(4);
/**
 * Above this many bytes (plaintext + AAD) OpenSSL's own GCM wins despite its per-call setup: GHASH in
 * JS costs about 10 ns a byte, OpenSSL's about 4 us a call plus almost nothing a byte (measured on the
 * reference machine: crossover between 400 and 700 bytes). Typical Opus frames stay below it.
 */
const JS_GHASH_MAX_BYTES = 384;
/** Tag lengths node:crypto accepts for GCM. */
const NODE_TAG_LENGTHS = new Set([4, 8, 12, 13, 14, 15, 16]);

/** Frames needing more keystream blocks than this are not batched (video key frames, mostly). */
const MAX_BATCHED_BLOCKS = 1 + 32;
/** Consecutive nonces whose keystream one ECB call prepares. */
const BATCH_FRAMES = 32;

/**
 * AES-128-GCM for DAVE nonces: the 96-bit IV is 8 zero bytes then the 32-bit truncated nonce
 * little-endian (research/dave.md 4), and the tag may be truncated. Not reentrant: one instance per
 * key, used from one place.
 *
 * Node charges about 1 us per cipher call whatever its size, so when nonces come in sequence (always
 * on the send side, usually per sender on the receive side) one ECB call prepares E(J0) and the CTR
 * keystream for the next 32 nonces. A keystream is used for at most one frame on the send side, since
 * the encryptor never repeats a nonce.
 */
export class AesGcm128 {
  readonly #ecb: Cipher;
  readonly #ghash: GhashKey;
  readonly #key: KeyObject;
  readonly #iv = Buffer.alloc(12);
  readonly #hash = new Int32Array(4);
  #counters: Buffer = Buffer.alloc(0);
  #batch: Buffer = Buffer.alloc(0);
  #batchStart = -1;
  #batchCount = 0;
  #batchBlocks = 0;
  #lastNonce = -2;
  /** Where #keystream left the current frame's stream. */
  #stream: Buffer = Buffer.alloc(0);
  #streamOffset = 0;

  constructor(key: Uint8Array) {
    this.#key = createSecretKey(key);
    this.#ecb = createCipheriv('aes-128-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    this.#ghash = new GhashKey(this.#ecb.update(new Uint8Array(BLOCK)));
  }

  #fillCounters(firstNonce: number, frames: number, blocks: number): Buffer {
    const size = frames * blocks * BLOCK;
    if (this.#counters.length < size) this.#counters = Buffer.alloc(size);
    const counters = this.#counters;
    for (let f = 0; f < frames; f++) {
      const nonce = (firstNonce + f) >>> 0;
      for (let b = 0; b < blocks; b++) {
        const at = (f * blocks + b) * BLOCK;
        counters.writeUInt32LE(nonce, at + 8);
        counters.writeUInt32BE(b + 1, at + 12);
      }
    }
    return counters.subarray(0, size);
  }

  #keystream(nonce: number, length: number): void {
    const blocks = 1 + Math.ceil(length / BLOCK);
    const sequential = nonce === this.#lastNonce + 1;
    this.#lastNonce = nonce;
    const index = nonce - this.#batchStart;
    if (this.#batchStart >= 0 && index >= 0 && index < this.#batchCount && blocks <= this.#batchBlocks) {
      this.#stream = this.#batch;
      this.#streamOffset = index * this.#batchBlocks * BLOCK;
      return;
    }
    if (sequential && blocks <= MAX_BATCHED_BLOCKS) {
      // Size entries for this frame with headroom, since Opus frame sizes wander (VBR).
      const perFrame = Math.min(MAX_BATCHED_BLOCKS, blocks + 2);
      const frames = Math.min(BATCH_FRAMES, 0x1_0000_0000 - nonce);
      this.#batch = this.#ecb.update(this.#fillCounters(nonce, frames, perFrame));
      this.#batchStart = nonce;
      this.#batchCount = frames;
      this.#batchBlocks = perFrame;
      this.#stream = this.#batch;
      this.#streamOffset = 0;
      return;
    }
    this.#stream = this.#ecb.update(this.#fillCounters(nonce, 1, blocks));
    this.#streamOffset = 0;
  }

  /** Encrypts into `out[outOffset..]` and writes the tag into `tagOut[tagOffset..+tagLength]`. */
  encrypt(
    truncatedNonce: number,
    plaintext: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
    outOffset: number,
    tagOut: Uint8Array,
    tagOffset: number,
    tagLength: number,
  ): void {
    const length = plaintext.length;
    if (length + (aad === null ? 0 : aad.length) > JS_GHASH_MAX_BYTES && NODE_TAG_LENGTHS.has(tagLength)) {
      this.#iv.writeUInt32LE(truncatedNonce >>> 0, 8);
      const cipher = createCipheriv('aes-128-gcm', this.#key, this.#iv, { authTagLength: tagLength });
      if (aad !== null && aad.length > 0) cipher.setAAD(aad);
      out.set(cipher.update(plaintext), outOffset);
      cipher.final();
      tagOut.set(cipher.getAuthTag(), tagOffset);
      return;
    }
    this.#keystream(truncatedNonce, length);
    const stream = this.#stream;
    const base = this.#streamOffset + BLOCK;
    for (let i = 0; i < length; i++) out[outOffset + i] = plaintext[i]! ^ stream[base + i]!;
    this.#ghash.hash(aad, out.subarray(outOffset, outOffset + length), this.#hash);
    writeTag(this.#hash, stream, this.#streamOffset, tagOut, tagOffset, tagLength);
  }

  /**
   * Checks the tag, then decrypts into `out[outOffset..]`. Returns false (writing nothing) when the
   * tag does not match.
   */
  decrypt(
    truncatedNonce: number,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
    outOffset: number,
  ): boolean {
    const length = ciphertext.length;
    if (tag.length === 0 || tag.length > BLOCK) return false;
    if (length + (aad === null ? 0 : aad.length) > JS_GHASH_MAX_BYTES && NODE_TAG_LENGTHS.has(tag.length)) {
      return this.#decryptWithOpenSsl(truncatedNonce, ciphertext, tag, aad, out, outOffset);
    }
    this.#keystream(truncatedNonce, length);
    const stream = this.#stream;
    const mask = this.#streamOffset;
    this.#ghash.hash(aad, ciphertext, this.#hash);
    const hash = this.#hash;
    let diff = 0;
    for (let i = 0; i < tag.length; i++) {
      diff |= ((hash[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff) ^ stream[mask + i]! ^ tag[i]!;
    }
    if (diff !== 0) return false;
    const base = mask + BLOCK;
    for (let i = 0; i < length; i++) out[outOffset + i] = ciphertext[i]! ^ stream[base + i]!;
    return true;
  }

  #decryptWithOpenSsl(
    truncatedNonce: number,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array | null,
    out: Uint8Array,
    outOffset: number,
  ): boolean {
    this.#iv.writeUInt32LE(truncatedNonce >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', this.#key, this.#iv, { authTagLength: tag.length });
    decipher.setAuthTag(tag);
    if (aad !== null && aad.length > 0) decipher.setAAD(aad);
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch {
      // OpenSSL reports a tag mismatch by throwing; nothing reaches `out`.
      plaintext.fill(0);
      return false;
    }
    out.set(plaintext, outOffset);
    return true;
  }
}

function writeTag(
  hash: Int32Array,
  stream: Uint8Array,
  maskOffset: number,
  out: Uint8Array,
  offset: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) {
    out[offset + i] = ((hash[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff) ^ stream[maskOffset + i]!;
  }
}
