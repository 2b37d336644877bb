import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeWrappedBigNonce,
  computeWrappedGeneration,
  CRYPTOR_EXPIRY_MS,
  CryptorLookupFailure,
  CryptorManager,
  MAX_GENERATION_GAP,
} from '../src/cryptorManager.js';
import { AesGcmCryptor } from '../src/cryptor.js';
import type { KeyRatchet } from '../src/keyRatchet.js';
import { loadFixture, ManualClock } from './fixtures/helpers.js';

const tables = loadFixture('libdave-cryptor-manager.json');
const HOUR = 3_600_000;

/** Records the calls libdave's MockKeyRatchet expectations check. */
class RecordingRatchet implements KeyRatchet {
  gets: number[] = [];
  deletes: number[] = [];
  getKey(generation: number): Uint8Array {
    this.gets.push(generation);
    return new Uint8Array(16).fill(generation & 0xff);
  }
  deleteKey(generation: number): void {
    this.deletes.push(generation);
  }
}

describe('cryptor manager tables (libdave cryptor_manager_tests.cpp, MIT)', () => {
  it.each(tables.computeWrappedGeneration as [number, number, number][])(
    'ComputeWrappedGeneration(%i, %i) = %i',
    (oldest, generation, expected) => {
      expect(computeWrappedGeneration(oldest, generation)).toBe(expected);
    },
  );

  it.each(tables.computeWrappedBigNonce as [number, number, number][])(
    'ComputeWrappedBigNonce(%i, %i) = %i',
    (generation, nonce, expected) => {
      expect(computeWrappedBigNonce(generation, nonce)).toBe(expected);
    },
  );

  it('CryptorManagerNoReprocess: replay window and missing nonces', () => {
    const clock = new ManualClock();
    const manager = new CryptorManager(clock, new RecordingRatchet());
    clock.advance(MAX_GENERATION_GAP * 48 * HOUR);
    expect(manager.getCryptor(0)).toBeInstanceOf(AesGcmCryptor);
    for (const [step, nonce, expected] of tables.noReprocess.steps as [string, number, boolean?][]) {
      if (step === 'report') manager.reportCryptorSuccess(0, nonce);
      else expect([nonce, manager.canProcessNonce(0, nonce)]).toEqual([nonce, expected]);
    }
  });

  it('CryptorManagerCheckMaxGap: more than 250 generations ahead is refused until the newest moves', () => {
    const clock = new ManualClock();
    const ratchet = new RecordingRatchet();
    const manager = new CryptorManager(clock, ratchet);
    clock.advance(MAX_GENERATION_GAP * 48 * HOUR);
    const first = manager.getCryptor(0);
    expect(first).toBeInstanceOf(AesGcmCryptor);
    expect(manager.getCryptor(0)).toBe(first);
    expect(manager.getCryptor(MAX_GENERATION_GAP)).toBeInstanceOf(AesGcmCryptor);
    expect(manager.getCryptor(MAX_GENERATION_GAP + 1)).toBe(CryptorLookupFailure.TOO_FAR);
    manager.reportCryptorSuccess(MAX_GENERATION_GAP, MAX_GENERATION_GAP * 2 ** 24);
    expect(manager.getCryptor(MAX_GENERATION_GAP + 1)).toBeInstanceOf(AesGcmCryptor);
    expect(ratchet.gets).toEqual([0, MAX_GENERATION_GAP, MAX_GENERATION_GAP + 1]);
  });

  it('CryptorManagerCheckExpiry: an old generation lives 10 s after a newer one decrypts', () => {
    const clock = new ManualClock();
    const ratchet = new RecordingRatchet();
    const manager = new CryptorManager(clock, ratchet);
    expect(manager.getCryptor(0)).toBeInstanceOf(AesGcmCryptor);
    clock.advance(1_000_000 * HOUR);
    expect(manager.getCryptor(0)).toBeInstanceOf(AesGcmCryptor);
    expect(manager.getCryptor(1)).toBeInstanceOf(AesGcmCryptor);
    manager.reportCryptorSuccess(1, 1 * 2 ** 24);
    clock.advance(CRYPTOR_EXPIRY_MS - 0.001);
    expect(manager.getCryptor(0)).toBeInstanceOf(AesGcmCryptor);
    clock.advance(0.002);
    expect(manager.getCryptor(0)).toBe(CryptorLookupFailure.EXPIRED);
    expect(ratchet.gets).toEqual([0, 1]);
    expect(ratchet.deletes).toEqual([0]);
  });

  it('CryptorManagerDeleteOldKeys: every generation below the newest is erased once expired', () => {
    const clock = new ManualClock();
    const ratchet = new RecordingRatchet();
    const manager = new CryptorManager(clock, ratchet);
    clock.advance(MAX_GENERATION_GAP * 48 * HOUR);
    expect(manager.getCryptor(0)).toBeInstanceOf(AesGcmCryptor);
    expect(manager.getCryptor(5)).toBeInstanceOf(AesGcmCryptor);
    manager.reportCryptorSuccess(5, 5 * 2 ** 24);
    clock.advance(CRYPTOR_EXPIRY_MS + 0.001);
    expect(manager.getCryptor(5)).toBeInstanceOf(AesGcmCryptor);
    expect(ratchet.gets).toEqual([0, 5]);
    expect(ratchet.deletes).toEqual([0, 1, 2, 3, 4]);
    expect(manager.oldestGeneration).toBe(5);
  });

  it('a young ratchet refuses generation 1 (170 frames/s anti-abuse bound)', () => {
    const clock = new ManualClock();
    const manager = new CryptorManager(clock, new RecordingRatchet());
    expect(manager.getCryptor(1)).toBe(CryptorLookupFailure.TOO_EARLY);
    // 2^24 / 170 s is about 27.4 hours.
    clock.advance(Math.ceil(2 ** 24 / 170) * 1000);
    expect(manager.getCryptor(1)).toBeInstanceOf(AesGcmCryptor);
  });

  it('manager expiry is set by the decryptor on an epoch transition', () => {
    const clock = new ManualClock();
    const manager = new CryptorManager(clock, new RecordingRatchet());
    expect(manager.isExpired()).toBe(false);
    manager.updateExpiry(clock.now() + CRYPTOR_EXPIRY_MS);
    clock.advance(CRYPTOR_EXPIRY_MS);
    expect(manager.isExpired()).toBe(false);
    clock.advance(1);
    expect(manager.isExpired()).toBe(true);
  });

  it('the missing-nonce list never holds more than 1000 entries, however large the jump', () => {
    const clock = new ManualClock();
    const manager = new CryptorManager(clock, new RecordingRatchet());
    manager.reportCryptorSuccess(0, 1);
    manager.reportCryptorSuccess(0, 0xffffff);
    expect(manager.canProcessNonce(0, 0xffffff - 1000)).toBe(true);
    expect(manager.canProcessNonce(0, 0xffffff - 1001)).toBe(false);
    manager.reportCryptorSuccess(0, 0xffffff - 1000);
    expect(manager.canProcessNonce(0, 0xffffff - 1000)).toBe(false);
  });

  it('under any sequence of lookups and successes, state stays bounded', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat({ max: 600 }),
            fc.nat({ max: 0xffffffff }),
            fc.boolean(),
            fc.nat({ max: 20 * HOUR }),
          ),
          { maxLength: 60 },
        ),
        (steps) => {
          const clock = new ManualClock();
          const manager = new CryptorManager(clock, new RecordingRatchet());
          for (const [generation, nonce, success, advance] of steps) {
            clock.advance(advance);
            const cryptor = manager.getCryptor(generation);
            if (success && typeof cryptor !== 'number') manager.reportCryptorSuccess(generation, nonce);
            expect(manager.missingNonceCount).toBeLessThanOrEqual(1000);
            // Only generations the ratchet's age allows (170 frames/s) can ever get a cryptor.
            const age = Math.floor((clock.now() - 1_000) / 1000);
            expect(manager.liveGenerations.every((g) => g <= Math.floor((170 * age) / 2 ** 24))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a ratchet that throws yields EXPIRED, never an exception', () => {
    const clock = new ManualClock();
    const manager = new CryptorManager(clock, {
      getKey: () => {
        throw new Error('boom');
      },
      deleteKey: () => {},
    });
    expect(manager.getCryptor(0)).toBe(CryptorLookupFailure.EXPIRED);
    const short = new CryptorManager(clock, { getKey: () => new Uint8Array(3), deleteKey: () => {} });
    expect(short.getCryptor(0)).toBe(CryptorLookupFailure.EXPIRED);
  });
});
