/**
 * Erlang External Term Format (ETF), the flavour Discord speaks with `encoding=etf`.
 *
 * Tags and layouts follow the Erlang/OTP "External Term Format" chapter (erts/doc, section
 * numbers below are its headings). Every multi-byte length is big-endian; a term stream starts
 * with the version byte 131.
 *
 * Mapping to JavaScript (chosen so that a dispatch decoded from ETF equals the same dispatch
 * decoded from Discord's JSON):
 * - BINARY_EXT (and BIT_BINARY_EXT with a whole last byte) -> string, UTF-8. Discord sends every
 *   string as a binary.
 * - atoms `nil` and `null` -> null, `true`/`false` -> booleans, any other atom -> its name as a
 *   string (Discord uses atoms for a few enum-like values and some map keys).
 * - SMALL_INTEGER_EXT / INTEGER_EXT -> number.
 * - SMALL_BIG_EXT / LARGE_BIG_EXT -> number when |value| <= 2^53 - 1, otherwise a decimal string
 *   (default) or a bigint (`{ bigint: 'bigint' }`). Discord encodes snowflakes as Erlang integers
 *   in ETF, and as strings in JSON; decoding big values to strings keeps both encodings identical
 *   and never loses precision. Values that fit a double exactly stay numbers, as JSON would give.
 * - NEW_FLOAT_EXT / FLOAT_EXT -> number.
 * - NIL_EXT, LIST_EXT (proper list), STRING_EXT (a list of bytes, how Erlang packs a list of
 *   small integers), SMALL/LARGE_TUPLE_EXT -> arrays. An improper list's tail is appended as a
 *   last element (Discord never sends one; erlpack does the same).
 * - MAP_EXT -> plain object; keys are binaries, atoms or integers, all become property names.
 *
 * Encoding is the reverse: string -> BINARY_EXT, null/undefined -> atom `nil`, booleans -> atoms,
 * integers -> SMALL_INTEGER/INTEGER/SMALL_BIG, other numbers -> NEW_FLOAT_EXT, bigint ->
 * SMALL/LARGE_BIG, arrays -> LIST_EXT, Uint8Array -> BINARY_EXT, objects -> MAP_EXT with binary
 * keys (undefined-valued properties are skipped, as JSON.stringify does).
 *
 * The decoder never throws: malformed input gives `{ ok: false, error }` with a stable code. It
 * cannot be driven into unbounded memory or time: it is iterative (an explicit stack, so nesting
 * never touches the call stack) and linear, nesting depth is capped, every declared element
 * count or byte length is checked against the bytes that remain before anything is allocated
 * (each element takes at least one byte, so no count can exceed what is left), and what the
 * decoded value will cost is charged against a budget before each allocation: one byte of
 * NIL_EXT becomes a whole JavaScript array, so without that a term could decode to ~40x its size.
 */

/** Erlang External Term Format tags (OTP erts "External Term Format"). */
export const EtfTags = {
  VERSION: 131,
  NEW_FLOAT_EXT: 70,
  BIT_BINARY_EXT: 77,
  COMPRESSED: 80,
  SMALL_INTEGER_EXT: 97,
  INTEGER_EXT: 98,
  FLOAT_EXT: 99,
  ATOM_EXT: 100,
  SMALL_TUPLE_EXT: 104,
  LARGE_TUPLE_EXT: 105,
  NIL_EXT: 106,
  STRING_EXT: 107,
  LIST_EXT: 108,
  BINARY_EXT: 109,
  SMALL_BIG_EXT: 110,
  LARGE_BIG_EXT: 111,
  SMALL_ATOM_EXT: 115,
  MAP_EXT: 116,
  ATOM_UTF8_EXT: 118,
  SMALL_ATOM_UTF8_EXT: 119,
} as const;

export type EtfDecodeErrorCode =
  | 'ETF_EMPTY'
  | 'ETF_BAD_VERSION'
  | 'ETF_TRUNCATED'
  | 'ETF_UNSUPPORTED_TAG'
  | 'ETF_TOO_DEEP'
  | 'ETF_LENGTH_EXCEEDS_INPUT'
  | 'ETF_BIG_TOO_LARGE'
  | 'ETF_BAD_FLOAT'
  | 'ETF_BAD_MAP_KEY'
  | 'ETF_TRAILING_BYTES'
  | 'ETF_TOO_LARGE';

