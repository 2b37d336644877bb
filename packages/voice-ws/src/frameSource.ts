/**
 * Turns what a user hands to `play()` into the pull function the send clock calls once per
 * tick. Async sources (a stream of Opus packets) are read ahead into a bounded queue so the
 * clock never waits on I/O; when the queue runs dry the tick gets nothing (an underrun: the
 * sender covers it with silence frames), and the end of the source ends playback.
 */

/**
 * What `play()` takes. A pull function returns the next frame, `undefined` for "nothing this
 * tick" (a player between tracks: the sender covers the gap with silence), or null for the end.
 */
export type OpusSource =
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>
  | (() => Uint8Array | null | undefined);

/** A frame; `undefined` for "nothing this tick" (underrun); null for the end. */
export type FramePull = () => Uint8Array | null | undefined;

/** Frames read ahead from an async source: one second of 20 ms audio. */
const READ_AHEAD = 50;

export function frameSource(
  source: OpusSource,
  onError: (error: Error) => void,
): { pull: FramePull; stop: () => void } {
  if (typeof source === 'function') return { pull: source, stop: () => {} };
  if (!(Symbol.asyncIterator in source)) {
    const it = source[Symbol.iterator]();
    return {
      pull: () => {
        const n = it.next();
        return n.done ? null : n.value;
      },
      stop: () => {},
    };
  }
  const queue: Uint8Array[] = [];
  let ended = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  const pump = async () => {
    try {
      for await (const frame of source) {
        if (stopped) break;
        queue.push(frame);
        while (queue.length >= READ_AHEAD && !stopped) await new Promise<void>((r) => (wake = r));
      }
    } catch (error) {
      onError(error as Error);
    } finally {
      ended = true;
    }
  };
  void pump();
  return {
    pull: () => {
      const frame = queue.shift();
      if (queue.length < READ_AHEAD / 2) {
        const w = wake;
        wake = undefined;
        w?.();
      }
      return frame ?? (ended ? null : undefined);
    },
    stop: () => {
      stopped = true;
      const w = wake;
      wake = undefined;
      w?.();
    },
  };
}
