/**
 * Every failure this package reports is an `AudioError` with a stable `code`. Parsers of input
 * (Ogg pages, Opus packets from the network) report these and carry on; only programmer errors
 * (bad arguments) are thrown at the call site.
 */
export type AudioErrorCode =
  | 'OGG_CRC_MISMATCH'
  | 'OGG_BAD_PAGE'
  | 'OGG_PAGE_GAP'
  | 'OGG_BAD_OPUS_HEAD'
  | 'OGG_BAD_OPUS_TAGS'
  | 'OGG_PACKET_TOO_LARGE'
  | 'OGG_TRUNCATED'
  | 'OPUS_CODEC_UNAVAILABLE'
  | 'OPUS_ENCODE_FAILED'
  | 'OPUS_DECODE_FAILED'
  | 'FFMPEG_NOT_FOUND'
  | 'FFMPEG_FAILED'
  | 'SOURCE_FAILED'
  | 'INVALID_ARGUMENT';

export class AudioError extends Error {
  readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An Ogg page or Opus header that breaks RFC 3533 / RFC 7845; the demuxer skips it and resyncs. */
export class OggError extends AudioError {}

/** The Opus codec could not be loaded, or refused a frame. */
export class OpusCodecError extends AudioError {}

/**
 * ffmpeg is needed for this input (anything that is not Ogg Opus, raw Opus or PCM) and was not
 * found, or it failed. The message says how to install it; ffmpeg is never a dependency.
 */
export class FfmpegError extends AudioError {}
