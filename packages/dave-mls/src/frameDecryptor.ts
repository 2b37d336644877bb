/**
 * Receiver side of DAVE media decryption for one sender (libdave decryptor.cpp; research/dave.md 3-4):
 * one cryptor manager per epoch's ratchet, tried newest first; old epochs expire 10 s after a
 * transition; passthrough windows; the Opus silence frame always passes.
 *
 * Error style: `decrypt` returns the plaintext or throws a {@link DaveFrameError}, never anything else,
 * for any input. The code says exactly which check failed.
 */
import { CryptorLookupFailure, CryptorManager, CRYPTOR_EXPIRY_MS } from './cryptorManager.js';
import { TAG_BYTES } from './cryptor.js';
import { gatherOutsideRanges, gatherRanges, interleave, ParsedFrame, parseFrame } from './frameCodec.js';
import { DaveFrameError, DaveFrameErrorCode } from './frameErrors.js';
import type { KeyRatchet } from './keyRatchet.js';
import { type DaveClock, isMediaType, isOpusSilenceFrame, MediaType, systemClock } from './media.js';

/** Mirrors davey's DecryptionStats; duration is in microseconds. */
export interface DecryptionStats {
  successes: number;
  failures: number;
  duration: number;
  attempts: number;
  passthroughs: number;
}

export interface FrameDecryptorOptions {
  clock?: DaveClock;
}

const MESSAGES: Record<DaveFrameErrorCode, string> = {
  DAVE_FRAME_INVALID_MEDIA_TYPE: 'media type is not 0 (audio) or 1 (video)',
  DAVE_FRAME_TOO_SHORT: 'frame is shorter than a DAVE trailer and passthrough is disabled',
  DAVE_FRAME_NO_MARKER: 'frame does not end in the 0xFAFA marker (unencrypted) and passthrough is disabled',
  DAVE_FRAME_BAD_SUPPLEMENTAL_SIZE: 'DAVE supplemental size is out of bounds (truncated frame?)',
  DAVE_FRAME_BAD_NONCE: 'DAVE truncated nonce is not a valid 32-bit ULEB128',
  DAVE_FRAME_BAD_RANGES: 'DAVE unencrypted ranges are malformed, unordered or out of bounds',
  DAVE_FRAME_NO_KEY: 'no key ratchet for this sender yet',
  DAVE_FRAME_REPLAYED: 'nonce was already decrypted or is outside the replay window',
  DAVE_FRAME_GENERATION_EXPIRED: 'key generation has expired and was erased',
  DAVE_FRAME_GENERATION_TOO_FAR: 'key generation is more than 250 ahead of the newest',
  DAVE_FRAME_GENERATION_TOO_EARLY: 'key generation is beyond what this ratchet can have reached',
  DAVE_FRAME_AUTH_FAILED: 'authentication tag does not match',
  DAVE_ENCRYPT_NO_KEY: 'no key ratchet',
  DAVE_ENCRYPT_TOO_MANY_ATTEMPTS: 'too many encryption attempts',
  DAVE_ENCRYPT_FRAME_TOO_COMPLEX: 'frame too complex',
};

const LOOKUP_FAILURE_CODE = {
  [CryptorLookupFailure.EXPIRED]: DaveFrameErrorCode.GENERATION_EXPIRED,
  [CryptorLookupFailure.TOO_FAR]: DaveFrameErrorCode.GENERATION_TOO_FAR,
  [CryptorLookupFailure.TOO_EARLY]: DaveFrameErrorCode.GENERATION_TOO_EARLY,
} as const;

function newStats(): DecryptionStats {
  return { successes: 0, failures: 0, duration: 0, attempts: 0, passthroughs: 0 };
}

export class FrameDecryptor {
  readonly #clock: DaveClock;
  /** Oldest first; decrypt tries them newest first like libdave. */
  readonly #managers: CryptorManager[] = [];
  #allowPassthroughUntil = Number.NEGATIVE_INFINITY;
  readonly #parsed = new ParsedFrame();
  #scratch: Uint8Array = new Uint8Array(1500);
  readonly #stats: [DecryptionStats, DecryptionStats] = [newStats(), newStats()];

