/**
 * Every failure this package reports is a `VoiceUdpError` with a stable `code`. Decoders of
 * network input return these inside a `Result` instead of throwing; only programmer errors
 * (bad arguments to a builder) and exhausted nonces are thrown.
 * Messages never carry key material or packet plaintext.
 */
export type VoiceUdpErrorCode =
  | 'IP_DISCOVERY_MALFORMED'
  | 'IP_DISCOVERY_TIMEOUT'
  | 'RTP_MALFORMED'
  | 'TRANSPORT_PACKET_TOO_SHORT'
  | 'TRANSPORT_AUTH_FAILED'
  | 'TRANSPORT_MODE_UNSUPPORTED'
  | 'TRANSPORT_KEY_INVALID'
  | 'NONCE_EXHAUSTED'
  | 'INVALID_ARGUMENT'
  | 'SOCKET_CLOSED';

export class VoiceUdpError extends Error {
  readonly code: VoiceUdpErrorCode;
  constructor(code: VoiceUdpErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A 74-byte IP discovery datagram that is not what research/anchors.md 3.2 describes. */
export class IpDiscoveryError extends VoiceUdpError {
  constructor(
    message: string,
    code: 'IP_DISCOVERY_MALFORMED' | 'IP_DISCOVERY_TIMEOUT' = 'IP_DISCOVERY_MALFORMED',
  ) {
    super(code, message);
  }
}

/** An RTP (RFC 3550 §5.1) packet whose header, CSRC list, extension or padding does not fit. */
export class RtpPacketError extends VoiceUdpError {
  constructor(message: string) {
    super('RTP_MALFORMED', message);
  }
}

/** Transport decryption failed: too short to hold tag and nonce, or the tag did not verify. */
export class TransportCryptoError extends VoiceUdpError {
  constructor(
    code:
      | 'TRANSPORT_PACKET_TOO_SHORT'
      | 'TRANSPORT_AUTH_FAILED'
      | 'TRANSPORT_MODE_UNSUPPORTED'
      | 'TRANSPORT_KEY_INVALID',
    message: string,
  ) {
    super(code, message);
  }
}

/**
 * The nonce counter has handed out all 2^32 values under this key. Reusing one would break the
 * AEAD, so the sender stops; a new key (a new SELECT_PROTOCOL / session) is needed.
 */
export class NonceExhaustedError extends VoiceUdpError {
  constructor() {
    super(
      'NONCE_EXHAUSTED',
      'transport nonce counter exhausted under this key; a new session key is required',
    );
  }
}

export type Result<T, E = VoiceUdpError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
