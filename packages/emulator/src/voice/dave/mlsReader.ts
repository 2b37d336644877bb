/**
 * A bounds-checked cursor over TLS presentation bytes with RFC 9420 2.1.2 variable-length vector
 * headers: just enough to read a KeyPackage and a PublicMessage header without MLS group state.
 * Every read past the end throws a DaveInputError with the caller's code.
 */
import { DaveInputError, type DaveInputErrorCode } from './daveInputError.js';

export class MlsReader {
  #offset = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly code: DaveInputErrorCode,
  ) {}

  get offset(): number {
    return this.#offset;
  }

  get done(): boolean {
    return this.#offset === this.bytes.length;
  }

  fail(what: string): never {
    throw new DaveInputError(this.code, what);
  }

  #take(n: number, what: string): Uint8Array {
    if (this.#offset + n > this.bytes.length) this.fail(`${what}: truncated`);
    const out = this.bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  u8(what: string): number {
    return this.#take(1, what)[0]!;
  }

  u16(what: string): number {
    const b = this.#take(2, what);
    return (b[0]! << 8) | b[1]!;
  }

  u32(what: string): number {
    const b = this.#take(4, what);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  u64(what: string): bigint {
    const b = this.#take(8, what);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false);
  }

  /** `opaque data<V>`: a 1-, 2- or 4-byte varint length, then the body. */
  vector(what: string): Uint8Array {
    const b0 = this.u8(what);
    const prefix = b0 >> 6;
    let length: number;
    if (prefix === 0) length = b0 & 0x3f;
    else if (prefix === 1) length = ((b0 & 0x3f) << 8) | this.u8(what);
    else if (prefix === 2) {
      const rest = this.#take(3, what);
      length = (b0 & 0x3f) * 0x1000000 + (rest[0]! << 16) + (rest[1]! << 8) + rest[2]!;
    } else this.fail(`${what}: invalid varint prefix`);
    return this.#take(length, what);
  }

  /** A vector of u16 values (capabilities lists). */
  u16List(what: string): number[] {
    const body = new MlsReader(this.vector(what), this.code);
    const out: number[] = [];
    while (!body.done) out.push(body.u16(what));
    return out;
  }
}
