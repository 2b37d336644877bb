/**
 * ETF (External Term Format) comes from @cordwire/opcodes (`encodeEtf`/`decodeEtf`), written by
 * the gateway client's author; the emulator never carries its own codec. Looked up by name so the
 * emulator builds while that codec is still landing: `etfCodec()` is null until it exists, and a
 * client asking for `encoding=etf` is then refused with 4002.
 */
import * as opcodes from '@cordwire/opcodes';

export interface EtfCodec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

let cached: EtfCodec | null | undefined;

export function etfCodec(): EtfCodec | null {
  if (cached !== undefined) return cached;
  const mod = opcodes as unknown as Record<string, unknown>;
  const encode = mod.encodeEtf;
  const decode = mod.decodeEtf;
  if (typeof encode !== 'function' || typeof decode !== 'function') {
    cached = null;
    return cached;
  }
  cached = {
    encode: (value) => (encode as (v: unknown) => Uint8Array)(value),
    decode: (bytes) => unwrapResult((decode as (b: Uint8Array) => unknown)(bytes)),
  };
  return cached;
}

/** Accepts either a plain value or the `{ok, value}` result shape the opcodes decoders use. */
function unwrapResult(result: unknown): unknown {
  if (typeof result === 'object' && result !== null && 'ok' in result) {
    const r = result as { ok: boolean; value?: unknown; message?: string };
    if (r.ok) return r.value;
    throw new Error(r.message ?? 'ETF decode error');
  }
  return result;
}
