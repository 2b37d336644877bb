export {
  AudioError,
  OggError,
  OpusCodecError,
  FfmpegError,
  type AudioErrorCode,
} from './errors.js';
export { oggCrc32 } from './oggCrc.js';
export {
  OGG_CAPTURE,
  OGG_MAX_PAGE_LENGTH,
  OGG_NO_GRANULE,
  readOggPage,
  writeOggPage,
  type OggPage,
  type OggPageRead,
} from './oggPage.js';
export {
  isOpusHead,
  isOpusTags,
  parseOpusHead,
  parseOpusTags,
  writeOpusHead,
  writeOpusTags,
  type OpusHead,
  type OpusTags,
} from './opusHead.js';
export { opusPacketSamples } from './opusPacket.js';
export {
  OggOpusDemuxer,
  demuxOggOpus,
  type OggOpusEvent,
  type OggDemuxerOptions,
  type OggDemuxerStats,
} from './oggDemuxer.js';
export { OggOpusMuxer, type OggOpusMuxerOptions } from './oggMuxer.js';
