/**
 * Per-user voice flags carried by voice op 18 FLAGS (`d.flags`). Seed 000, "Voice Flags" table.
 * The seed gives no descriptions; the names are all we know.
 */
export const VoiceFlags = {
  CLIPS_ENABLED: 1 << 0,
  ALLOW_VOICE_RECORDING: 1 << 1,
  ALLOW_ANY_VIEWER_CLIPS: 1 << 2,
} as const;

export type VoiceFlagName = keyof typeof VoiceFlags;
