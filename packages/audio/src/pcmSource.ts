import { FRAME_SAMPLES, type TrackUnit } from './trackUnit.js';

export interface PcmFormat {
  /** 's16': signed 16-bit little-endian; 'f32': 32-bit float little-endian (-1..1). */
  readonly sample: 's16' | 'f32';
  /** 1 or 2; mono is played on both channels. */
  readonly channels: number;
}

/**
 * Raw 48 kHz PCM bytes → 20 ms stereo s16 frames. Seeking is by byte offset (whole sample
 * frames). A last partial frame is padded with silence, so a clip shorter than 20 ms still
 * plays as one frame.
 */
export async function* pcmSource(
  bytes: AsyncIterable<Uint8Array>,
  format: PcmFormat,
  startMs: number,
): AsyncGenerator<TrackUnit[]> {
  const bytesPerSample = format.sample === 's16' ? 2 : 4;
  const frameBytes = bytesPerSample * format.channels;
  const chunkBytes = FRAME_SAMPLES * frameBytes;
  let skip = Math.max(0, Math.round(startMs * 48)) * frameBytes;
  const pending = new Uint8Array(chunkBytes);
  let filled = 0;
  for await (const chunk of bytes) {
    // One batch per input chunk (see oggOpusSource).
    const batch: TrackUnit[] = [];
    let at = 0;
    if (skip > 0) {
      at = Math.min(skip, chunk.length);
      skip -= at;
    }
    while (at < chunk.length) {
      const take = Math.min(chunkBytes - filled, chunk.length - at);
      pending.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === chunkBytes) {
        batch.push({ kind: 'pcm', pcm: toStereoS16(pending, format) });
        filled = 0;
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (filled >= frameBytes) {
    pending.fill(0, filled);
    yield [{ kind: 'pcm', pcm: toStereoS16(pending, format) }];
  }
}

function toStereoS16(bytes: Uint8Array, format: PcmFormat): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES * 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    for (let c = 0; c < 2; c++) {
      const source = format.channels === 1 ? i : i * 2 + c;
      if (format.sample === 's16') out[i * 2 + c] = view.getInt16(source * 2, true);
      else
        out[i * 2 + c] = Math.min(
          32767,
          Math.max(-32768, Math.round(view.getFloat32(source * 4, true) * 32767)),
        );
    }
  }
  return out;
}
