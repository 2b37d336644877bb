import { DaveError } from './errors.js';

/**
 * Stable codes for every way a media frame can fail to encrypt or decrypt. Decrypt never throws
 * anything but a {@link DaveFrameError}; the code says why, with no key or plaintext in the message.
 */
export const DaveFrameErrorCode = {
  /** mediaType is neither AUDIO (0) nor VIDEO (1). */
  INVALID_MEDIA_TYPE: 'DAVE_FRAME_INVALID_MEDIA_TYPE',
  // -- the frame is not a DAVE protocol frame (libdave InboundFrameProcessor::ParseFrame) and
  //    passthrough is not allowed for it. Each says which check failed.
  /** Shorter than the 11-byte minimum trailer (8 tag + 1 size + 2 marker). */
  TOO_SHORT: 'DAVE_FRAME_TOO_SHORT',
  /** Does not end in the 0xFAFA marker: an unencrypted frame. */
  NO_MARKER: 'DAVE_FRAME_NO_MARKER',
  /** Supplemental size byte below 11 or beyond the frame: truncated or corrupt. */
  BAD_SUPPLEMENTAL_SIZE: 'DAVE_FRAME_BAD_SUPPLEMENTAL_SIZE',
  /** The ULEB128 truncated nonce is unterminated or wider than 32 bits. */
  BAD_NONCE: 'DAVE_FRAME_BAD_NONCE',
  /** The unencrypted ranges do not parse, overlap, are out of order or leave the media part. */
  BAD_RANGES: 'DAVE_FRAME_BAD_RANGES',
  // -- a well-formed DAVE frame that cannot be decrypted.
  /** No key ratchet is installed for this sender (before the first commit or welcome). */
  NO_KEY: 'DAVE_FRAME_NO_KEY',
  /** The nonce was already decrypted, or is older than the replay window of 1000 missing nonces. */
  REPLAYED: 'DAVE_FRAME_REPLAYED',
  /** The generation was erased: older than the oldest one still kept (10 s after a newer one). */
  GENERATION_EXPIRED: 'DAVE_FRAME_GENERATION_EXPIRED',
  /** The generation is more than 250 ahead of the newest one seen (kMaxGenerationGap). */
  GENERATION_TOO_FAR: 'DAVE_FRAME_GENERATION_TOO_FAR',
  /** The generation is more than a ratchet this young can have reached at 170 frames/s. */
  GENERATION_TOO_EARLY: 'DAVE_FRAME_GENERATION_TOO_EARLY',
  /** The AES-GCM tag does not match: forged, corrupted, or a key of another epoch or sender. */
  AUTH_FAILED: 'DAVE_FRAME_AUTH_FAILED',
  // -- encrypt side.
  /** Encrypt before a key ratchet was set (davey: NotReady). */
  ENCRYPT_NO_KEY: 'DAVE_ENCRYPT_NO_KEY',
  /** H.264/H.265 ciphertext kept containing a start code after 10 nonces (libdave TooManyAttempts). */
  ENCRYPT_TOO_MANY_ATTEMPTS: 'DAVE_ENCRYPT_TOO_MANY_ATTEMPTS',
  /** So many unencrypted ranges that the supplemental size no longer fits its byte. */
  ENCRYPT_FRAME_TOO_COMPLEX: 'DAVE_ENCRYPT_FRAME_TOO_COMPLEX',
} as const;
export type DaveFrameErrorCode = (typeof DaveFrameErrorCode)[keyof typeof DaveFrameErrorCode];

const NOT_PROTOCOL_FRAME: ReadonlySet<string> = new Set([
  DaveFrameErrorCode.TOO_SHORT,
  DaveFrameErrorCode.NO_MARKER,
  DaveFrameErrorCode.BAD_SUPPLEMENTAL_SIZE,
  DaveFrameErrorCode.BAD_NONCE,
  DaveFrameErrorCode.BAD_RANGES,
]);

export class DaveFrameError extends DaveError {
  declare readonly code: DaveFrameErrorCode;

  constructor(code: DaveFrameErrorCode, message: string) {
    super(code, message);
  }

  /**
   * True when the frame did not parse as a DAVE frame at all, which is what davey reports as
   * `UnencryptedWhenPassthroughDisabled`: the sender is probably not encrypting (yet).
   */
  get unencrypted(): boolean {
    return NOT_PROTOCOL_FRAME.has(this.code);
  }
}
