/**
 * A synchronous, table-driven DEFLATE decoder (RFC 1951) for one long-lived stream.
 *
 * zlib-stream sends one deflate stream per connection and ends every gateway message with a
 * sync flush (an empty stored block, 00 00 ff ff), so a message always ends on a block boundary
 * and the only state it hands to the next message is the last 32 KiB of output (RFC 1951 2:
 * distances reach back at most 32768 bytes). node:zlib has no synchronous stateful inflate, so
 * this decoder exists (zlibStream.ts, README "Compression").
 *
 * Design, written for this package from the RFC:
 * - Huffman codes are decoded with lookup tables. The primary table is indexed by the next
 *   ROOT bits of input (bits arrive least significant first, so table indices are bit-reversed
 *   codes); each entry holds the symbol and its code length. Codes longer than ROOT bits go
 *   through one level of subtables, indexed by the bits after the first ROOT.
 * - Input bits sit in a 32-bit buffer refilled a byte at a time; the hot loop keeps the buffer,
 *   the input position and the output length in locals.
 * - Output goes into one growing buffer that starts with the 32 KiB window of earlier messages;
 *   once it holds more than three windows before a message, it is compacted back to that window,
 *   so memory stays bounded. Each message's output is returned as a view, not a copy.
 * - Memory per connection is only what the stream needs: the output buffer starts empty and
 *   grows with the output (an idle shard that got READY holds a few KiB, a busy one up to
 *   128 KiB, and one grown by a huge message shrinks back at the next compaction), and the
 *   Huffman tables of dynamic blocks are shared by every inflater in the thread: a dynamic block
 *   is decoded entirely inside one synchronous `inflate` call (a message ends on a block
 *   boundary), so no two inflaters ever use them at once.
 * - Every read is bounds-checked, so malformed or truncated input throws InflateError and every
 *   loop step consumes input or throws (no infinite loop on garbage). Output past the caller's cap
 *   throws InflateLimitError as soon as it would be written.
 */

/** Malformed or truncated deflate data. */
export class InflateError extends Error {
  override readonly name = 'InflateError';
  readonly code = 'INFLATE_BAD_DATA';
}

/** Output beyond the caller's cap; thrown before the excess is written. */
export class InflateLimitError extends Error {
  override readonly name = 'InflateLimitError';
  readonly code = 'INFLATE_LIMIT';
}

/** RFC 1951 3.2.1: distances reach at most 32768 bytes back. */
const WINDOW = 32768;
/** RFC 1951 3.2.2/3.2.7: code lengths are at most 15 bits. */
const MAX_CODE_BITS = 15;

// RFC 1951 3.2.5: length symbols 257..285 and distance symbols 0..29 (base value, extra bits).
const LENGTH_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
]);
const LENGTH_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
const DISTANCE_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
]);
const DISTANCE_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
// RFC 1951 3.2.7: the order in which code-length code lengths are sent.
const CODE_LENGTH_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

/*
 * Table entries (Uint32):
 *   0                                   no code maps here (an invalid bit pattern)
 *   value << 8 | bits                   a leaf: consume `bits` (1..15) bits, yield `value`
 *                                       (the symbol, or for literal/length and distance codes
 *                                       its decoded form below, saving lookups per match)
 *   offset << 8 | SUBTABLE | subBits    consume ROOT bits, then index the subtable at `offset`
 *                                       with the next `subBits` bits; its leaves count only
 *                                       the bits after the first ROOT
 */
const SUBTABLE = 0x80;

// Leaf values of literal/length codes: literals 0..255 and end of block 256 as themselves; a
// length symbol as LENGTH | extra bits << 9 | base length (RFC 1951 3.2.5); 286 and 287 as
// INVALID_SYMBOL. Distance codes: extra bits << 15 | base distance, 30 and 31 as INVALID_SYMBOL.
const LENGTH = 0x1000;
const INVALID_SYMBOL = 0x100000;
const LITERAL_VALUES = new Uint32Array(288);
const DISTANCE_VALUES = new Uint32Array(32);
for (let s = 0; s < 288; s++) {
  const li = s - 257;
  LITERAL_VALUES[s] =
    s <= 256 ? s : li < 29 ? LENGTH | (LENGTH_EXTRA[li]! << 9) | LENGTH_BASE[li]! : INVALID_SYMBOL;
}
for (let d = 0; d < 32; d++)
  DISTANCE_VALUES[d] = d < 30 ? (DISTANCE_EXTRA[d]! << 15) | DISTANCE_BASE[d]! : INVALID_SYMBOL;
