/**
 * Speaking bitfield of voice op 5 (`d.speaking`). Seed 003 (AsyncAPI Speaking: "1=Microphone,
 * 2=Soundshare, 4=Priority"). A client sends a non-zero value before its first audio packet
 * (research/anchors.md 3.3).
 */
export const SpeakingFlags = {
  /** Normal transmission of voice audio. */
  MICROPHONE: 1 << 0,
  /** Transmission of context audio for video, no speaking indicator. */
  SOUNDSHARE: 1 << 1,
  /** Priority speaker: lowers the audio of other speakers. */
  PRIORITY: 1 << 2,
} as const;

export type SpeakingFlagName = keyof typeof SpeakingFlags;