  constructor(options: FrameDecryptorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Install a new epoch's ratchet for this sender. Existing ones stay usable for `transitionExpiryMs`
   * (default 10 s) so frames sent before the switch still decrypt. `null` only starts that countdown.
   */
  transitionToKeyRatchet(ratchet: KeyRatchet | null, transitionExpiryMs: number = CRYPTOR_EXPIRY_MS): void {
    // Expired epochs are otherwise only dropped by decrypt: a sender who never speaks must not make us
    // hold one ratchet per epoch for the whole call.
    this.#dropExpired();
    const expiry = this.#clock.now() + transitionExpiryMs;
    for (const manager of this.#managers) manager.updateExpiry(expiry);
    if (ratchet !== null) this.#managers.push(new CryptorManager(this.#clock, ratchet));
  }

  /**
   * `true`: unencrypted frames are accepted until told otherwise. `false`: they stay accepted for
   * `transitionExpiryMs` more (default 10 s) and never beyond an earlier deadline.
   */
  transitionToPassthroughMode(passthrough: boolean, transitionExpiryMs: number = CRYPTOR_EXPIRY_MS): void {
    if (passthrough) this.#allowPassthroughUntil = Number.POSITIVE_INFINITY;
    else
      this.#allowPassthroughUntil = Math.min(
        this.#allowPassthroughUntil,
        this.#clock.now() + transitionExpiryMs,
      );
  }

  canPassthrough(): boolean {
    return this.#allowPassthroughUntil > this.#clock.now();
  }

  /** Number of epoch ratchets still held (expired ones are dropped at the next decrypt). */
  get ratchetCount(): number {
    return this.#managers.length;
  }

  stats(mediaType: MediaType = MediaType.AUDIO): DecryptionStats {
    return { ...this.#stats[mediaType] };
  }

  /**
   * Decrypts one DAVE frame. Returns the media frame (for an unencrypted frame let through by
   * passthrough, or the silence frame, `frame` itself). Throws only {@link DaveFrameError}.
   */
  decrypt(mediaType: MediaType, frame: Uint8Array): Uint8Array {
    if (!isMediaType(mediaType)) throw frameError(DaveFrameErrorCode.INVALID_MEDIA_TYPE);
    const stats = this.#stats[mediaType];
    if (mediaType === MediaType.AUDIO && isOpusSilenceFrame(frame)) return frame;

    const start = this.#clock.now();
    const managers = this.#managers;
    this.#dropExpired();

    const parsed = this.#parsed;
    const parseFailure = parseFrame(frame, parsed);
    if (parseFailure !== null) {
      if (this.#allowPassthroughUntil > start) {
        stats.passthroughs++;
        return frame;
      }
      stats.failures++;
      throw frameError(parseFailure);
    }

    let failure: DaveFrameErrorCode = DaveFrameErrorCode.NO_KEY;
    let result: Uint8Array | null = null;
    for (let i = managers.length - 1; i >= 0; i--) {
      const outcome = this.#decryptWith(managers[i]!, frame, parsed, stats);
      if (typeof outcome !== 'string') {
        result = outcome;
        break;
      }
      // Report the newest epoch's reason: that is the ratchet a current frame belongs to.
      if (i === managers.length - 1) failure = outcome;
    }
    stats.duration += (this.#clock.now() - start) * 1000;
    if (result === null) {
      stats.failures++;
      throw frameError(failure);
    }
    stats.successes++;
    return result;
  }

  #dropExpired(): void {
    const managers = this.#managers;
    while (managers.length > 0 && managers[0]!.isExpired()) managers.shift();
  }

  #decryptWith(
    manager: CryptorManager,
    frame: Uint8Array,
    parsed: ParsedFrame,
    stats: DecryptionStats,
  ): Uint8Array | DaveFrameErrorCode {
    const nonce = parsed.truncatedNonce;
    const generation = manager.computeWrappedGeneration(nonce >>> 24);
    if (!manager.canProcessNonce(generation, nonce)) return DaveFrameErrorCode.REPLAYED;
    const cryptor = manager.getCryptor(generation);
    if (typeof cryptor === 'number') return LOOKUP_FAILURE_CODE[cryptor];

    const mediaEnd = parsed.mediaEnd;
    const tag = frame.subarray(mediaEnd, mediaEnd + TAG_BYTES);
    stats.attempts++;
    const ranges = parsed.ranges;
    if (ranges.length === 0) {
      const plaintext = Buffer.allocUnsafe(mediaEnd);
      if (!cryptor.decrypt(nonce, frame.subarray(0, mediaEnd), tag, null, plaintext, 0)) {
        return DaveFrameErrorCode.AUTH_FAILED;
      }
      manager.reportCryptorSuccess(generation, nonce);
      return plaintext;
    }

    const aadLength = parsed.unencryptedBytes;
    if (this.#scratch.length < mediaEnd) this.#scratch = new Uint8Array(mediaEnd);
    const aad = this.#scratch.subarray(0, aadLength);
    const ciphertext = this.#scratch.subarray(aadLength, mediaEnd);
    gatherRanges(frame, ranges, aad);
    gatherOutsideRanges(frame, mediaEnd, ranges, ciphertext);
    // Decrypt in place: the scratch's ciphertext part becomes the plaintext.
    if (!cryptor.decrypt(nonce, ciphertext, tag, aad, ciphertext, 0)) return DaveFrameErrorCode.AUTH_FAILED;
    manager.reportCryptorSuccess(generation, nonce);
    const out = Buffer.allocUnsafe(mediaEnd);
    interleave(ranges, aad, ciphertext, out, mediaEnd);
    return out;
  }
}

function frameError(code: DaveFrameErrorCode): DaveFrameError {
  return new DaveFrameError(code, MESSAGES[code]);
}
