/**
 * Sender side of DAVE media encryption (libdave encryptor.cpp; research/dave.md 3-4): one key ratchet
 * for our own frames, a 32-bit nonce counter starting at 1 whose top byte selects the generation, one
 * cached AES key per generation, codec-specific unencrypted ranges, and the H.26x start-code retry.
 */
import {
  processFrame,
  encryptedFrameHasStartCode,
  needsStartCodeCheck,
  OutboundFrame,
} from './codecs/index.js';
import { AesGcmCryptor, TAG_BYTES } from './cryptor.js';
import { computeWrappedGeneration, RATCHET_GENERATION_SHIFT_BITS } from './cryptorManager.js';
import { interleave, rangesSize, writeTrailer, type RangeList } from './frameCodec.js';
import { DaveFrameError, DaveFrameErrorCode } from './frameErrors.js';
import type { KeyRatchet } from './keyRatchet.js';
import { leb128Size } from './leb128.js';
import { Codec, type DaveClock, isMediaType, isOpusSilenceFrame, MediaType, systemClock } from './media.js';

/** libdave MAX_CIPHERTEXT_VALIDATION_RETRIES. */
export const MAX_ENCRYPT_ATTEMPTS = 10;
const MAX_SUPPLEMENTAL_BYTES = 255;
const NO_RANGES: RangeList = [];

/** Mirrors davey's EncryptionStats; duration is in microseconds. */
export interface EncryptionStats {
  successes: number;
  failures: number;
  duration: number;
  attempts: number;
  maxAttempts: number;
  passthroughs: number;
}

export interface FrameEncryptorOptions {
  clock?: DaveClock;
}

function newStats(): EncryptionStats {
  return { successes: 0, failures: 0, duration: 0, attempts: 0, maxAttempts: 0, passthroughs: 0 };
}

export class FrameEncryptor {
  readonly #clock: DaveClock;
  #ratchet: KeyRatchet | null = null;
  #cryptor: AesGcmCryptor | null = null;
  #generation = 0;
  #truncatedNonce = 0;
  #passthrough = false;
  readonly #outbound = new OutboundFrame();
  #ciphertext: Uint8Array = new Uint8Array(1500);
  readonly #stats: [EncryptionStats, EncryptionStats] = [newStats(), newStats()];

