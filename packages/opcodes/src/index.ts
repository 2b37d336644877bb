export * from './closeCodes.js';
export * from './gatewayOpcodes.js';
export * from './voiceOpcodes.js';
export * from './voiceBinary.js';
export * from './etf.js';
export {
  type OpcodeDirection,
  type OpcodeInfo,
  type OpcodeGap,
  normalizeOpcodeName,
} from './opcodeCatalog.js';
export * from './gatewayIntents.js';
export * from './voiceFlags.js';
export * from './voicePlatform.js';
export * from './speakingFlags.js';
export * from './encryptionModes.js';
export type * from './gatewayPayloads.js';
export type * from './voicePayloads.js';
export * from './payloadDecodeError.js';
export {
  type DecodeOptions,
  type Sender as PayloadSender,
  GATEWAY_DEFAULT_MAX_LENGTH,
  GATEWAY_MAX_CLIENT_PAYLOAD_BYTES,
  decodeGatewayPayload,
  decodeGatewayReady,
  encodeGatewayClientPayload,
  encodeGatewayDispatch,
  encodeGatewayServerPayload,
} from './gatewayCodec.js';
export {
  VOICE_DEFAULT_MAX_LENGTH,
  decodeVoicePayload,
  encodeVoiceClientPayload,
  encodeVoiceServerPayload,
} from './voiceCodec.js';
