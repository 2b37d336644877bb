export { DaveSession, SessionStatus } from './session.js';
export type {
  DaveSessionOptions,
  ProposalsResult,
  SigningKeyPair,
  TransitionResult,
} from './session.js';
export { DaveError } from './errors.js';
export { DaveSessionError, DaveSessionErrorCode } from './sessionErrors.js';
export { DaveFrameError, DaveFrameErrorCode } from './frameErrors.js';
export { DAVE_PROTOCOL_VERSION } from './mlsParameters.js';
export { ProposalsOperationType, splitCommitWelcome } from './mlsWire.js';
export { ExternalSender, proposalRef } from './externalSender.js';
export { fastCryptoProvider, generateP256KeyPair } from './providerFast.js';
export { Codec, MediaType, type DaveClock } from './media.js';
export type { DecryptionStats } from './frameDecryptor.js';
export type { EncryptionStats } from './frameEncryptor.js';
export { generateDisplayableCode } from './codes.js';
export { generateKeyFingerprint, generatePairwiseFingerprint } from './fingerprint.js';
export { ExternalSenderGroup } from './externalSenderGroup.js';
