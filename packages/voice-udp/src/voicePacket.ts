import type { VoiceUdpError } from './errors.js';
import { type Result, RtpPacketError, err, ok } from './errors.js';
import {
  type RtpHeaderInit,
  type RtpPacket,
  buildRtpPacket,
  readRtpHeader,
  rtpPayloadEnd,
} from './rtpPacket.js';
import type { TransportCipher } from './transportCipher.js';

/** A decrypted RTP datagram: the parsed packet plus the whole plain packet for re-encryption. */
export interface DecryptedVoicePacket extends RtpPacket {
  /** Plain RTP packet (header ‖ extension body ‖ payload ‖ padding); `cipher.encryptRtp(rtp)` re-seals it. */
  readonly rtp: Uint8Array;
}

/**
 * Datagram → transport decryption → RTP parse, with the extension body and padding stripped from
 * `payload`. Every failure (short, forged, malformed) is a `Result` error, never a throw.
 * An SFU forwards with `receiverCipher.encryptRtp(decrypted.rtp)`: CSRCs and the extension survive.
 */
export function decryptVoicePacket(
  cipher: TransportCipher,
  datagram: Uint8Array,
): Result<DecryptedVoicePacket, VoiceUdpError> {
  const plain = cipher.decryptRtp(datagram);
  if (!plain.ok) return plain;
  const rtp = plain.value;
  // The header is parsed once, straight into the result: no intermediate packet, no spread.
  const header = readRtpHeader(rtp);
  if (header instanceof RtpPacketError) return err(header);
  const start = header.headerLength;
  const end = rtpPayloadEnd(header, rtp, start);
  if (end instanceof RtpPacketError) return err(end);
  const extensionEnd = start + 4 * header.extensionWords;
  return ok({
    header,
    extensionBody: rtp.subarray(start, extensionEnd),
    payload: rtp.subarray(extensionEnd, end),
    rtp,
  });
}

/** Build and encrypt one RTP packet (the general path; `VoiceSender` has a leaner one for Opus). */
export function encryptVoicePacket(
  cipher: TransportCipher,
  header: RtpHeaderInit,
  payload: Uint8Array,
  options: { extensionBody?: Uint8Array; paddingLength?: number } = {},
): Uint8Array {
  return cipher.encryptRtp(buildRtpPacket(header, payload, options));
}
