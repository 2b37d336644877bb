/**
 * ETF (External Term Format) for `encoding=etf`, from @cordwire/opcodes: the emulator carries no
 * codec of its own, so client and emulator are checked against one implementation and any
 * disagreement with Discord shows up in that package's vectors.
 */
import { decodeEtf, encodeEtf } from '@cordwire/opcodes';

export function encodeEtfPayload(value: unknown): Uint8Array {
  return encodeEtf(value);
}

/** Throws on malformed input; the caller turns that into close code 4002. */
export function decodeEtfPayload(bytes: Uint8Array): unknown {
  const result = decodeEtf(bytes);
  if (!result.ok) throw result.error;
  return result.value;
}
