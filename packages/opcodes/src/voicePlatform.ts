/**
 * The platform a voice user is connected from, carried by voice op 20 PLATFORM (`d.platform`).
 * Seed 000, "Platform Type" table (whose section notes "description is a guess").
 */
export const VoicePlatform = {
  DESKTOP: 0,
  MOBILE: 1,
  XBOX: 2,
  PLAYSTATION: 3,
} as const;

export type VoicePlatformName = keyof typeof VoicePlatform;
export type VoicePlatformValue = (typeof VoicePlatform)[VoicePlatformName];
