/**
 * What a simulated user heard in a voice call: the Opus frames each sender's SSRC delivered, in
 * playout order, and the slots lost on the way. 20 ms per frame is Discord's framing (48 kHz,
 * 960 samples per packet), so a count of frames is a duration.
 */

/** Milliseconds of audio in one Opus frame as Discord sends it. */
export const FRAME_MS = 20;

/** Opus "silence" frame every Discord client sends when it stops talking. */
const SILENCE = [0xf8, 0xff, 0xfe];

export interface HeardStream {
  ssrc: number;
  userId: string;
  /** Every frame that arrived, trailing silence frames included. */
  frames: Uint8Array[];
  /** Slots the playout buffer gave up on. */
  lost: number;
}

export function isSilenceFrame(opus: Uint8Array): boolean {
  return opus.length === 3 && opus[0] === SILENCE[0] && opus[1] === SILENCE[1] && opus[2] === SILENCE[2];
}

export class VoiceRecording {
  private readonly streams = new Map<number, HeardStream>();

  /** Called for every frame the voice client hands up; `opus` null is a lost slot. */
  add(frame: { ssrc: number; userId: string; opus: Uint8Array | null }): void {
    let stream = this.streams.get(frame.ssrc);
    if (!stream) {
      stream = { ssrc: frame.ssrc, userId: frame.userId, frames: [], lost: 0 };
      this.streams.set(frame.ssrc, stream);
    }
    if (frame.userId) stream.userId = frame.userId;
    if (frame.opus === null) stream.lost += 1;
    else stream.frames.push(frame.opus);
  }

  /** Streams by SSRC, optionally only one sender's. */
  bySsrc(userId?: string): HeardStream[] {
    return [...this.streams.values()].filter((s) => userId === undefined || s.userId === userId);
  }

  /** Frames heard (from one sender, or from everyone), silence frames excluded. */
  frames(userId?: string): Uint8Array[] {
    return this.bySsrc(userId).flatMap((s) => s.frames.filter((f) => !isSilenceFrame(f)));
  }

  /** Milliseconds of non-silent audio heard, from one sender or from everyone. */
  durationMs(userId?: string): number {
    return this.frames(userId).length * FRAME_MS;
  }

  clear(): void {
    this.streams.clear();
  }
}
