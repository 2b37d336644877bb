export {
  VoiceUdpError,
  IpDiscoveryError,
  RtpPacketError,
  TransportCryptoError,
  NonceExhaustedError,
  type VoiceUdpErrorCode,
  type Result,
} from './errors.js';
export {
  IP_DISCOVERY_PACKET_LENGTH,
  buildIpDiscoveryRequest,
  buildIpDiscoveryResponse,
  parseIpDiscoveryRequest,
  parseIpDiscoveryResponse,
  answerIpDiscovery,
  type IpDiscoveryRequest,
  type IpDiscoveryResponse,
} from './ipDiscovery.js';
export {
  OPUS_PAYLOAD_TYPE,
  OPUS_FRAME_SAMPLES,
  ONE_BYTE_EXTENSION_PROFILE,
  isRtcpPacket,
  parseRtpHeader,
  parseRtpPacket,
  splitRtpBody,
  buildRtpPacket,
  writeRtpHeader,
  encodeOneByteExtensions,
  parseOneByteExtensions,
  parseRtcpHeader,
  type RtpHeader,
  type RtpHeaderInit,
  type RtpPacket,
  type RtpHeaderExtensionElement,
  type RtcpHeader,
} from './rtpPacket.js';
export {
  TRANSPORT_ENCRYPTION_MODES,
  isTransportEncryptionMode,
  chooseTransportMode,
  createTransportCipher,
  transportOverhead,
  type TransportEncryptionMode,
  type TransportCipher,
  type TransportCipherOptions,
} from './transportCipher.js';
export { decryptVoicePacket, encryptVoicePacket, type DecryptedVoicePacket } from './voicePacket.js';
export { NonceCounter } from './nonceCounter.js';
export type { TransportCryptoBackend, AeadPrimitive, SecretboxPrimitive } from './crypto/backend.js';
export { nodeCryptoBackend } from './crypto/node.js';
export { nobleCryptoBackend } from './crypto/noble.js';
export {
  KEEPALIVE_INTERVAL_MS,
  buildKeepalive,
  parseKeepalive,
  type Keepalive,
} from './keepalive.js';
export {
  SILENCE_FRAME,
  SILENCE_FRAMES_BEFORE_GAP,
  isSilenceFrame,
  type FrameTransform,
} from './frameHook.js';
export {
  SendClock,
  systemTimer,
  type ClockTimer,
  type ClockParticipant,
  type SendClockOptions,
  type SendClockStats,
} from './sendClock.js';
export { VoiceSender, type VoiceSenderOptions, type VoiceSenderStats } from './voiceSender.js';
export {
  PlayoutBuffer,
  type PlayoutBufferOptions,
  type PlayoutEntry,
  type PlayoutStats,
} from './playoutBuffer.js';
export {
  VoiceReceiver,
  type VoiceReceiverOptions,
  type VoiceReceiverStats,
  type ReceivedFrame,
  type ReceivedRtcp,
  type DropReason,
} from './voiceReceiver.js';
export {
  VoiceUdpSocket,
  type VoiceUdpSocketOptions,
  type VoiceUdpSocketStats,
  type VoiceUdpSocketEvents,
} from './voiceUdpSocket.js';