/** Malformed ETF input. `offset` is where in the input the decoder gave up. */
export class EtfDecodeError extends Error {
  override readonly name = 'EtfDecodeError';
  constructor(
    readonly code: EtfDecodeErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

/** A value that cannot be written as ETF (a function, a symbol, NaN, a cycle, too deep). */
export class EtfEncodeError extends Error {
  override readonly name = 'EtfEncodeError';
  readonly code = 'ETF_UNENCODABLE';
}

export interface EtfDecodeOptions {
  /** How integers beyond 2^53 - 1 decode. Default 'string' (as Discord's JSON carries snowflakes). */
  readonly bigint?: 'string' | 'bigint';
  /** Maximum nesting of lists, tuples and maps. Default 512. */
  readonly maxDepth?: number;
  /** Maximum magnitude bytes of a big integer. Default 64 (512 bits); Discord's are 8. */
  readonly maxBigBytes?: number;
  /**
   * Budget for the decoded value, in estimated bytes of JavaScript heap (a container costs a
   * header plus a slot per element, a string its length). Default 12x the input plus 64 KiB,
   * about the worst JSON.parse reaches on the same bytes: gateway payloads estimate at ~5x their
   * ETF size; hostile ones (a byte per empty list) at ~40x, and are refused with ETF_TOO_LARGE
   * before they are built.
   */
  readonly maxDecodedBytes?: number;
}

export type EtfDecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: EtfDecodeError };

export interface EtfEncodeOptions {
  /** Maximum nesting while encoding; deeper input (or a cycle) throws EtfEncodeError. Default 512. */
  readonly maxDepth?: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Default decoded-size budget per input byte (see `maxDecodedBytes`). */
const DEFAULT_DECODED_RATIO = 12;
const textDecoder = new TextDecoder('utf-8');
const latin1Decoder = new TextDecoder('latin1');
const textEncoder = new TextEncoder();

/** Thrown inside the decoder only; turned into a result at the boundary. */
class Fail {
  constructor(readonly error: EtfDecodeError) {}
}

function fail(code: EtfDecodeErrorCode, offset: number, message: string): never {
  throw new Fail(new EtfDecodeError(code, offset, message));
}

class Decoder {
  private pos = 1;
  private readonly view: DataView;

  /** Estimated heap bytes the decoded value may still take. */
  private budget: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly bigAsBigint: boolean,
    private readonly maxDepth: number,
    private readonly maxBigBytes: number,
    maxDecodedBytes: number,
  ) {
    this.budget = maxDecodedBytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number): void {
    if (this.bytes.length - this.pos < n) {
      fail('ETF_TRUNCATED', this.pos, `need ${n} more bytes, ${this.bytes.length - this.pos} left`);
    }
  }

  /** A declared count of elements, each at least `minBytes` long, must fit in what is left. */
  private checkCount(count: number, minBytes: number, what: string): void {
    if (count * minBytes > this.bytes.length - this.pos) {
      fail(
        'ETF_LENGTH_EXCEEDS_INPUT',
        this.pos,
        `${what} declares ${count} elements but only ${this.bytes.length - this.pos} bytes remain`,
      );
    }
  }