const LITERAL_ROOT = 9; // 512 entries, as zlib's inflate uses: covers nearly every literal/length code in practice
const DISTANCE_ROOT = 7;
const CODE_LENGTH_ROOT = 7; // code-length codes are at most 7 bits (RFC 1951 3.2.7): no subtables

// Upper bounds on table size: the primary table plus one subtable per long code, each at most
// 2^(15 - ROOT) entries. Generous but small, and allocated once per inflater.
const LITERAL_TABLE_SIZE = (1 << LITERAL_ROOT) + 288 * (1 << (MAX_CODE_BITS - LITERAL_ROOT));
const DISTANCE_TABLE_SIZE = (1 << DISTANCE_ROOT) + 32 * (1 << (MAX_CODE_BITS - DISTANCE_ROOT));

/** Bit-reverses a byte; codes are sent most significant bit first into an LSB-first bit stream. */
const REVERSED_BYTE = (() => {
  const r = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let v = 0;
    for (let b = 0; b < 8; b++) if (i & (1 << b)) v |= 0x80 >> b;
    r[i] = v;
  }
  return r;
})();

function reverseBits(code: number, bits: number): number {
  return ((REVERSED_BYTE[code & 0xff]! << 8) | REVERSED_BYTE[code >>> 8]!) >>> (16 - bits);
}

const lengthCount = new Uint16Array(MAX_CODE_BITS + 1);
const nextCode = new Uint16Array(MAX_CODE_BITS + 1);
const firstOfLength = new Uint16Array(MAX_CODE_BITS + 2);
const byCode = new Uint16Array(288); // symbols in canonical code order (length, then symbol)

/**
 * Fills `table` with the canonical Huffman code for the `n` symbols whose lengths start at
 * `lengths[first]` (RFC 1951 3.2.2): an offset rather than a subarray saves an allocation per
 * dynamic block.
 * Rejects over-subscribed codes and, as zlib does, incomplete ones, except a code with a single
 * 1-bit length (a block with one distance, RFC 1951 3.2.7) or no codes at all (never usable).
 *
 * Symbols are placed in canonical code order. Codes then increase monotonically, so long codes
 * sharing their first ROOT bits are consecutive and each subtable is opened exactly once without
 * reading stale entries; and a complete code writes every primary entry, so the primary table
 * only needs clearing for the (single-code) incomplete case. This runs once per dynamic block,
 * which for small gateway messages costs about as much as decoding the block.
 */
