import { NonceExhaustedError } from './errors.js';

/**
 * The 32-bit transport nonce counter (research/anchors.md 3.5). It starts at a random value, as
 * songbird does, and counts up modulo 2^32; crossing 2^32 is fine, coming back to the start is
 * not. After 2^32 values under one key `next()` throws `NonceExhaustedError` instead of reusing
 * a nonce (an AEAD nonce reuse leaks the key stream and the GHASH/Poly1305 key).
 * At 50 packets/s that is 2.7 years of one stream; the check costs one compare per packet.
 */
export class NonceCounter {
  #next: number;
  #issued = 0;

  /**
   * `start` defaults to a random u32. `issued` restores a counter that has already handed out
   * that many values from `start` (for a sender handed over between processes, and for tests).
   */
  constructor(options: { start?: number; issued?: number; random?: () => number } = {}) {
    const start = options.start ?? (options.random ? options.random() : randomU32());
    if (!Number.isInteger(start) || start < 0 || start > 0xffffffff) {
      throw new RangeError('nonce counter start must be a u32');
    }
    const issued = options.issued ?? 0;
    if (!Number.isInteger(issued) || issued < 0 || issued > 0x1_0000_0000) {
      throw new RangeError('nonce counter issued count must be in 0..2^32');
    }
    this.#next = (start + issued) >>> 0;
    this.#issued = issued;
  }

  /** Values handed out so far under this key. */
  get issued(): number {
    return this.#issued;
  }

  /** Values left before the counter would repeat. */
  get remaining(): number {
    return 0x1_0000_0000 - this.#issued;
  }

  /** The next nonce value; throws `NonceExhaustedError` rather than ever repeating one. */
  next(): number {
    if (this.#issued >= 0x1_0000_0000) throw new NonceExhaustedError();
    const value = this.#next;
    this.#next = (value + 1) >>> 0;
    this.#issued++;
    return value;
  }
}

export function randomU32(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
