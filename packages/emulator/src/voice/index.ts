export {
  startVoiceServer,
  type VoiceServer,
  type VoiceServerOptions,
  type VoiceServerControl,
  type VoiceServerStats,
  type VoiceServerDaveHooks,
  type VoiceMemberInfo,
} from './voiceServer.js';
export type { NetworkConditions } from './networkConditions.js';
export type { FrameDelayTimer } from './frameDelay.js';
export type { MediaRelayCounters } from './mediaRelay.js';
export type { VoiceE2EESetting } from './dave/e2eeSetting.js';
export type { DaveChannelState, DaveMemberState } from './dave/daveChannel.js';
export { DaveInputError, DaveInputErrorCode } from './dave/daveInputError.js';
