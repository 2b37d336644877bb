export { startEmulator } from './emulator.js';
export type { Emulator, EmulatorControl, EmulatorOptions } from './emulator.js';
export type { EmulatorSeed, SeedChannel, SeedGuild, SeedMember, SeedUser, SeedVoiceState } from './seed.js';
export { defaultSeed } from './seed.js';
export type { FaultScript, FaultStep } from './faultScript.js';
export { parseFaultScript } from './faultScript.js';
export type { DispatchStream, StreamOptions } from './dispatchStream.js';
export type { SessionInfo } from './gatewayServer.js';
export type { VoiceAllocation, VoiceProvider, VoiceServerInfo } from './voiceProvider.js';
export type { EmulatorClock } from './clock.js';
export type { SendLimit } from './sendRateLimit.js';
export { EmulatorClosedError, EmulatorError, FaultScriptError, SeedError } from './errors.js';
export { DaveInputError, DaveInputErrorCode, startVoiceServer } from './voice/index.js';
export type {
  MediaRelayCounters,
  NetworkConditions,
  DaveChannelState,
  DaveMemberState,
  VoiceE2EESetting,
  VoiceMemberInfo,
  VoiceServer,
  VoiceServerControl,
  VoiceServerDaveHooks,
  VoiceServerOptions,
  VoiceServerStats,
} from './voice/index.js';
