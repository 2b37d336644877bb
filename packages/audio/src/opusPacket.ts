/**
 * What the Opus TOC byte says about a packet's duration (RFC 6716 §3.1), in 48 kHz samples.
 * Ogg granule positions and seeking count samples, so the muxer and the player need this
 * without decoding anything.
 */
const SILK_HYBRID_CELT_SAMPLES = [
  // SILK NB / MB / WB: 10, 20, 40, 60 ms
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880,
  // Hybrid SWB / FB: 10, 20 ms
  480, 960, 480, 960,
  // CELT NB / WB / SWB / FB: 2.5, 5, 10, 20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];

/** Samples per channel at 48 kHz in this packet, or 0 when the packet is empty or malformed. */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const toc = packet[0]!;
  const perFrame = SILK_HYBRID_CELT_SAMPLES[toc >> 3]!;
  let frames: number;
  switch (toc & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (packet.length < 2) return 0;
      frames = packet[1]! & 0x3f;
  }
  const samples = perFrame * frames;
  // §3.2.5: a packet holds at most 120 ms.
  return samples > 5760 ? 0 : samples;
}
