import { SIGMA, chachaPermute, readLE32, writeLE32 } from './chachaCore.js';

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): derives the per-nonce ChaCha20 subkey of
 * XChaCha20. The ChaCha state "expand 32-byte k" ‖ key ‖ nonce[0..16] is permuted (twenty
 * rounds, no feed-forward) and words 0-3 and 12-15 are the subkey.
 * Pinned by the draft's test vector in test/hchacha20.test.ts.
 */
export class HChaCha20 {
  readonly #state = new Uint32Array(16);
  readonly #permuted = new Uint32Array(16);

  /** Key words are read once per session; `derive` runs once per packet. */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('HChaCha20 key must be 32 bytes');
    this.#state.set(SIGMA, 0);
    for (let i = 0; i < 8; i++) this.#state[4 + i] = readLE32(key, 4 * i);
  }

  /** The subkey for the first 16 bytes of `nonce`, as eight little-endian words in `out`. */
  deriveWords(nonce: Uint8Array, out: Uint32Array, outOffset: number): void {
    const state = this.#state;
    for (let i = 0; i < 4; i++) state[12 + i] = readLE32(nonce, 4 * i);
    const x = this.#permuted;
    chachaPermute(state, x);
    out[outOffset] = x[0]!;
    out[outOffset + 1] = x[1]!;
    out[outOffset + 2] = x[2]!;
    out[outOffset + 3] = x[3]!;
    out[outOffset + 4] = x[12]!;
    out[outOffset + 5] = x[13]!;
    out[outOffset + 6] = x[14]!;
    out[outOffset + 7] = x[15]!;
  }

  /** The 32-byte subkey for the first 16 bytes of `nonce`, written into `out`. */
  derive(nonce: Uint8Array, out: Uint8Array): void {
    const words = new Uint32Array(8);
    this.deriveWords(nonce, words, 0);
    for (let i = 0; i < 8; i++) writeLE32(out, 4 * i, words[i]!);
  }
}
