export { BotActivity, type SentMessage } from './botActivity.js';
export {
  SimulatedInteraction,
  SimulatedUser,
  type CommandOption,
  type Heard,
  type PresenceStatus,
} from './simulatedUser.js';
export { SimulatedUsers, type CreateUserOptions } from './simulatedUsers.js';
export type { JoinVoiceOptions } from './voiceMember.js';
export type { OggSource, OpusFrames, PcmSource, SpeakSource, ToneSource } from './speakSource.js';
export { HeardAudio, type ToneMatchOptions } from './heardAudio.js';
export { FRAME_MS, type HeardStream, VoiceRecording } from './voiceRecording.js';
