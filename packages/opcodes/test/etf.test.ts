import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEtf, EtfDecodeError, EtfEncodeError, EtfTags, encodeEtf } from '../src/etf.js';

const bytes = (...b: number[]) => new Uint8Array(b);

function decoded(input: Uint8Array, options?: Parameters<typeof decodeEtf>[1]): unknown {
  const r = decodeEtf(input, options);
  if (!r.ok) throw r.error;
  return r.value;
}

function errorCode(input: Uint8Array): string {
  const r = decodeEtf(input);
  if (r.ok) throw new Error('expected a decode error');
  expect(r.error).toBeInstanceOf(EtfDecodeError);
  return r.error.code;
}

// Known answers: the bytes erlang:term_to_binary/1 produces for these terms (OTP docs,
// "External Term Format"; atoms as OTP >= 26 writes them, SMALL_ATOM_UTF8_EXT).
describe('known answers', () => {
  it.each([
    ['1', 1, bytes(131, 97, 1)],
    ['256', 256, bytes(131, 98, 0, 0, 1, 0)],
    ['-1', -1, bytes(131, 98, 255, 255, 255, 255)],
    ['2147483648', 2147483648, bytes(131, 110, 4, 0, 0, 0, 0, 128)],
    ['1.5', 1.5, bytes(131, 70, 63, 248, 0, 0, 0, 0, 0, 0)],
    ['[]', [], bytes(131, 106)],
    ['<<"abc">>', 'abc', bytes(131, 109, 0, 0, 0, 3, 97, 98, 99)],
    ['true', true, bytes(131, 119, 4, 116, 114, 117, 101)],
    ['nil', null, bytes(131, 119, 3, 110, 105, 108)],
    ['[1,2]', [1, 2], bytes(131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106)],
    ['#{<<"a">> => 1}', { a: 1 }, bytes(131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 1, 97, 97, 1)],
  ])('%s', (_name, value, wire) => {
    expect(encodeEtf(value)).toEqual(wire);
    expect(decoded(wire)).toEqual(value);
  });

  it('decodes the other atom forms and the legacy encodings Erlang may send', () => {
    expect(decoded(bytes(131, 100, 0, 5, 102, 97, 108, 115, 101))).toBe(false); // ATOM_EXT 'false'
    expect(decoded(bytes(131, 115, 4, 110, 117, 108, 108))).toBe(null); // SMALL_ATOM_EXT 'null'
    expect(decoded(bytes(131, 118, 0, 6, 111, 110, 108, 105, 110, 101))).toBe('online'); // ATOM_UTF8_EXT
    // "abc" as a charlist is STRING_EXT: a list of bytes.
    expect(decoded(bytes(131, 107, 0, 3, 97, 98, 99))).toEqual([97, 98, 99]);
    // {ok, 1} as SMALL_TUPLE_EXT
    expect(decoded(bytes(131, 104, 2, 119, 2, 111, 107, 97, 1))).toEqual(['ok', 1]);
    // FLOAT_EXT: 31 bytes of "%.20e" text
    const text = '1.50000000000000000000e+00';
    const f = new Uint8Array(2 + 31);
    f.set([131, 99]);
    f.set(new TextEncoder().encode(text), 2);
    expect(decoded(f)).toBe(1.5);
    // Map with an atom key, as Discord sends some keys.
    expect(decoded(bytes(131, 116, 0, 0, 0, 1, 119, 1, 100, 97, 7))).toEqual({ d: 7 });
  });

  it('decodes snowflakes (SMALL_BIG_EXT beyond 2^53) to the decimal string JSON carries', () => {
    const id = 1234567890123456789n;
    const wire = encodeEtf(id);
    expect(wire[1]).toBe(EtfTags.SMALL_BIG_EXT);
    expect(wire[2]).toBe(8);
    expect(decoded(wire)).toBe('1234567890123456789');
    expect(decoded(wire, { bigint: 'bigint' })).toBe(id);
    expect(decoded(encodeEtf(-id))).toBe('-1234567890123456789');
    // Big encodings of values that fit a double exactly stay numbers, as in JSON.
    expect(decoded(encodeEtf(2n ** 53n - 1n))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decoded(encodeEtf(2n ** 40n))).toBe(2 ** 40);
    // More than 255 magnitude bytes is LARGE_BIG_EXT; allowed only when the cap is raised.
    const huge = encodeEtf(2n ** 2100n);
    expect(huge[1]).toBe(EtfTags.LARGE_BIG_EXT);
    expect(decoded(huge, { maxBigBytes: 300 })).toBe((2n ** 2100n).toString());
    expect(errorCode(huge)).toBe('ETF_BIG_TOO_LARGE');
  });

  it('keeps __proto__ as an own property', () => {
    const wire = bytes(
      131,
      116,
      0,
      0,
      0,
      1,
      109,
      0,
      0,
      0,
      9,
      ...new TextEncoder().encode('__proto__'),
      97,
      1,
    );
    const v = decoded(wire) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('refuses to encode what has no ETF form', () => {
    expect(() => encodeEtf(Number.NaN)).toThrow(EtfEncodeError);
    expect(() => encodeEtf(() => 1)).toThrow(EtfEncodeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeEtf(cyclic)).toThrow(EtfEncodeError);
  });
});

describe('malformed input', () => {
  it('gives a typed error for each way bytes can be wrong', () => {
    expect(errorCode(bytes())).toBe('ETF_EMPTY');
    expect(errorCode(bytes(130, 97, 1))).toBe('ETF_BAD_VERSION');
    expect(errorCode(bytes(131, 98, 0, 0))).toBe('ETF_TRUNCATED');
    expect(errorCode(bytes(131, 200))).toBe('ETF_UNSUPPORTED_TAG');
    expect(errorCode(bytes(131, 97, 1, 0))).toBe('ETF_TRAILING_BYTES');
    expect(errorCode(bytes(131, 108, 255, 255, 255, 255, 106))).toBe('ETF_LENGTH_EXCEEDS_INPUT');
    expect(errorCode(bytes(131, 116, 127, 255, 255, 255))).toBe('ETF_LENGTH_EXCEEDS_INPUT');
    expect(errorCode(bytes(131, 109, 127, 255, 255, 255, 1))).toBe('ETF_TRUNCATED');
    expect(errorCode(bytes(131, 111, 0, 1, 0, 0, 0))).toBe('ETF_BIG_TOO_LARGE');
    expect(errorCode(bytes(131, 116, 0, 0, 0, 1, 106, 97, 1))).toBe('ETF_BAD_MAP_KEY');
  });

  it('caps nesting depth instead of overflowing the stack', () => {
    const depth = 100_000;
    const wire = new Uint8Array(1 + depth * 6 + 1 + depth);
    wire[0] = 131;
    let p = 1;
    for (let i = 0; i < depth; i++) {
      wire.set([108, 0, 0, 0, 1], p);
      p += 5;
    }
    wire[p++] = 106;
    expect(errorCode(wire)).toBe('ETF_TOO_DEEP');
  });

  it('decodes iteratively: nesting far beyond the call stack decodes when the cap allows it', () => {
    const depth = 200_000;
    const wire = new Uint8Array(1 + depth * 5 + 1 + depth);
    wire[0] = 131;
    let p = 1;
    for (let i = 0; i < depth; i++) {
      wire.set([108, 0, 0, 0, 1], p);
      p += 5;
    }
    wire.fill(106, p);
    let value = decoded(wire, { maxDepth: 1_000_000, maxDecodedBytes: 1e9 });
    let levels = 0;
    while (Array.isArray(value) && value.length === 1) {
      value = value[0];
      levels++;
    }
    expect(levels).toBe(depth);
    expect(value).toEqual([]);
  });

  it.each([
    ['a list of empty lists', () => [108, 0, 0x0f, 0x42, 0x40, ...new Array(1_000_000).fill(106), 106]],
    [
      'a list of empty maps',
      () => {
        const out = [108, 0, 0x03, 0x0d, 0x40];
        for (let i = 0; i < 200_000; i++) out.push(116, 0, 0, 0, 0);
        out.push(106);
        return out;
      },
    ],
    [
      'a list of one-byte strings',
      () => {
        const out = [108, 0, 0x02, 0x49, 0xf0];
        for (let i = 0; i < 150_000; i++) out.push(107, 0, 1, 65);
        out.push(106);
        return out;
      },
    ],
  ])('refuses %s that would decode to many times its size (ETF_TOO_LARGE), before allocating', (_n, make) => {
    const wire = new Uint8Array([131, ...make()]);
    // Warm up and settle the heap so the growth measured is this decode's own.
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const r = decodeEtf(wire);
    const grew = process.memoryUsage().heapUsed - before;
    expect(r.ok).toBe(false);
    expect((r as { error: EtfDecodeError }).error.code).toBe('ETF_TOO_LARGE');
    // The budget is 12x the input; the whole value would have taken 30-40x.
    expect(grew).toBeLessThan(wire.length * 18);
  });

  it('accepts what a real payload decodes to, with a cap that is configurable', () => {
    const payload = {
      op: 0,
      t: 'GUILD_CREATE',
      s: 1,
      d: {
        id: '1100000000000000001',
        roles: Array.from({ length: 500 }, (_, i) => ({
          id: `${1e17 + i}`,
          name: `role ${i}`,
          permissions: '0',
          tags: [],
        })),
        members: Array.from({ length: 500 }, (_, i) => ({
          user: { id: `${2e17 + i}` },
          roles: [],
          deaf: false,
        })),
      },
    };
    const wire = encodeEtf(payload);
    expect(decoded(wire)).toEqual(payload);
    expect(decodeEtf(wire, { maxDecodedBytes: 1024 }).ok).toBe(false);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        const r = decodeEtf(input);
        if (!r.ok) expect(r.error).toBeInstanceOf(EtfDecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated and truncated valid terms', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (value, flips, cut) => {
          const wire = encodeEtf(value);
          for (const [at, b] of flips) wire[at % wire.length] = b;
          for (const input of [wire, wire.subarray(0, cut % (wire.length + 1))]) {
            const r = decodeEtf(input);
            if (!r.ok) expect(r.error).toBeInstanceOf(EtfDecodeError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('round trip', () => {
  it('decode(encode(v)) equals v for JSON-like values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(decoded(encodeEtf(value))).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('round trips any well-formed Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (s) => {
        expect(decoded(encodeEtf({ [s]: s }))).toEqual({ [s]: s });
      }),
    );
  });

  it('round trips integers of every width, big ones as strings', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (n) => {
        const v = decoded(encodeEtf(n));
        const safe = n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER);
        expect(v).toEqual(safe ? Number(n) : n.toString());
        expect(decoded(encodeEtf(n), { bigint: 'bigint' })).toEqual(safe ? Number(n) : n);
      }),
    );
  });

  it('equals the JSON decoding of a gateway dispatch with snowflakes', () => {
    const json = {
      op: 0,
      s: 42,
      t: 'MESSAGE_CREATE',
      d: { id: '1234567890123456789', content: 'héllo ✨', mentions: [], pinned: false, nonce: null, n: 7 },
    };
    const { id, ...rest } = json.d;
    const asErlang = { ...json, d: { ...rest, id: BigInt(id) } };
    expect(decoded(encodeEtf(asErlang))).toEqual(json);
  });
});
