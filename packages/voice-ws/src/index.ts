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
  VoiceDisconnectReason,
} from './voiceConnection.js';
export type {
  VoiceAdapter,
  VoiceAdapterCreator,
  VoiceAdapterLibraryMethods,
  VoiceServerUpdateData,
  VoiceStateUpdateData,
  VoiceStateUpdatePayload,
} from './adapter.js';
export {
  E2EERequiredError,
  VoiceCloseError,
  VoiceConnectionError,
  VoiceProtocolError,
  VoiceWsError,
} from './errors.js';
export { decodeVoiceMessage } from './payloads.js';
export { VoiceSessionKey } from './sessionKey.js';
export type * from './payloads.js';