function buildTable(
  table: Uint32Array,
  lengths: Uint8Array,
  first: number,
  n: number,
  root: number,
  allowSingle: boolean,
  values: Uint32Array | null,
): void {
  lengthCount.fill(0);
  let longest = 0;
  for (let s = 0; s < n; s++) {
    const len = lengths[first + s]!;
    lengthCount[len]!++;
    if (len > longest) longest = len;
  }
  const rootSize = 1 << root;
  if (longest === 0) {
    table.fill(0, 0, rootSize);
    return;
  }
  lengthCount[0] = 0;
  // Unused code space after each length: negative means more codes than bit patterns.
  let unused = 1;
  for (let len = 1; len <= MAX_CODE_BITS; len++) {
    unused = unused * 2 - lengthCount[len]!;
    if (unused < 0) throw new InflateError('over-subscribed Huffman code');
  }
  if (unused > 0) {
    if (!(allowSingle && longest === 1)) throw new InflateError('incomplete Huffman code');
    table.fill(0, 0, rootSize); // only part of the code space is used: the rest must be invalid
  }
  // RFC 1951 3.2.2 step 2: the first code of each length; and a counting sort by length.
  let code = 0;
  firstOfLength[1] = 0;
  for (let len = 1; len <= MAX_CODE_BITS; len++) {
    code = (code + lengthCount[len - 1]!) << 1;
    nextCode[len] = code;
    firstOfLength[len + 1] = firstOfLength[len]! + lengthCount[len]!;
  }
  for (let s = 0; s < n; s++) {
    const len = lengths[first + s]!;
    if (len !== 0) byCode[firstOfLength[len]!++] = s;
  }
  const count = firstOfLength[MAX_CODE_BITS]!; // after the sort: the number of coded symbols
  const subBits = longest > root ? longest - root : 0;
  let free = rootSize; // next free subtable slot
  let openHead = -1; // primary entry of the subtable being filled
  let offset = 0;
  for (let k = 0; k < count; k++) {
    const s = byCode[k]!;
    const len = lengths[first + s]!;
    const reversed = reverseBits(nextCode[len]!++, len);
    const value = values === null ? s : values[s]!;
    if (len <= root) {
      const leaf = (value << 8) | len;
      for (let i = reversed; i < rootSize; i += 1 << len) table[i] = leaf;
      continue;
    }
    // The first ROOT bits on the wire are the low bits of the reversed code.
    const head = reversed & (rootSize - 1);
    if (head !== openHead) {
      openHead = head;
      offset = free;
      table[head] = (free << 8) | SUBTABLE | subBits;
      table.fill(0, free, free + (1 << subBits));
      free += 1 << subBits;
    }
    const rest = len - root;
    const leaf = (value << 8) | rest;
    for (let i = reversed >>> root; i < 1 << subBits; i += 1 << rest) table[offset + i] = leaf;
  }
}

const FIXED_LITERAL = new Uint32Array(LITERAL_TABLE_SIZE);
const FIXED_DISTANCE = new Uint32Array(DISTANCE_TABLE_SIZE);
{
  // RFC 1951 3.2.6: the fixed literal/length and distance codes.
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144);
  lit.fill(9, 144, 256);
  lit.fill(7, 256, 280);
  lit.fill(8, 280, 288);
  buildTable(FIXED_LITERAL, lit, 0, 288, LITERAL_ROOT, false, LITERAL_VALUES);
  // All 32 five-bit patterns exist; 30 and 31 decode but are rejected where used.
  buildTable(FIXED_DISTANCE, new Uint8Array(32).fill(5), 0, 32, DISTANCE_ROOT, false, DISTANCE_VALUES);
}

// Tables for dynamic blocks, shared (see the top of the file): ~110 KiB once per thread instead
// of per connection.
const dynamicLiteralTable = new Uint32Array(LITERAL_TABLE_SIZE);
const dynamicDistanceTable = new Uint32Array(DISTANCE_TABLE_SIZE);
const codeLengthTable = new Uint32Array(1 << CODE_LENGTH_ROOT);
const codeLengths = new Uint8Array(286 + 30);

/** Smallest output buffer allocated; it doubles from there as output needs. */
const MIN_OUTPUT_BUFFER = 4096;
/** Compact the output buffer once it holds more than this before a message. */
const COMPACT_AFTER = 3 * WINDOW;
/** A buffer grown beyond this for one huge message is replaced by a small one at compaction. */
const SHRINK_ABOVE = 16 * WINDOW;

export class StreamInflater {
  private out: Uint8Array = new Uint8Array(0);
  private outLen = 0;
  private outCap = 0; // outLen may not pass this (start of message + caller's cap)
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bitBuf = 0;
  private bitCnt = 0;
  private ended = false;