  /** Charges the estimated cost of what is about to be allocated. */
  private charge(bytes: number, at: number): void {
    this.budget -= bytes;
    if (this.budget < 0) {
      fail('ETF_TOO_LARGE', at, 'the term decodes to more than the decoded-size budget (maxDecodedBytes)');
    }
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  private utf8(len: number): string {
    this.need(len);
    const start = this.pos;
    this.pos += len;
    // Short ASCII strings (most keys and enum values) are cheaper by hand than via TextDecoder.
    if (len < 24) {
      let s = '';
      for (let i = start; i < start + len; i++) {
        const c = this.bytes[i]!;
        if (c > 0x7f) return textDecoder.decode(this.bytes.subarray(start, start + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(this.bytes.subarray(start, start + len));
  }

  private atom(len: number, latin1: boolean): unknown {
    this.need(len);
    this.charge(STRING_HEADER + len * 2, this.pos);
    const name = latin1
      ? latin1Decoder.decode(this.bytes.subarray(this.pos, this.pos + len))
      : this.utf8(len);
    if (latin1) this.pos += len;
    switch (name) {
      case 'nil':
      case 'null':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
      default:
        return name;
    }
  }

  private big(n: number): unknown {
    const at = this.pos;
    if (n > this.maxBigBytes)
      fail('ETF_BIG_TOO_LARGE', at, `big integer of ${n} bytes exceeds ${this.maxBigBytes}`);
    this.need(1 + n);
    const sign = this.bytes[this.pos++]!;
    // Little-endian magnitude. Up to 6 bytes fits a double exactly, so skip BigInt there.
    if (n <= 6) {
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + this.bytes[this.pos + i]!;
      this.pos += n;
      return sign === 0 ? v : -v;
    }
    let v: bigint;
    if (n <= 8) {
      // Snowflakes: two 32-bit halves, one BigInt conversion instead of one per byte.
      const b = this.bytes;
      const p = this.pos;
      let lo = 0;
      let hi = 0;
      for (let i = Math.min(n, 4) - 1; i >= 0; i--) lo = lo * 256 + b[p + i]!;
      for (let i = n - 1; i >= 4; i--) hi = hi * 256 + b[p + i]!;
      v = (BigInt(hi) << 32n) | BigInt(lo);
    } else {
      v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[this.pos + i]!);
    }
    this.pos += n;
    if (sign !== 0) v = -v;
    if (v <= MAX_SAFE && v >= -MAX_SAFE) return Number(v);
    return this.bigAsBigint ? v : v.toString();
  }

  /**
   * Decodes the term at the cursor. Containers go on an explicit stack, each filled element by
   * element; a finished value is handed to the innermost open container.
   */
  decode(): unknown {
    const stack: Frame[] = [];
    for (;;) {
      let value = this.begin(stack);
      if (value === OPENED) continue;
      // Hand the value up; each container that it completes becomes the value for its parent.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return value;
        if (!this.put(top, value)) break;
        stack.pop();
        value = top.out;
      }
    }
  }

  /** Stores `value` in `frame`; true when that completed the container. */
  private put(frame: Frame, value: unknown): boolean {
    switch (frame.kind) {
      case 'tuple':
        (frame.out as unknown[])[frame.i++] = value;
        return frame.i === frame.count;
      case 'list':
        if (frame.i === frame.count) {
          // The improper tail (Discord never sends one): kept as a last element.
          (frame.out as unknown[]).push(value);
          return true;
        }
        (frame.out as unknown[])[frame.i++] = value;
        return frame.i === frame.count && this.properEnd(frame);
      case 'map': {
        if (frame.key === undefined) {
          frame.key = mapKey(value, frame.keyAt);
          return false;
        }
        const out = frame.out as Record<string, unknown>;
        // A key named __proto__ must become an own property, as JSON.parse makes it, not
        // replace the object's prototype.
        if (frame.key === '__proto__') {
          Object.defineProperty(out, frame.key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          out[frame.key] = value;
        }
        frame.key = undefined;
        frame.i++;
        if (frame.i === frame.count) return true;
        frame.keyAt = this.pos;
        return false;
      }
    }
  }

  /** After a list's last element: a NIL_EXT tail ends it; anything else is read as the tail. */
  private properEnd(frame: Frame): boolean {
    if (this.bytes[this.pos] === EtfTags.NIL_EXT) {
      this.pos++;
      return true;
    }
    frame.i = frame.count;
    return false;
  }

  /** Opens a container (pushed on `stack`, returns OPENED) or reads a whole scalar term. */
  private begin(stack: Frame[]): unknown {
    const tagAt = this.pos;
    const tag = this.u8();
    switch (tag) {
      case EtfTags.SMALL_INTEGER_EXT:
        return this.u8();
      case EtfTags.INTEGER_EXT: {
        this.need(4);
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case EtfTags.NEW_FLOAT_EXT: {
        this.need(8);
        this.charge(HEAP_NUMBER, tagAt);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case EtfTags.FLOAT_EXT: {
        // 31 bytes of "%.20e" text, NUL padded (the pre-R11 float form).
        this.need(31);
        this.charge(HEAP_NUMBER, tagAt);
        const text = latin1Decoder.decode(this.bytes.subarray(this.pos, this.pos + 31)).replace(/\0+$/, '');
        this.pos += 31;
        const v = Number(text.trim());
        if (text.trim() === '' || Number.isNaN(v))
          fail('ETF_BAD_FLOAT', tagAt, 'FLOAT_EXT text is not a number');
        return v;
      }
      case EtfTags.ATOM_EXT:
        return this.atom(this.u16(), true);
      case EtfTags.SMALL_ATOM_EXT:
        return this.atom(this.u8(), true);
      case EtfTags.ATOM_UTF8_EXT:
        return this.atom(this.u16(), false);
      case EtfTags.SMALL_ATOM_UTF8_EXT:
        return this.atom(this.u8(), false);
      case EtfTags.BINARY_EXT: {
        const len = this.u32();
        this.need(len);
        this.charge(STRING_HEADER + len * 2, tagAt);
        return this.utf8(len);
      }
      case EtfTags.BIT_BINARY_EXT: {
        const len = this.u32();
        const bits = this.u8();
        if (bits !== 8 && len > 0) fail('ETF_UNSUPPORTED_TAG', tagAt, 'bitstrings that are not whole bytes');
        this.need(len);
        this.charge(STRING_HEADER + len * 2, tagAt);
        return this.utf8(len);
      }
      case EtfTags.NIL_EXT:
        this.charge(ARRAY_HEADER, tagAt);
        return [];
      case EtfTags.STRING_EXT: {
        const len = this.u16();
        this.need(len);
        this.charge(arrayCost(len), tagAt);
        const out = Array.from(this.bytes.subarray(this.pos, this.pos + len));
        this.pos += len;
        return out;
      }
      case EtfTags.LIST_EXT: {
        const count = this.u32();
        // count elements plus a tail, one byte each at least.
        this.checkCount(count + 1, 1, 'list');
        return this.open(stack, 'list', count, tagAt);
      }
      case EtfTags.SMALL_TUPLE_EXT: {
        const count = this.u8();
        this.checkCount(count, 1, 'tuple');
        return this.open(stack, 'tuple', count, tagAt);
      }
      case EtfTags.LARGE_TUPLE_EXT: {
        const count = this.u32();
        this.checkCount(count, 1, 'tuple');
        return this.open(stack, 'tuple', count, tagAt);
      }
      case EtfTags.MAP_EXT: {
        const count = this.u32();
        this.checkCount(count, 2, 'map');
        return this.open(stack, 'map', count, tagAt);
      }
      case EtfTags.SMALL_BIG_EXT:
        this.charge(HEAP_NUMBER, tagAt);
        return this.big(this.u8());
      case EtfTags.LARGE_BIG_EXT: {
        const n = this.u32();
        this.charge(HEAP_NUMBER + Math.min(n, this.maxBigBytes) * 3, tagAt);
        return this.big(n);
      }
      default:
        return fail('ETF_UNSUPPORTED_TAG', tagAt, `unsupported ETF tag ${tag}`);
    }
  }

  /** Charges and creates a container; an empty one is a finished value, not a frame. */
  private open(stack: Frame[], kind: Frame['kind'], count: number, tagAt: number): unknown {
    this.charge(kind === 'map' ? OBJECT_HEADER + count * MAP_ENTRY : arrayCost(count), tagAt);
    if (kind === 'map') {
      if (count === 0) return {};
    } else if (count === 0) {
      // An empty LIST_EXT still has its tail; a zero-arity tuple is complete.
      if (kind === 'tuple') return [];
    }
    if (stack.length >= this.maxDepth) fail('ETF_TOO_DEEP', tagAt, `nesting deeper than ${this.maxDepth}`);
    const frame: Frame = {
      kind,
      count,
      i: 0,
      out: kind === 'map' ? {} : new Array<unknown>(count),
      key: undefined,
      keyAt: this.pos,
    };
    if (kind === 'list' && count === 0 && this.properEnd(frame)) return frame.out;
    stack.push(frame);
    return OPENED;
  }
}

/** Returned by `begin` when it opened a container instead of reading a value. */
const OPENED: unique symbol = Symbol('opened');

/** A container being filled. */
interface Frame {
  readonly kind: 'list' | 'tuple' | 'map';
  readonly count: number;
  /** Elements (or map entries) stored so far. */
  i: number;
  readonly out: unknown[] | Record<string, unknown>;
  /** A map's key waiting for its value. */
  key: string | undefined;
  /** Where that key started (for the error). */
  keyAt: number;
}

// Estimated heap costs (V8 on 64-bit Node, no pointer compression): what the budget counts.
const SLOT = 8;
/** A JSArray (an empty one shares its elements store). */
const ARRAY_HEADER = 32;
/** An elements store's own header, for a non-empty array. */
const ELEMENTS_HEADER = 16;
/** A plain object with its in-object property slots. */
const OBJECT_HEADER = 56;
/** A property in a dictionary-mode object (key, value, details, plus table slack). */
const MAP_ENTRY = 32;
const STRING_HEADER = 16;
const HEAP_NUMBER = 16;

/** Estimated heap bytes of an array of `count` elements. */
function arrayCost(count: number): number {
  return count === 0 ? ARRAY_HEADER : ARRAY_HEADER + ELEMENTS_HEADER + count * SLOT;
}

function mapKey(key: unknown, keyAt: number): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key);
  if (key === null) return 'nil';
  return fail('ETF_BAD_MAP_KEY', keyAt, 'map key is not a binary, atom or integer');
}

/** Decodes one ETF term (with its leading version byte). Never throws. */
export function decodeEtf(bytes: Uint8Array, options: EtfDecodeOptions = {}): EtfDecodeResult {
  if (bytes.length === 0) return { ok: false, error: new EtfDecodeError('ETF_EMPTY', 0, 'empty input') };
  if (bytes[0] !== EtfTags.VERSION) {
    return {
      ok: false,
      error: new EtfDecodeError(
        'ETF_BAD_VERSION',
        0,
        `version byte ${bytes[0]}, expected ${EtfTags.VERSION}`,
      ),
    };
  }
  const decoder = new Decoder(
    bytes,
    options.bigint === 'bigint',
    options.maxDepth ?? 512,
    options.maxBigBytes ?? 64,
    options.maxDecodedBytes ?? bytes.length * DEFAULT_DECODED_RATIO + 64 * 1024,
  );
  try {
    const value = decoder.decode();
    if (decoder.offset !== bytes.length) {
      return {
        ok: false,
        error: new EtfDecodeError(
          'ETF_TRAILING_BYTES',
          decoder.offset,
          `${bytes.length - decoder.offset} bytes after the term`,
        ),
      };
    }
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    // Nothing else throws; should the engine run out of memory anyway, say so as a result.
    return {
      ok: false,
      error: new EtfDecodeError('ETF_TOO_LARGE', decoder.offset, 'the term could not be decoded in memory'),
    };
  }
}

// One scratch buffer reused by every encode (allocating a fresh one per call was the largest
// cost for gateway-sized payloads); results are copied out. Large growths are not kept.
let scratch: Uint8Array | null = new Uint8Array(4096);
const SCRATCH_KEEP = 1 << 20;

class Encoder {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(
    private readonly maxDepth: number,
    initial: Uint8Array,
  ) {
    this.buf = initial;
    this.view = new DataView(initial.buffer, initial.byteOffset, initial.byteLength);
  }

  get buffer(): Uint8Array {
    return this.buf;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  private u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  private atom(name: string): void {
    // SMALL_ATOM_UTF8_EXT is what current OTP emits for short atoms.
    this.ensure(2 + name.length);
    this.buf[this.pos++] = EtfTags.SMALL_ATOM_UTF8_EXT;
    this.buf[this.pos++] = name.length;
    for (let i = 0; i < name.length; i++) this.buf[this.pos++] = name.charCodeAt(i);
  }

  private binary(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; write in place, then patch the length.
    this.ensure(5 + s.length * 3);
    const buf = this.buf;
    buf[this.pos] = EtfTags.BINARY_EXT;
    const lenAt = this.pos + 1;
    let at = this.pos + 5;
    // Short ASCII strings (keys, ids, most content) by hand: TextEncoder costs more per call.
    if (s.length < 64) {
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at + i] = c;
      }
      if (i === s.length) {
        this.view.setUint32(lenAt, i);
        this.pos = at + i;
        return;
      }
    }
    const { written } = textEncoder.encodeInto(s, buf.subarray(at));
    at += written;
    this.view.setUint32(lenAt, written);
    this.pos = at;
  }

  private bytes(b: Uint8Array): void {
    this.ensure(5 + b.length);
    this.buf[this.pos++] = EtfTags.BINARY_EXT;
    this.u32(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  private bigint(v: bigint): void {
    const negative = v < 0n;
    let mag = negative ? -v : v;
    const digits: number[] = [];
    while (mag > 0n) {
      digits.push(Number(mag & 0xffn));
      mag >>= 8n;
    }
    if (digits.length <= 255) {
      this.ensure(3 + digits.length);
      this.buf[this.pos++] = EtfTags.SMALL_BIG_EXT;
      this.buf[this.pos++] = digits.length;
    } else {
      this.ensure(6 + digits.length);
      this.buf[this.pos++] = EtfTags.LARGE_BIG_EXT;
      this.u32(digits.length);
    }
    this.buf[this.pos++] = negative ? 1 : 0;
    for (const d of digits) this.buf[this.pos++] = d;
  }

  private number(v: number): void {
    if (Number.isInteger(v) && !Object.is(v, -0)) {
      if (v >= 0 && v <= 255) {
        this.ensure(2);
        this.buf[this.pos++] = EtfTags.SMALL_INTEGER_EXT;
        this.buf[this.pos++] = v;
        return;
      }
      if (v >= -0x80000000 && v <= 0x7fffffff) {
        this.ensure(5);
        this.buf[this.pos++] = EtfTags.INTEGER_EXT;
        this.view.setInt32(this.pos, v);
        this.pos += 4;
        return;
      }
      if (Number.isSafeInteger(v)) {
        this.bigint(BigInt(v));
        return;
      }
    }
    if (!Number.isFinite(v)) throw new EtfEncodeError(`cannot encode ${v}: Erlang floats are finite`);
    this.ensure(9);
    this.buf[this.pos++] = EtfTags.NEW_FLOAT_EXT;
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  term(value: unknown, depth: number): void {
    if (depth > this.maxDepth) throw new EtfEncodeError(`nesting deeper than ${this.maxDepth} (or a cycle)`);
    switch (typeof value) {
      case 'string':
        this.binary(value);
        return;
      case 'number':
        this.number(value);
        return;
      case 'boolean':
        this.atom(value ? 'true' : 'false');
        return;
      case 'bigint':
        this.bigint(value);
        return;
      case 'undefined':
        this.atom('nil');
        return;
      case 'object': {
        if (value === null) {
          this.atom('nil');
          return;
        }
        if (value instanceof Uint8Array) {
          this.bytes(value);
          return;
        }
        if (Array.isArray(value)) {
          if (value.length === 0) {
            this.u8(EtfTags.NIL_EXT);
            return;
          }
          this.u8(EtfTags.LIST_EXT);
          this.u32(value.length);
          for (const item of value) this.term(item, depth + 1);
          this.u8(EtfTags.NIL_EXT);
          return;
        }
        const json = (value as { toJSON?: unknown }).toJSON;
        if (typeof json === 'function') {
          this.term(json.call(value), depth + 1);
          return;
        }
        // Arity first, patched once the kept entries are counted (undefined and functions skip).
        this.u8(EtfTags.MAP_EXT);
        const arityAt = this.pos;
        this.u32(0);
        let arity = 0;
        const obj = value as Record<string, unknown>;
        for (const k of Object.keys(obj)) {
          const v = obj[k];
          if (v === undefined || typeof v === 'function') continue;
          this.binary(k);
          this.term(v, depth + 1);
          arity++;
        }
        this.view.setUint32(arityAt, arity);
        return;
      }
      default:
        throw new EtfEncodeError(`cannot encode a ${typeof value}`);
    }
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/**
 * Encodes a JSON-like value as ETF (with the version byte). Throws EtfEncodeError for values
 * that have no ETF form; everything a gateway payload contains has one.
 */
export function encodeEtf(value: unknown, options: EtfEncodeOptions = {}): Uint8Array {
  // A toJSON that encodes again would find the scratch in use: it gets its own buffer.
  const own = scratch ?? new Uint8Array(1024);
  scratch = null;
  const encoder = new Encoder(options.maxDepth ?? 512, own);
  try {
    encoder.u8(EtfTags.VERSION);
    encoder.term(value, 0);
    return encoder.finish();
  } finally {
    const used = encoder.buffer;
    scratch = used.length <= SCRATCH_KEEP ? used : own;
  }
}
