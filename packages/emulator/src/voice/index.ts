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