  /**
   * Inflates one message (whole blocks, the last one ending on a byte boundary) and returns a
   * view of its output inside the inflater's buffer: valid only until the next call, so decode
   * or copy it before inflating again (no per-message allocation or copy). Throws InflateError on bad or truncated data and InflateLimitError when
   * the message would exceed `maxOutput` bytes. After a throw the stream state is lost: replace
   * the inflater together with the connection.
   */
  inflate(input: Uint8Array, maxOutput: number): Uint8Array {
    if (this.ended && input.length > 0) throw new InflateError('data after the final deflate block');
    this.input = input;
    this.pos = 0;
    this.bitBuf = 0;
    this.bitCnt = 0;
    // Slide the window back to the front only once three windows have piled up: one 32 KiB
    // copy per 64 KiB or more of output instead of one per message, which for typical ~1 KiB
    // dispatches cost more than the decoding itself.
    if (this.outLen > COMPACT_AFTER) {
      if (this.out.length > SHRINK_ABOVE) {
        const smaller = new Uint8Array(4 * WINDOW);
        smaller.set(this.out.subarray(this.outLen - WINDOW, this.outLen));
        this.out = smaller;
      } else {
        this.out.copyWithin(0, this.outLen - WINDOW, this.outLen);
      }
      this.outLen = WINDOW;
    }
    const start = this.outLen;
    this.outCap = start + maxOutput;
    // Every bit must belong to a block: a message ends on a stored block, byte-aligned, so
    // leftover bits mean a cut or corrupt message (take() then throws).
    while (this.pos < input.length || this.bitCnt > 0) {
      const header = this.take(3);
      const type = header >>> 1;
      if (type === 0) this.storedBlock();
      else if (type === 1) this.huffmanBlock(FIXED_LITERAL, FIXED_DISTANCE);
      else if (type === 2) this.dynamicBlock();
      else throw new InflateError('reserved block type 3');
      if (header & 1) {
        // The final block: what follows (zlib's Adler-32 trailer) carries no data for us.
        this.ended = true;
        break;
      }
    }
    return this.out.subarray(start, this.outLen);
  }

  /** Reads `n` (0..24) bits, least significant first. */
  private take(n: number): number {
    while (this.bitCnt < n) {
      if (this.pos >= this.input.length) throw new InflateError('truncated deflate data');
      this.bitBuf |= this.input[this.pos++]! << this.bitCnt;
      this.bitCnt += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCnt -= n;
    return v;
  }

  /** Makes room for `n` more output bytes, enforcing the cap. */
  private reserve(n: number): Uint8Array {
    const need = this.outLen + n;
    if (need > this.outCap) throw new InflateLimitError('inflated output beyond the cap');
    if (need > this.out.length) {
      let size = Math.max(MIN_OUTPUT_BUFFER, this.out.length * 2);
      while (size < need) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.out.subarray(0, this.outLen));
      this.out = bigger;
    }
    return this.out;
  }

  /** RFC 1951 3.2.4: skip to a byte boundary, LEN, NLEN (one's complement), then raw bytes. */
  private storedBlock(): void {
    // Whole bytes still in the bit buffer were read ahead: give them back to the input.
    this.pos -= this.bitCnt >>> 3;
    this.bitBuf = 0;
    this.bitCnt = 0;
    const input = this.input;
    const p = this.pos;
    if (p + 4 > input.length) throw new InflateError('truncated stored block header');
    const len = input[p]! | (input[p + 1]! << 8);
    const nlen = input[p + 2]! | (input[p + 3]! << 8);
    if ((len ^ 0xffff) !== nlen) throw new InflateError('stored block LEN does not match NLEN');
    if (p + 4 + len > input.length) throw new InflateError('truncated stored block');
    // Every message ends with an empty one (the sync flush): nothing to copy, no view to make.
    if (len > 0) {
      const out = this.reserve(len);
      out.set(input.subarray(p + 4, p + 4 + len), this.outLen);
      this.outLen += len;
    }
    this.pos = p + 4 + len;
  }

