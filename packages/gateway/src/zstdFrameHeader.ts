/**
 * Reads the zstd frame and block headers of a zstd-stream (RFC 8878 3.1) as bytes arrive, before
 * the decoder sees them, to hold a server to memory limits. A frame header declares the memory its
 * decoder needs: Window_Size (3.1.1.1.2), or Frame_Content_Size for a single-segment frame. The
 * decoder allocates that much when it reads the header, so 14 bytes on the wire could make it
 * allocate ~2 GiB. This scanner refuses such a header first.
 *
 * It is linear and allocates nothing per message: it parses the few header bytes and skips block
 * bodies by their declared size (3.1.1.2). Bytes of a header split across messages are kept in a
 * small fixed buffer.
 */

/** The frame violates a limit of ours (a size a server may ask for). */
export class ZstdLimitError extends Error {}
/** The bytes are not a zstd stream we can read. */
export class ZstdFormatError extends Error {}

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50-0x184D2A5F, a 4-byte size, then that many bytes (3.1.2). */
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** Block_Maximum_Size is min(Window_Size, 128 KiB) (3.1.1.2.3). */
const MAX_BLOCK = 128 * 1024;

type State =
  | 'magic'
  | 'skipSize'
  | 'skip'
  | 'descriptor'
  | 'header'
  | 'blockHeader'
  | 'blockBody'
  | 'checksum';

export interface ZstdFrameLimits {
  /** Largest Window_Size accepted (the decoder's history buffer). */
  readonly maxWindowBytes: number;
  /** Largest Frame_Content_Size accepted when a frame declares one. */
  readonly maxContentBytes: number;
}

export class ZstdStreamScanner {
  private state: State = 'magic';
  /** Bytes of the current fixed-size field collected so far, and how many it needs. */
  private readonly field = new Uint8Array(14);
  private have = 0;
  private need = 4;
  /** Bytes of a block body or skippable frame still to skip. */
  private skipLeft = 0;
  private descriptor = 0;
  private blockMax = MAX_BLOCK;
  private lastBlock = false;

  constructor(private readonly limits: ZstdFrameLimits) {}

  /**
   * True while a frame header has started but not ended. A message never ends there (each is a
   * flushed run of whole blocks), and a decoder told to finish would read the missing bytes of
   * the header as zeros, sizes included.
   */
  get insideFrameHeader(): boolean {
    return (
      this.state === 'descriptor' || this.state === 'header' || (this.state === 'magic' && this.have > 0)
    );
  }

  /** Scans the next bytes of the stream. Throws ZstdLimitError or ZstdFormatError. */
  scan(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      if (this.state === 'skip' || this.state === 'blockBody') {
        const n = Math.min(this.skipLeft, bytes.length - at);
        at += n;
        this.skipLeft -= n;
        if (this.skipLeft === 0) this.afterSkip();
        continue;
      }
      const n = Math.min(this.need - this.have, bytes.length - at);
      this.field.set(bytes.subarray(at, at + n), this.have);
      this.have += n;
      at += n;
      if (this.have === this.need) this.onField();
    }
  }

  private expect(state: State, bytes: number): void {
    this.state = state;
    this.have = 0;
    this.need = bytes;
  }

  private afterSkip(): void {
    if (this.state === 'skip') this.expect('magic', 4);
    else this.afterBlock();
  }

  private afterBlock(): void {
    if (!this.lastBlock) this.expect('blockHeader', 3);
    else if (this.descriptor & 0x04) this.expect('checksum', 4);
    else this.expect('magic', 4);
  }

  private onField(): void {
    const f = this.field;
    switch (this.state) {
      case 'magic': {
        const magic = (f[0]! | (f[1]! << 8) | (f[2]! << 16) | (f[3]! << 24)) >>> 0;
        if (magic === ZSTD_MAGIC) this.expect('descriptor', 1);
        else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) this.expect('skipSize', 4);
        else throw new ZstdFormatError('no zstd frame magic number');
        return;
      }
      case 'skipSize':
        this.skipLeft = (f[0]! | (f[1]! << 8) | (f[2]! << 16) | (f[3]! << 24)) >>> 0;
        this.state = 'skip';
        if (this.skipLeft === 0) this.expect('magic', 4);
        return;
      case 'descriptor': {
        // Frame_Header_Descriptor (3.1.1.1.1).
        const fhd = f[0]!;
        if (fhd & 0x08) throw new ZstdFormatError('reserved bit set in the frame header descriptor');
        this.descriptor = fhd;
        const singleSegment = (fhd >> 5) & 1;
        const fcsFlag = fhd >> 6;
        const dictFlag = fhd & 3;
        const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
        const dictBytes = dictFlag === 3 ? 4 : dictFlag;
        const rest = (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        // Keep the descriptor in field[0]; collect the rest behind it.
        this.state = 'header';
        this.need = 1 + rest;
        if (rest === 0) this.onField();
        return;
      }
      case 'header':
        this.onHeader();
        return;
      case 'blockHeader': {
        // Block_Header (3.1.1.2): Last_Block, Block_Type, Block_Size, little-endian 24 bits.
        const header = f[0]! | (f[1]! << 8) | (f[2]! << 16);
        this.lastBlock = (header & 1) === 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        if (type === 3) throw new ZstdFormatError('reserved block type');
        if (size > this.blockMax) {
          throw new ZstdFormatError(`block of ${size} bytes exceeds the block maximum ${this.blockMax}`);
        }
        // RLE blocks carry one byte whatever their regenerated size.
        this.skipLeft = type === 1 ? 1 : size;
        this.state = 'blockBody';
        if (this.skipLeft === 0) this.afterBlock();
        return;
      }
      case 'checksum':
        this.expect('magic', 4);
        return;
    }
  }

  private onHeader(): void {
    const f = this.field;
    const fhd = this.descriptor;
    const singleSegment = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    const dictFlag = fhd & 3;
    let at = 1;
    let windowSize = 0;
    if (!singleSegment) {
      // Window_Descriptor (3.1.1.1.2): 2^(10 + Exponent) plus Mantissa eighths of it.
      const wd = f[at++]!;
      const base = 2 ** (10 + (wd >> 3));
      windowSize = base + (base / 8) * (wd & 7);
    }
    const dictBytes = dictFlag === 3 ? 4 : dictFlag;
    let dictId = 0;
    for (let i = 0; i < dictBytes; i++) dictId += f[at + i]! * 2 ** (8 * i);
    at += dictBytes;
    // No dictionary is ever agreed on the gateway; a frame that needs one cannot be decoded.
    if (dictId !== 0) throw new ZstdFormatError('frame needs a dictionary');
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    let contentSize: number | undefined;
    if (fcsBytes > 0) {
      contentSize = 0;
      for (let i = 0; i < fcsBytes; i++) contentSize += f[at + i]! * 2 ** (8 * i);
      if (fcsBytes === 2) contentSize += 256;
    }
    if (singleSegment) windowSize = contentSize!;
    if (contentSize !== undefined && contentSize > this.limits.maxContentBytes) {
      throw new ZstdLimitError(
        `frame content size ${contentSize} exceeds ${this.limits.maxContentBytes} bytes`,
      );
    }
    if (windowSize > this.limits.maxWindowBytes) {
      throw new ZstdLimitError(`frame window of ${windowSize} bytes exceeds ${this.limits.maxWindowBytes}`);
    }
    this.blockMax = Math.min(windowSize, MAX_BLOCK);
    this.lastBlock = false;
    this.expect('blockHeader', 3);
  }
}