  constructor(options: FrameEncryptorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Switch to a new epoch's own-sender ratchet: generation and nonce restart, so the next nonce is 1. */
  setKeyRatchet(ratchet: KeyRatchet | null): void {
    this.#ratchet = ratchet;
    this.#cryptor = null;
    this.#generation = 0;
    this.#truncatedNonce = 0;
  }

  get hasKeyRatchet(): boolean {
    return this.#ratchet !== null;
  }

  /** In passthrough frames are sent as they are (protocol version 0, downgrade). */
  setPassthroughMode(passthrough: boolean): void {
    this.#passthrough = passthrough;
  }

  get passthrough(): boolean {
    return this.#passthrough;
  }

  stats(mediaType: MediaType = MediaType.AUDIO): EncryptionStats {
    return { ...this.#stats[mediaType] };
  }

  /**
   * Encrypts one frame and returns the DAVE frame (a new buffer). The Opus silence frame F8 FF FE and
   * every frame in passthrough are returned as given. Throws only {@link DaveFrameError}.
   */
  encrypt(mediaType: MediaType, codec: Codec, frame: Uint8Array): Uint8Array {
    if (!isMediaType(mediaType)) {
      throw new DaveFrameError(
        DaveFrameErrorCode.INVALID_MEDIA_TYPE,
        `media type ${String(mediaType)} is not 0 or 1`,
      );
    }
    const stats = this.#stats[mediaType];
    if (mediaType === MediaType.AUDIO && isOpusSilenceFrame(frame)) return frame;
    if (this.#passthrough) {
      stats.passthroughs++;
      return frame;
    }
    if (this.#ratchet === null) {
      stats.failures++;
      throw new DaveFrameError(
        DaveFrameErrorCode.ENCRYPT_NO_KEY,
        'no key ratchet: the session has no epoch yet',
      );
    }
    const start = this.#clock.now();
    try {
      const result =
        codec === Codec.OPUS || codec === Codec.VP9
          ? this.#encryptWhole(frame, stats)
          : this.#encryptSplit(codec, frame, stats);
      stats.successes++;
      return result;
    } catch (error) {
      stats.failures++;
      throw error;
    } finally {
      stats.duration += (this.#clock.now() - start) * 1000;
    }
  }

  #nextNonce(): number {
    const nonce = (this.#truncatedNonce + 1) >>> 0;
    this.#truncatedNonce = nonce;
    const generation = computeWrappedGeneration(this.#generation, nonce >>> RATCHET_GENERATION_SHIFT_BITS);
    if (generation !== this.#generation || this.#cryptor === null) {
      // Our own frames never need an older generation again: erase it as we move on.
      if (generation !== this.#generation) this.#ratchet!.deleteKey(this.#generation);
      this.#generation = generation;
      this.#cryptor = new AesGcmCryptor(this.#ratchet!.getKey(generation));
    }
    return nonce;
  }

  /** Opus, VP9 and unknown codecs: everything is ciphertext, no ranges. */
  #encryptWhole(frame: Uint8Array, stats: EncryptionStats): Uint8Array {
    const nonce = this.#nextNonce();
    const length = frame.length;
    const out = Buffer.allocUnsafe(length + TAG_BYTES + leb128Size(nonce) + 3);
    this.#cryptor!.encrypt(nonce, frame, null, out, 0, out, length);
    writeTrailer(out, length, nonce, NO_RANGES);
    stats.attempts++;
    if (stats.maxAttempts < 1) stats.maxAttempts = 1;
    return out;
  }

  #encryptSplit(codec: Codec, frame: Uint8Array, stats: EncryptionStats): Uint8Array {
    const outbound = this.#outbound;
    processFrame(codec, frame, outbound);
    const ranges = outbound.ranges;
    const mediaLength = outbound.length;
    const rangeBytes = rangesSize(ranges);
    // The nonce takes at most 5 bytes; size the buffer for that and trim at the end.
    if (TAG_BYTES + 5 + rangeBytes + 3 > MAX_SUPPLEMENTAL_BYTES) {
      throw new DaveFrameError(
        DaveFrameErrorCode.ENCRYPT_FRAME_TOO_COMPLEX,
        `frame needs ${ranges.length / 2} unencrypted ranges; the trailer cannot describe them`,
      );
    }
    const out = Buffer.allocUnsafe(mediaLength + TAG_BYTES + 5 + rangeBytes + 3);
    const aad = outbound.unencrypted.subarray(0, outbound.unencryptedLength);
    const plaintext = outbound.encrypted.subarray(0, outbound.encryptedLength);
    if (this.#ciphertext.length < plaintext.length) this.#ciphertext = new Uint8Array(plaintext.length * 2);
    const ciphertext = this.#ciphertext.subarray(0, plaintext.length);
    const checkStartCodes = needsStartCodeCheck(codec);
    for (let attempt = 1; attempt <= MAX_ENCRYPT_ATTEMPTS; attempt++) {
      const nonce = this.#nextNonce();
      this.#cryptor!.encrypt(nonce, plaintext, aad, ciphertext, 0, out, mediaLength);
      interleave(ranges, aad, ciphertext, out, mediaLength);
      const total = writeTrailer(out, mediaLength, nonce, ranges);
      stats.attempts++;
      if (attempt > stats.maxAttempts) stats.maxAttempts = attempt;
      if (!checkStartCodes || !encryptedFrameHasStartCode(out, total, ranges)) return out.subarray(0, total);
    }
    throw new DaveFrameError(
      DaveFrameErrorCode.ENCRYPT_TOO_MANY_ATTEMPTS,
      `ciphertext contained an H.26x start code after ${MAX_ENCRYPT_ATTEMPTS} nonces`,
    );
  }
}
