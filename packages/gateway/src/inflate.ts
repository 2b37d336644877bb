/**
 * A small synchronous DEFLATE decoder (RFC 1951) that keeps its 32 KiB window between calls,
 * for zlib-stream: every gateway message is a run of complete blocks ending in a sync flush,
 * so the only state carried from one message to the next is the window (RFC 1951 2, 3.2).
 *
 * Written in the style of zlib's contrib/puff: canonical Huffman codes decoded from counts and
 * symbol lists, no lookup tables to build, every read bounds-checked. It exists because node:zlib
 * has no synchronous stateful inflate (README, "Compression"); see zlibStream.ts for its use.
 */

/** Malformed or truncated deflate data. */
export class InflateError extends Error {
  override readonly name = 'InflateError';
}

/** Output beyond the caller's cap; thrown as soon as the cap is passed. */
export class InflateLimitError extends Error {
  override readonly name = 'InflateLimitError';
}

const MAXBITS = 15;
const WINDOW = 32 * 1024;

// RFC 1951 3.2.5: base lengths and extra bits for length codes 257..285, distance codes 0..29.
const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
// RFC 1951 3.2.7: order of the code length code lengths.
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

interface Huffman {
  readonly count: Uint16Array; // codes of each length
  readonly symbol: Uint16Array; // symbols ordered by code
}

/** Builds a canonical code from lengths; returns false when the lengths over-subscribe. */
function build(lengths: Uint8Array, n: number): Huffman | null {
  const count = new Uint16Array(MAXBITS + 1);
  const symbol = new Uint16Array(n);
  for (let s = 0; s < n; s++) count[lengths[s]!]!++;
  if (count[0] === n) return { count, symbol }; // no codes: only valid if never used
  let left = 1;
  for (let len = 1; len <= MAXBITS; len++) {
    left <<= 1;
    left -= count[len]!;
    if (left < 0) return null;
  }
  const offs = new Uint16Array(MAXBITS + 1);
  for (let len = 1; len < MAXBITS; len++) offs[len + 1] = offs[len]! + count[len]!;
  for (let s = 0; s < n; s++) if (lengths[s] !== 0) symbol[offs[lengths[s]!]!++] = s;
  return { count, symbol };
}

const FIXED = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  const d = new Uint8Array(30).fill(5);
  return { lit: build(l, 288)!, dist: build(d, 30)! };
})();

export class StreamInflater {
  // Output history: the window of earlier messages followed by the current message's output.
  private buf = new Uint8Array(4 * WINDOW);
  private len = 0;
  private start = 0; // where the current message's output begins in buf
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bitBuf = 0;
  private bitCnt = 0;
  private limit = 0;

  /**
   * Inflates one message: whole blocks, ending on a byte boundary. Returns a copy of the
   * output. Throws InflateError on bad or truncated data, InflateLimitError past `maxOutput`.
   * After a throw the window is no longer trustworthy: drop the inflater with the connection.
   */
  inflate(input: Uint8Array, maxOutput: number): Uint8Array {
    this.input = input;
    this.pos = 0;
    this.bitBuf = 0;
    this.bitCnt = 0;
    this.compact();
    this.start = this.len;
    this.limit = maxOutput;
    while (this.pos < input.length) {
      const last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(FIXED.lit, FIXED.dist);
      else if (type === 2) this.dynamic();
      else throw new InflateError('invalid block type 3');
      if (last) break;
    }
    return this.buf.slice(this.start, this.len);
  }

  /** Keeps only the last 32 KiB before a new message, so buf never grows without bound. */
  private compact(): void {
    if (this.len > WINDOW) {
      this.buf.copyWithin(0, this.len - WINDOW, this.len);
      this.len = WINDOW;
    }
  }

  private room(n: number): void {
    if (this.len - this.start + n > this.limit)
      throw new InflateLimitError(`output beyond ${this.limit} bytes`);
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private bits(need: number): number {
    let val = this.bitBuf;
    while (this.bitCnt < need) {
      if (this.pos >= this.input.length) throw new InflateError('truncated deflate data');
      val |= this.input[this.pos++]! << this.bitCnt;
      this.bitCnt += 8;
    }
    this.bitBuf = val >>> need;
    this.bitCnt -= need;
    return val & ((1 << need) - 1);
  }

  private stored(): void {
    this.bitBuf = 0;
    this.bitCnt = 0;
    if (this.pos + 4 > this.input.length) throw new InflateError('truncated stored block header');
    const i = this.input;
    const len = i[this.pos]! | (i[this.pos + 1]! << 8);
    const nlen = i[this.pos + 2]! | (i[this.pos + 3]! << 8);
    this.pos += 4;
    if (len !== (~nlen & 0xffff)) throw new InflateError('stored block length check failed');
    if (this.pos + len > i.length) throw new InflateError('truncated stored block');
    this.room(len);
    this.buf.set(i.subarray(this.pos, this.pos + len), this.len);
    this.len += len;
    this.pos += len;
  }

  private decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAXBITS; len++) {
      code |= this.bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    throw new InflateError('invalid Huffman code');
  }

  private codes(lit: Huffman, dist: Huffman): void {
    for (;;) {
      const sym = this.decode(lit);
      if (sym < 256) {
        this.room(1);
        this.buf[this.len++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        const li = sym - 257;
        if (li >= 29) throw new InflateError('invalid length symbol');
        const length = LEN_BASE[li]! + this.bits(LEN_EXTRA[li]!);
        const di = this.decode(dist);
        if (di >= 30) throw new InflateError('invalid distance symbol');
        const distance = DIST_BASE[di]! + this.bits(DIST_EXTRA[di]!);
        if (distance > this.len) throw new InflateError('distance too far back');
        this.room(length);
        const b = this.buf;
        let from = this.len - distance;
        // Byte by byte: a match may overlap the bytes it produces (RFC 1951 3.2.3).
        for (let k = 0; k < length; k++) b[this.len++] = b[from++]!;
      }
    }
  }

  private dynamic(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new InflateError('too many length or distance codes');
    const lengths = new Uint8Array(320);
    for (let k = 0; k < ncode; k++) lengths[CL_ORDER[k]!] = this.bits(3);
    const lencode = build(lengths.subarray(0, 19), 19);
    if (!lencode) throw new InflateError('bad code-length code');
    lengths.fill(0, 0, 19);
    let index = 0;
    while (index < nlen + ndist) {
      let sym = this.decode(lencode);
      if (sym < 16) {
        lengths[index++] = sym;
        continue;
      }
      let len = 0;
      if (sym === 16) {
        if (index === 0) throw new InflateError('repeat with no previous length');
        len = lengths[index - 1]!;
        sym = 3 + this.bits(2);
      } else if (sym === 17) {
        sym = 3 + this.bits(3);
      } else {
        sym = 11 + this.bits(7);
      }
      if (index + sym > nlen + ndist) throw new InflateError('too many code lengths');
      while (sym--) lengths[index++] = len;
    }
    if (lengths[256] === 0) throw new InflateError('no end-of-block code');
    const lit = build(lengths.subarray(0, nlen), nlen);
    const dist = build(lengths.subarray(nlen, nlen + ndist), ndist);
    if (!lit || !dist) throw new InflateError('over-subscribed Huffman code');
    this.codes(lit, dist);
  }
}
