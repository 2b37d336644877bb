/**
 * A bounded read-ahead queue between an async producer (file, socket, ffmpeg) and the 20 ms
 * clock, which must never wait. The source yields batches (all units of one input chunk), so the
 * async machinery runs once per chunk, not once per 20 ms unit. The pump stops pulling while
 * `capacity` units are queued, so an endless stream costs at most `capacity` units plus one batch
 * of memory (backpressure). `read()` returns a unit, `undefined` when none is ready yet
 * (buffering), or null at the end.
 */
export class ReadAhead<T> {
  readonly #queue: T[] = [];
  readonly #capacity: number;
  #ended = false;
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #iterator: AsyncIterator<T[]>;
  /** Read position in #queue (shifting one by one from a big batch would be quadratic). */
  #head = 0;

  constructor(source: AsyncIterable<T[]>, capacity = 50) {
    this.#capacity = Math.max(1, capacity);
    this.#iterator = source[Symbol.asyncIterator]();
    void this.#pump();
  }

  /** The source failed (the queue still drains first). */
  get error(): Error | undefined {
    return this.#error;
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  read(): T | null | undefined {
    let unit: T | undefined;
    if (this.#head < this.#queue.length) {
      unit = this.#queue[this.#head++];
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      } else if (this.#head >= 256 && this.#head * 2 >= this.#queue.length) {
        // The pump refills before the queue ever empties: drop the read prefix now and then.
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
    }
    if (this.queued < this.#capacity) this.#resume();
    if (unit !== undefined) return unit;
    return this.#ended ? null : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#head = 0;
    this.#resume();
    // Lets the source release what it holds (file handle, child process).
    void this.#iterator.return?.().catch(() => {});
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#closed) {
        while (this.queued >= this.#capacity && !this.#closed) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        if (this.#closed) break;
        const next = await this.#iterator.next();
        if (next.done || this.#closed) break;
        for (const unit of next.value) this.#queue.push(unit);
      }
    } catch (error) {
      this.#error = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#ended = true;
    }
  }

  #resume(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
