/**
 * Receive-side bookkeeping for one sender in one epoch (libdave cpp/src/cryptor_manager.cpp, whose
 * semantics and constants this follows; research/dave.md 3): which generations still have a key,
 * when old generations expire, and which nonces were already decrypted.
 */
import { AesGcmCryptor } from './cryptor.js';
import type { KeyRatchet } from './keyRatchet.js';
import type { DaveClock } from './media.js';

/** The top byte of the 32-bit truncated nonce is the generation (libdave kRatchetGenerationShiftBits). */
export const RATCHET_GENERATION_SHIFT_BITS = 24;
const GENERATION_SCALE = 2 ** RATCHET_GENERATION_SHIFT_BITS;
const NONCE_LOW_MASK = GENERATION_SCALE - 1;
/** The generation byte wraps every 256 generations (kGenerationWrap). */
export const GENERATION_WRAP = 256;
/** Frames more than this many generations ahead of the newest are refused (kMaxGenerationGap). */
export const MAX_GENERATION_GAP = 250;
/** How many skipped nonces stay decryptable (kMaxMissingNonces). */
export const MAX_MISSING_NONCES = 1000;
/** Old generations, and old epochs' managers, stay usable this long (kCryptorExpiry, 10 s). */
export const CRYPTOR_EXPIRY_MS = 10_000;
/** 50 audio frames + two 60 fps video streams (kMaxFramesPerSecond), bounding plausible generations. */
export const MAX_FRAMES_PER_SECOND = 50 + 2 * 60;

/** libdave ComputeWrappedGeneration: place an 8-bit generation at or after `oldest`. */
export function computeWrappedGeneration(oldest: number, generation: number): number {
  const remainder = oldest % GENERATION_WRAP;
  const factor = Math.floor(oldest / GENERATION_WRAP) + (generation < remainder ? 1 : 0);
  return factor * GENERATION_WRAP + generation;
}

/** libdave ComputeWrappedBigNonce: the wrapped generation above the nonce's low 24 bits. */
export function computeWrappedBigNonce(generation: number, truncatedNonce: number): number {
  return generation * GENERATION_SCALE + (truncatedNonce & NONCE_LOW_MASK);
}

/** Why {@link CryptorManager.getCryptor} found no cryptor. */
export const CryptorLookupFailure = {
  EXPIRED: 1,
  TOO_FAR: 2,
  TOO_EARLY: 3,
} as const;
export type CryptorLookupFailure = (typeof CryptorLookupFailure)[keyof typeof CryptorLookupFailure];

interface ExpiringCryptor {
  readonly cryptor: AesGcmCryptor;
  expiry: number;
}

export class CryptorManager {
  readonly #clock: DaveClock;
  readonly #ratchet: KeyRatchet;
  readonly #cryptors = new Map<number, ExpiringCryptor>();
  readonly #ratchetCreation: number;
  #ratchetExpiry = Number.POSITIVE_INFINITY;
  #oldestGeneration = 0;
  #newestGeneration = 0;
  #newestProcessedNonce = -1;
  /** Ascending: nonces are only ever appended above the newest processed one. */
  #missingNonces: number[] = [];

  constructor(clock: DaveClock, keyRatchet: KeyRatchet) {
    this.#clock = clock;
    this.#ratchet = keyRatchet;
    this.#ratchetCreation = clock.now();
  }

  /**
   * Start (or keep) this epoch's countdown. libdave assigns the new deadline, so every later transition
   * pushes an old epoch's deadline out again and a run of transitions less than 10 s apart would keep
   * every superseded epoch's keys alive. We keep the earliest deadline: an epoch stays usable for the
   * expiry window after it was first superseded (research/dave.md checklist: "10 s retention ... for old epochs").
   */
  updateExpiry(expiry: number): void {
    this.#ratchetExpiry = Math.min(this.#ratchetExpiry, expiry);
  }

  isExpired(): boolean {
    return this.#clock.now() > this.#ratchetExpiry;
  }