  /** RFC 1951 3.2.7: code lengths, themselves Huffman-coded, then the block's data. */
  private dynamicBlock(): void {
    const literalCount = this.take(5) + 257;
    const distanceCount = this.take(5) + 1;
    const codeLengthCount = this.take(4) + 4;
    // 286 and 287 literal/length symbols and 30 and 31 distances never occur (RFC 1951 3.2.5).
    if (literalCount > 286 || distanceCount > 30) throw new InflateError('too many length or distance codes');
    const lengths = codeLengths;
    lengths.fill(0, 0, 19);
    for (let i = 0; i < codeLengthCount; i++) lengths[CODE_LENGTH_ORDER[i]!] = this.take(3);
    const clTable = codeLengthTable;
    buildTable(clTable, lengths, 0, 19, CODE_LENGTH_ROOT, false, null);
    const total = literalCount + distanceCount;
    // The bit reader lives in locals here, as in huffmanBlock: this loop runs for every
    // dynamic block, i.e. for nearly every gateway message.
    const input = this.input;
    const inLen = input.length;
    const clMask = (1 << CODE_LENGTH_ROOT) - 1;
    let pos = this.pos;
    let bitBuf = this.bitBuf;
    let bitCnt = this.bitCnt;
    let i = 0;
    while (i < total) {
      // Refill to 25+ bits (when input remains): a code (at most 7 bits, no subtables) and its
      // repeat count (at most 7 extra bits) always fit.
      while (bitCnt <= 24 && pos < inLen) {
        bitBuf |= input[pos++]! << bitCnt;
        bitCnt += 8;
      }
      const entry = clTable[bitBuf & clMask]!;
      const bits = entry & 0x7f;
      if (bits === 0) throw new InflateError('invalid Huffman code');
      if (bits > bitCnt) throw new InflateError('truncated deflate data');
      bitBuf >>>= bits;
      bitCnt -= bits;
      const symbol = entry >>> 8;
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let fill = 0;
      let extra: number;
      let repeat: number;
      if (symbol === 16) {
        if (i === 0) throw new InflateError('length repeat with no previous length');
        fill = lengths[i - 1]!;
        extra = 2;
        repeat = 3;
      } else if (symbol === 17) {
        extra = 3;
        repeat = 3;
      } else {
        extra = 7;
        repeat = 11;
      }
      if (bitCnt < extra) throw new InflateError('truncated deflate data');
      repeat += bitBuf & ((1 << extra) - 1);
      bitBuf >>>= extra;
      bitCnt -= extra;
      if (i + repeat > total) throw new InflateError('code lengths run past the declared count');
      lengths.fill(fill, i, i + repeat);
      i += repeat;
    }
    this.pos = pos;
    this.bitBuf = bitBuf;
    this.bitCnt = bitCnt;
    if (lengths[256] === 0) throw new InflateError('no end-of-block code');
    buildTable(dynamicLiteralTable, lengths, 0, literalCount, LITERAL_ROOT, true, LITERAL_VALUES);
    // The distance code lengths follow the literal/length ones.
    buildTable(
      dynamicDistanceTable,
      lengths,
      literalCount,
      distanceCount,
      DISTANCE_ROOT,
      true,
      DISTANCE_VALUES,
    );
    this.huffmanBlock(dynamicLiteralTable, dynamicDistanceTable);
  }

