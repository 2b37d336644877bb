import { createReadStream } from 'node:fs';
import { AudioError } from './errors.js';

/**
 * What a user can hand to the player, and how its bytes are read.
 * - a file path (string): re-openable, so it can be seeked and looped;
 * - bytes (Uint8Array): re-readable;
 * - a factory returning a stream: re-openable;
 * - a Node Readable or any async iterable of chunks: read once (forward seek only, no loop).
 */
export type AudioInput = string | Uint8Array | AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array>);

/** How the bytes are to be understood. 'auto': Ogg if it starts with "OggS", else ffmpeg. */
export type AudioInputType = 'auto' | 'ogg' | 'pcm' | 'f32' | 'ffmpeg';

export function isReopenable(input: AudioInput | Iterable<Uint8Array>): boolean {
  return typeof input === 'string' || input instanceof Uint8Array || typeof input === 'function';
}

/** Open the input's bytes from the start; `once` inputs can be opened one time only. */
export function openBytes(input: AudioInput, opened: { count: number }): AsyncIterable<Uint8Array> {
  opened.count++;
  if (typeof input === 'string') return createReadStream(input, { highWaterMark: 64 * 1024 });
  if (input instanceof Uint8Array) return chunksOf(input);
  if (typeof input === 'function') return input();
  if (opened.count > 1) {
    throw new AudioError(
      'INVALID_ARGUMENT',
      'this input is a one-time stream: it cannot be seeked back or looped',
    );
  }
  return input;
}

async function* chunksOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
}

const OGG = [0x4f, 0x67, 0x67, 0x53];

/** Whether the first bytes are an Ogg capture pattern. */
export function looksLikeOgg(head: Uint8Array): boolean {
  return head.length >= 4 && OGG.every((b, i) => head[i] === b);
}

/**
 * Read the first chunk to decide the type, then hand back a stream that still starts at byte 0.
 */
export async function sniff(
  bytes: AsyncIterable<Uint8Array>,
): Promise<{ ogg: boolean; bytes: AsyncIterable<Uint8Array> }> {
  const iterator = bytes[Symbol.asyncIterator]();
  let first = await iterator.next();
  // Skip empty chunks; four bytes are enough to decide.
  while (!first.done && first.value.length === 0) first = await iterator.next();
  const head = first.done ? new Uint8Array(0) : first.value;
  async function* replay(): AsyncIterable<Uint8Array> {
    try {
      if (!first.done) yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { ogg: looksLikeOgg(head), bytes: replay() };
}
