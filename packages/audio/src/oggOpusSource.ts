import { AudioError, type OggError } from './errors.js';
import { OggOpusDemuxer } from './oggDemuxer.js';
import { opusPacketSamples } from './opusPacket.js';
import type { TrackUnit } from './trackUnit.js';

/**
 * Ogg Opus bytes → Opus packets, with no decoding (passthrough). Seeking is by granule
 * position: packets that end at or before the target (pre-skip accounted, RFC 7845 §4.2) are
 * skipped, so playback starts at most one packet before the target. Chained streams play one
 * after the other. Corrupt pages cost their packets and are reported through `onCorrupt`.
 */
export async function* oggOpusSource(
  bytes: AsyncIterable<Uint8Array>,
  startMs: number,
  onCorrupt: (error: OggError) => void,
): AsyncGenerator<TrackUnit[]> {
  const demuxer = new OggOpusDemuxer();
  const target = Math.max(0, Math.round(startMs * 48));
  let channels = 2;
  let preSkip = 0;
  // Audio time (after pre-skip) at the end of the previous chained streams, and in this one.
  let before = 0;
  let granule = 0;
  let heads = 0;
  // One batch per input chunk: the read-ahead then pays one async step per chunk, not per packet.
  const handle = (events: ReturnType<OggOpusDemuxer['push']>): TrackUnit[] => {
    const batch: TrackUnit[] = [];
    for (const e of events) {
      if (e.type === 'head') {
        if (heads > 0) before += Math.max(0, granule - preSkip);
        heads++;
        channels = e.head.channels;
        preSkip = e.head.preSkip;
        granule = 0;
      } else if (e.type === 'packet') {
        granule += opusPacketSamples(e.packet);
        if (before + granule - preSkip <= target) continue;
        batch.push({ kind: 'opus', opus: e.packet, channels });
      } else if (e.type === 'error') onCorrupt(e.error);
    }
    return batch;
  };
  for await (const chunk of bytes) {
    const batch = handle(demuxer.push(chunk));
    if (batch.length > 0) yield batch;
  }
  const last = handle(demuxer.end());
  if (last.length > 0) yield last;
  if (heads === 0) {
    throw new AudioError(
      'SOURCE_FAILED',
      'no Ogg Opus stream in this input (another codec? play it with type "ffmpeg")',
    );
  }
}