  /** RFC 1951 3.2.5: literals, <length, distance> pairs, end of block (256). */
  private huffmanBlock(litTable: Uint32Array, distTable: Uint32Array): void {
    const input = this.input;
    const inLen = input.length;
    const litMask = (1 << LITERAL_ROOT) - 1;
    const distMask = (1 << DISTANCE_ROOT) - 1;
    let out = this.out;
    let outLen = this.outLen;
    const outCap = this.outCap;
    // One compare per output write: the end of the buffer or the cap, whichever comes first
    // (reserve() then grows the buffer or throws InflateLimitError).
    let limit = Math.min(out.length, outCap);
    let pos = this.pos;
    let bitBuf = this.bitBuf;
    let bitCnt = this.bitCnt;
    try {
      for (;;) {
        // Refill only when the longest code (15 bits) might not fit, then to 25+ bits (when
        // input remains): a run of literals refills every second or third symbol, not each one.
        if (bitCnt < MAX_CODE_BITS) {
          while (bitCnt <= 24 && pos < inLen) {
            bitBuf |= input[pos++]! << bitCnt;
            bitCnt += 8;
          }
        }
        let entry = litTable[bitBuf & litMask]!;
        let bits = entry & 0x7f;
        if (entry & SUBTABLE) {
          if (bitCnt < LITERAL_ROOT) throw new InflateError('truncated deflate data');
          bitBuf >>>= LITERAL_ROOT;
          bitCnt -= LITERAL_ROOT;
          entry = litTable[(entry >>> 8) + (bitBuf & ((1 << bits) - 1))]!;
          bits = entry & 0x7f;
        }
        if (bits === 0) throw new InflateError('invalid literal/length code');
        if (bits > bitCnt) throw new InflateError('truncated deflate data');
        bitBuf >>>= bits;
        bitCnt -= bits;
        const symbol = entry >>> 8;
        if (symbol < 256) {
          if (outLen >= limit) {
            this.outLen = outLen;
            out = this.reserve(1);
            limit = Math.min(out.length, outCap);
          }
          out[outLen++] = symbol;
          continue;
        }
        if (symbol === 256) return;
        if (symbol & INVALID_SYMBOL) throw new InflateError('invalid length symbol');
        // Length extra bits: at most 5; refill when fewer are left after the code.
        let extra = (symbol >>> 9) & 7;
        if (bitCnt < extra) {
          while (bitCnt <= 24 && pos < inLen) {
            bitBuf |= input[pos++]! << bitCnt;
            bitCnt += 8;
          }
          if (bitCnt < extra) throw new InflateError('truncated deflate data');
        }
        const length = (symbol & 0x1ff) + (bitBuf & ((1 << extra) - 1));
        bitBuf >>>= extra;
        bitCnt -= extra;
        while (bitCnt <= 24 && pos < inLen) {
          bitBuf |= input[pos++]! << bitCnt;
          bitCnt += 8;
        }
        entry = distTable[bitBuf & distMask]!;
        bits = entry & 0x7f;
        if (entry & SUBTABLE) {
          if (bitCnt < DISTANCE_ROOT) throw new InflateError('truncated deflate data');
          bitBuf >>>= DISTANCE_ROOT;
          bitCnt -= DISTANCE_ROOT;
          entry = distTable[(entry >>> 8) + (bitBuf & ((1 << bits) - 1))]!;
          bits = entry & 0x7f;
        }
        if (bits === 0) throw new InflateError('invalid distance code');
        if (bits > bitCnt) throw new InflateError('truncated deflate data');
        bitBuf >>>= bits;
        bitCnt -= bits;
        const dv = entry >>> 8;
        if (dv & INVALID_SYMBOL) throw new InflateError('invalid distance symbol');
        // Distance extra bits: up to 13, more than the 10 a code may leave, so refill when short.
        extra = dv >>> 15;
        if (bitCnt < extra) {
          while (bitCnt <= 24 && pos < inLen) {
            bitBuf |= input[pos++]! << bitCnt;
            bitCnt += 8;
          }
          if (bitCnt < extra) throw new InflateError('truncated deflate data');
        }
        const distance = (dv & 0x7fff) + (bitBuf & ((1 << extra) - 1));
        bitBuf >>>= extra;
        bitCnt -= extra;
        if (distance > outLen) throw new InflateError('distance reaches before the start of the stream');
        if (outLen + length > limit) {
          this.outLen = outLen;
          out = this.reserve(length);
          limit = Math.min(out.length, outCap);
        }
        let from = outLen - distance;
        if (distance >= length && length > 32) {
          out.copyWithin(outLen, from, from + length);
          outLen += length;
        } else {
          // The match may overlap the bytes it produces (RFC 1951 3.2.3): copy forward.
          const end = outLen + length;
          while (outLen < end) out[outLen++] = out[from++]!;
        }
      }
    } finally {
      this.outLen = outLen;
      this.pos = pos;
      this.bitBuf = bitBuf;
      this.bitCnt = bitCnt;
    }
  }
}