  computeWrappedGeneration(generation: number): number {
    return computeWrappedGeneration(this.#oldestGeneration, generation);
  }

  canProcessNonce(generation: number, truncatedNonce: number): boolean {
    if (this.#newestProcessedNonce < 0) return true;
    const bigNonce = computeWrappedBigNonce(generation, truncatedNonce);
    return bigNonce > this.#newestProcessedNonce || indexOfSorted(this.#missingNonces, bigNonce) >= 0;
  }

  /** The cryptor for `generation` (created from the ratchet on first use), or why there is none. */
  getCryptor(generation: number): AesGcmCryptor | CryptorLookupFailure {
    this.#cleanupExpiredCryptors();
    if (generation < this.#oldestGeneration) return CryptorLookupFailure.EXPIRED;
    if (generation > this.#newestGeneration + MAX_GENERATION_GAP) return CryptorLookupFailure.TOO_FAR;
    const lifetimeSeconds = Math.floor((this.#clock.now() - this.#ratchetCreation) / 1000);
    const maxLifetimeGenerations = Math.floor((MAX_FRAMES_PER_SECOND * lifetimeSeconds) / GENERATION_SCALE);
    if (generation > maxLifetimeGenerations) return CryptorLookupFailure.TOO_EARLY;

    let entry = this.#cryptors.get(generation);
    if (entry === undefined) {
      // A cryptor made late for an already superseded generation only lives for the expiry window.
      const expiry =
        generation < this.#newestGeneration
          ? this.#clock.now() + CRYPTOR_EXPIRY_MS
          : Number.POSITIVE_INFINITY;
      let cryptor: AesGcmCryptor;
      try {
        cryptor = new AesGcmCryptor(this.#ratchet.getKey(generation));
      } catch {
        // A ratchet that cannot give this generation (erased, or a faulty custom ratchet) means no key:
        // decrypt must only ever fail with a typed error.
        return CryptorLookupFailure.EXPIRED;
      }
      entry = { cryptor, expiry };
      this.#cryptors.set(generation, entry);
    }
    return entry.cryptor;
  }

  reportCryptorSuccess(generation: number, truncatedNonce: number): void {
    const bigNonce = computeWrappedBigNonce(generation, truncatedNonce);
    if (this.#newestProcessedNonce < 0) {
      this.#newestProcessedNonce = bigNonce;
    } else if (bigNonce > this.#newestProcessedNonce) {
      const missing = Math.min(bigNonce - this.#newestProcessedNonce - 1, MAX_MISSING_NONCES);
      const overflow = this.#missingNonces.length + missing - MAX_MISSING_NONCES;
      if (overflow > 0) this.#missingNonces.splice(0, Math.min(overflow, this.#missingNonces.length));
      for (let n = bigNonce - missing; n < bigNonce; n++) this.#missingNonces.push(n);
      this.#newestProcessedNonce = bigNonce;
    } else {
      const index = indexOfSorted(this.#missingNonces, bigNonce);
      if (index >= 0) this.#missingNonces.splice(index, 1);
    }

    if (generation <= this.#newestGeneration || !this.#cryptors.has(generation)) return;
    this.#newestGeneration = generation;
    const expiry = this.#clock.now() + CRYPTOR_EXPIRY_MS;
    for (const [g, entry] of this.#cryptors) {
      if (g < generation) entry.expiry = Math.min(entry.expiry, expiry);
    }
  }

  /** Generations with a live cryptor (for tests and diagnostics). */
  get liveGenerations(): number[] {
    return [...this.#cryptors.keys()].sort((a, b) => a - b);
  }

  /** Skipped nonces still accepted (at most {@link MAX_MISSING_NONCES}). */
  get missingNonceCount(): number {
    return this.#missingNonces.length;
  }

  get oldestGeneration(): number {
    return this.#oldestGeneration;
  }

  #cleanupExpiredCryptors(): void {
    if (this.#cryptors.size > 1 || this.#oldestGeneration < this.#newestGeneration) {
      const now = this.#clock.now();
      for (const [g, entry] of this.#cryptors) {
        if (entry.expiry < now) this.#cryptors.delete(g);
      }
    }
    while (this.#oldestGeneration < this.#newestGeneration && !this.#cryptors.has(this.#oldestGeneration)) {
      this.#ratchet.deleteKey(this.#oldestGeneration);
      this.#oldestGeneration++;
    }
  }
}

function indexOfSorted(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
