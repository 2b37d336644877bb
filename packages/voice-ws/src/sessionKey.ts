/**
 * The transport session key of op 4 SESSION_DESCRIPTION (`secret_key`), as an opaque value.
 *
 * The bytes live in a module-private WeakMap keyed by the VoiceSessionKey object, never in a
 * property: util.inspect (even with showHidden and getters), JSON.stringify, structured clone
 * and a debugger's property list walk an object's own properties, so a key in a field (even a
 * TypeScript `private` one) leaks through each of them. Only this package reads the bytes, via
 * `sessionKeyBytes`, which index.ts does not export.
 */
import { inspect } from 'node:util';

const keys = new WeakMap<VoiceSessionKey, Uint8Array>();

export class VoiceSessionKey {
  /** Wraps a copy of `bytes`; the caller may wipe its own array. */
  constructor(bytes: ArrayLike<number>) {
    keys.set(this, Uint8Array.from(bytes));
  }

  /** Key length in bytes (32 for every transport mode). */
  get length(): number {
    return keys.get(this)?.length ?? 0;
  }

  /** True when both hold the same bytes (a repeated op 4 after RESUME keeps the sender). */
  equals(other: VoiceSessionKey): boolean {
    const a = keys.get(this);
    const b = keys.get(other);
    if (!a || !b || a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
    return diff === 0;
  }

  /** Zeroes the bytes; the key is unusable afterwards. */
  wipe(): void {
    keys.get(this)?.fill(0);
  }

  toJSON(): string {
    return '[VoiceSessionKey redacted]';
  }

  toString(): string {
    return '[VoiceSessionKey redacted]';
  }

  [inspect.custom](): string {
    return `VoiceSessionKey { [redacted ${this.length} bytes] }`;
  }
}

/** The key bytes, for this package's cipher set-up only (not exported from index.ts). */
export function sessionKeyBytes(key: VoiceSessionKey): Uint8Array {
  const bytes = keys.get(key);
  if (!bytes) throw new TypeError('not a VoiceSessionKey');
  return bytes;
}
