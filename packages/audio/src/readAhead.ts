/**
 * A bounded read-ahead queue between an async producer (file, socket, ffmpeg) and the 20 ms
 * clock, which must never wait. The pump stops pulling from the source while `capacity` units
 * are queued, so an endless stream costs at most `capacity` units of memory (backpressure).
 * `read()` returns a unit, `undefined` when none is ready yet (buffering), or null at the end.
 */
export class ReadAhead<T> {
  readonly #queue: T[] = [];
  readonly #capacity: number;
  #ended = false;
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #iterator: AsyncIterator<T>;

  constructor(source: AsyncIterable<T>, capacity = 50) {
    this.#capacity = Math.max(1, capacity);
    this.#iterator = source[Symbol.asyncIterator]();
    void this.#pump();
  }

  /** The source failed (the queue still drains first). */
  get error(): Error | undefined {
    return this.#error;
  }

  get queued(): number {
    return this.#queue.length;
  }

  read(): T | null | undefined {
    const unit = this.#queue.shift();
    if (this.#queue.length < this.#capacity) this.#resume();
    if (unit !== undefined) return unit;
    return this.#ended ? null : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#resume();
    // Lets the source release what it holds (file handle, child process).
    void this.#iterator.return?.().catch(() => {});
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#closed) {
        while (this.#queue.length >= this.#capacity && !this.#closed) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        if (this.#closed) break;
        const next = await this.#iterator.next();
        if (next.done || this.#closed) break;
        this.#queue.push(next.value);
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
