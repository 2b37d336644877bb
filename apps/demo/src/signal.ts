/**
 * What the demo measures in audio: Ogg Opus files read back and decoded; the measurements
 * themselves (RMS, Goertzel, dominant pitch) are @cordwire/audio's.
 */
import { readFileSync } from 'node:fs';
import { decodeOpusFrames, demuxOggOpus } from '@cordwire/audio';

export { decodeOpusFrames as decodePackets, dominantFrequency, goertzel, rms } from '@cordwire/audio';

const RATE = 48_000;

export interface OggOpusFile {
  readonly packets: Uint8Array[];
  /** Playback length: last granule position minus pre-skip, at 48 kHz (RFC 7845 §4). */
  readonly durationMs: number;
  readonly pcm: Int16Array;
}

export function readOggOpus(path: string): OggOpusFile {
  const packets: Uint8Array[] = [];
  let preSkip = 0;
  let granule = 0n;
  for (const event of demuxOggOpus(readFileSync(path))) {
    if (event.type === 'head') preSkip = event.head.preSkip;
    if (event.type === 'packet') {
      packets.push(event.packet);
      if (event.granule !== null && event.granule >= 0n) granule = event.granule;
    }
  }
  const pcm = decodeOpusFrames(packets).subarray(preSkip * 2);
  return { packets, durationMs: (Number(granule) - preSkip) / (RATE / 1000), pcm };
}
