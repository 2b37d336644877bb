/**
 * A gateway session: what survives a dropped connection. It owns the sequence counter and a
 * bounded buffer of the dispatches it was sent, so RESUME can replay exactly what a client
 * missed, or say (op 9 false) that it cannot.
 */
import type { CompressMode } from './transportCompression.js';

export type Encoding = 'json' | 'etf';

export interface StoredDispatch {
  s: number;
  t: string;
  d: unknown;
}

export class Session {
  seq = 0;
  connected = false;
  /** Set while disconnected: when the session stops being resumable. */
  expiryTimer: unknown;
  /** What was dispatched to this session (READY included), newest last, at most `receivedCapacity`. */
  readonly received: StoredDispatch[] = [];
  private readonly buffer: StoredDispatch[] = [];
  private head = 0;
  /** Highest seq that left the buffer; a resume from below it cannot be replayed. */
  private evictedUpTo = 0;

  constructor(
    readonly id: string,
    readonly shard: [number, number],
    readonly intents: number,
    readonly userId: string,
    public encoding: Encoding,
    public compress: CompressMode,
    private readonly capacity: number,
    private readonly receivedCapacity = 0,
  ) {}

  /** Keeps a dispatch for `received()`; the oldest falls out past the capacity. */
  logReceived(dispatch: StoredDispatch): void {
    if (this.receivedCapacity <= 0) return;
    this.received.push(dispatch);
    if (this.received.length > this.receivedCapacity)
      this.received.splice(0, this.received.length - this.receivedCapacity);
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Keeps a dispatch for replay; the oldest falls out once the buffer is full. */
  record(dispatch: StoredDispatch): void {
    if (this.capacity <= 0) {
      this.evictedUpTo = dispatch.s;
      return;
    }
    this.buffer.push(dispatch);
    if (this.buffer.length - this.head > this.capacity) {
      this.evictedUpTo = this.buffer[this.head]!.s;
      this.head += 1;
      // Compact now and then so the array does not grow with the session's lifetime.
      if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  /**
   * The dispatches after `seq`, or a reason why they cannot be replayed: `ahead` if the client
   * claims a seq the session never sent (4007), `evicted` if part of the gap left the buffer.
   */
  replayAfter(seq: number): StoredDispatch[] | 'ahead' | 'evicted' {
    if (seq > this.seq) return 'ahead';
    if (seq < this.evictedUpTo) return 'evicted';
    const out: StoredDispatch[] = [];
    for (let i = this.head; i < this.buffer.length; i++) {
      const d = this.buffer[i]!;
      if (d.s > seq) out.push(d);
    }
    return out;
  }
}
