export { BotActivity, type SentMessage } from './botActivity.js';
export {
  SimulatedInteraction,
  SimulatedUser,
  type CommandOption,
  type PresenceStatus,
} from './simulatedUser.js';
export { SimulatedUsers, type CreateUserOptions } from './simulatedUsers.js';
export type { JoinVoiceOptions, OpusFrames } from './voiceMember.js';
export { FRAME_MS, type HeardStream, VoiceRecording } from './voiceRecording.js';
