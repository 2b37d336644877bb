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
export {
  OPUS_SAMPLE_RATE,
  OPUS_FRAME_SAMPLES,
  opusBackend,
  type OpusBackendChoice,
  type OpusCodecBackend,
  type OpusFrameEncoder,
  type OpusFrameDecoder,
} from './opusCodec.js';
export { OpusEncoder, type OpusEncoderOptions } from './opusEncoder.js';
export { OpusDecoder, type OpusDecoderOptions } from './opusDecoder.js';
export { softClip, mixFrames, type MixInput } from './mixer.js';
export {
  AudioTrack,
  type TrackState,
  type TrackEndReason,
  type TrackOptions,
  type TrackStats,
  type OpusFrames,
} from './audioTrack.js';
export {
  AudioPlayer,
  type AudioPlayerEvents,
  type AudioPlayerOptions,
  type AudioPlayerStats,
  type PlayerStatus,
} from './audioPlayer.js';
export type { AudioInput, AudioInputType } from './trackInput.js';
export { probeFfmpeg, FFMPEG_INSTALL_HINT } from './ffmpegSource.js';
export {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type SlotContent,
} from './jitterBuffer.js';
export {
  AudioReceiver,
  type AudioReceiverEvents,
  type AudioReceiverOptions,
  type ReceivedOpusFrame,
  type ReceiverTick,
  type UserSlot,
  type UserReceiveStats,
} from './audioReceiver.js';
export { Recorder, type RecorderOptions, type RecordingSummary } from './recorder.js';
export { decodeOpusFrames, dominantFrequency, goertzel, rms } from './toneAnalysis.js';
