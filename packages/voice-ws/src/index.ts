export { VoiceGatewayCore, voiceReceiveEventNames, ZOMBIE_CLOSE_CODE } from './voiceGatewayCore.js';
export type {
  VoiceGatewayAction,
  VoiceGatewayCoreOptions,
  VoiceGatewayCounters,
  VoiceGatewayPhase,
  VoiceReceiveEvent,
  VoiceReceiveEventMap,
  VoiceReceiveEventName,
  VoiceSessionCredentials,
} from './voiceGatewayCore.js';
export { VoiceGateway } from './voiceGateway.js';
export type {
  VoiceGatewayCloseInfo,
  VoiceGatewayEndInfo,
  VoiceGatewayEvents,
  VoiceGatewayOptions,
  VoiceGatewayTimers,
} from './voiceGateway.js';
export { joinVoiceChannel, VoiceConnection } from './voiceConnection.js';
export type {
  VoiceConnectionEvents,
  VoiceConnectionOptions,
  VoiceConnectionState,
  VoiceConnectionStats,
  VoiceConnectionStatus,
  VoiceDaveOptions,
  VoiceDisconnectReason,
} from './voiceConnection.js';
export { DaveController, DEFAULT_DECRYPT_FAILURE_TOLERANCE } from './dave/daveController.js';
export type {
  DaveControllerEvents,
  DaveControllerOptions,
  DaveDecryptFailure,
  DaveReceiveStats,
  DaveRecoveryInfo,
  DaveStats,
  DaveTransitionInfo,
} from './dave/daveController.js';
export type {
  DaveProposalsResult,
  DaveSessionFactory,
  DaveSessionLike,
  DaveTransitionResult,
} from './dave/daveSession.js';
export { cordwireDaveSessionFactory } from './dave/defaultSession.js';
export { daveyDaveSessionFactory } from './dave/daveyAdapter.js';
export type { DaveyDAVESession, DaveyModule } from './dave/daveyAdapter.js';
export type {
  VoiceAdapter,
  VoiceAdapterCreator,
  VoiceAdapterLibraryMethods,
  VoiceServerUpdateData,
  VoiceStateUpdateData,
  VoiceStateUpdatePayload,
} from './adapter.js';
export {
  DaveNotReadyError,
  E2EERequiredError,
  VoiceCloseError,
  VoiceConnectionError,
  VoiceProtocolError,
  VoiceWsError,
} from './errors.js';
export { decodeVoiceMessage } from './payloads.js';
export { VoiceSessionKey } from './sessionKey.js';
export type * from './payloads.js';
