export { startEmulator } from './emulator.js';
export type { Emulator, EmulatorControl, EmulatorOptions, ReceivedDispatch } from './emulator.js';
export {
  BotActivity,
  FRAME_MS,
  HeardAudio,
  SimulatedInteraction,
  SimulatedUser,
  SimulatedUsers,
  VoiceRecording,
} from './users/index.js';
export type {
  CommandOption,
  CreateUserOptions,
  Heard,
  HeardStream,
  JoinVoiceOptions,
  OggSource,
  OpusFrames,
  PcmSource,
  PresenceStatus,
  SentMessage,
  SpeakSource,
  ToneMatchOptions,
  ToneSource,
} from './users/index.js';
export type { EmulatorSeed, SeedChannel, SeedGuild, SeedMember, SeedUser, SeedVoiceState } from './seed.js';
export { defaultSeed } from './seed.js';
export type { FaultScript, FaultStep } from './gateway/faultScript.js';
export { parseFaultScript } from './gateway/faultScript.js';
export type { DispatchStream, StreamOptions } from './gateway/dispatchStream.js';
export type { ResumeRecord, SessionInfo } from './gateway/gatewayServer.js';
export type { VoiceAllocation, VoiceProvider, VoiceServerInfo } from './voiceProvider.js';
export type { EmulatorClock } from './clock.js';
export type { SendLimit } from './gateway/sendRateLimit.js';
export { EmulatorClosedError, EmulatorError, FaultScriptError, ScenarioError, SeedError } from './errors.js';
export { LAST_BOT_MESSAGE, parseScenario, runScenario, syntheticOpusFrame } from './scenario/index.js';
export type {
  Scenario,
  ScenarioCommandOption,
  ScenarioRunOptions,
  ScenarioStatus,
  ScenarioStep,
  ScenarioStepResult,
  ScenarioUser,
} from './scenario/index.js';
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
export {
  ALL_PERMISSIONS,
  InteractionCallbackType,
  InteractionType,
  Permission,
  World,
  WorldError,
  WorldErrorCode,
} from './world/index.js';
export type {
  ApplicationCommand,
  CommandPermission,
  InteractionResponse,
  InteractionState,
  MessageInput,
  MessageState,
  WorldDispatch,
} from './world/index.js';
export type { RateLimitOptions } from './rest/rateLimits.js';
export type { RestFault, RestFaultMatch } from './rest/restFaults.js';
export type { RestControl, RestRequestRecord } from './rest/restServer.js';
