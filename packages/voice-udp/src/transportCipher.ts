import {
  AEAD_TAG_LENGTH,
  type AeadPrimitive,
  type SecretboxPrimitive,
  type TransportCryptoBackend,
} from './crypto/backend.js';
import { nodeCryptoBackend } from './crypto/node.js';
import { type Result, TransportCryptoError, err, ok } from './errors.js';
import { NonceCounter } from './nonceCounter.js';
import { RTP_FIXED_HEADER_LENGTH, isRtcpPacket, writeU32 } from './rtpPacket.js';

/**
 * Transport encryption modes (research/anchors.md 3.5; Discord docs "Transport Encryption Modes").
 * Preference order: AES-GCM is preferred, XChaCha20 is the one every server must offer, the
 * xsalsa20 modes were discontinued on 2024-11-18 and exist here for old captures and servers.
 */
export const TRANSPORT_ENCRYPTION_MODES = [
  'aead_aes256_gcm_rtpsize',
  'aead_xchacha20_poly1305_rtpsize',
  'xsalsa20_poly1305_lite_rtpsize',
  'xsalsa20_poly1305_lite',
  'xsalsa20_poly1305_suffix',
  'xsalsa20_poly1305',
] as const;

export type TransportEncryptionMode = (typeof TRANSPORT_ENCRYPTION_MODES)[number];

export function isTransportEncryptionMode(value: unknown): value is TransportEncryptionMode {
  return (TRANSPORT_ENCRYPTION_MODES as readonly unknown[]).includes(value);
}

/**
 * Pick the mode to put in SELECT_PROTOCOL from READY's `modes`: the first of `preference`
 * (default: AES-GCM then XChaCha, the two modes Discord still accepts) that the server offers.
 */
export function chooseTransportMode(
  offered: readonly string[],
  preference: readonly TransportEncryptionMode[] = [
    'aead_aes256_gcm_rtpsize',
    'aead_xchacha20_poly1305_rtpsize',
  ],
): TransportEncryptionMode | null {
  for (const mode of preference) if (offered.includes(mode)) return mode;
  return null;
}

/** Bytes each mode adds to a packet after the clear header. */
export function transportOverhead(mode: TransportEncryptionMode): number {
  switch (mode) {
    case 'xsalsa20_poly1305':
      return AEAD_TAG_LENGTH;
    case 'xsalsa20_poly1305_suffix':
      return AEAD_TAG_LENGTH + 24;
    default:
      return AEAD_TAG_LENGTH + 4;
  }
}

export interface TransportCipherOptions {
  /** Crypto implementation; default node:crypto with noble fallbacks. */
  readonly backend?: TransportCryptoBackend;
  /** Nonce counter for the counter-based modes; default a fresh one with a random start. */
  readonly nonce?: NonceCounter;
  /** Random bytes for `xsalsa20_poly1305_suffix`; default WebCrypto getRandomValues. */
  readonly randomBytes?: (out: Uint8Array) => void;
}

/**
 * One session key in one mode. Converts between a plain RTP/RTCP packet and its wire datagram.
 *
 * Which leading bytes stay clear depends on the mode: the `*_rtpsize` modes keep the fixed
 * header, CSRCs and the 4-byte extension preamble clear (and authenticate them as AAD in the AEAD
 * modes) and encrypt the extension body with the payload; the older modes keep only the fixed
 * 12 bytes clear. RTCP keeps its 8-byte header clear in every mode (songbird `decrypt_rtcp_in_place`).
 */
export interface TransportCipher {
  readonly mode: TransportEncryptionMode;
  /** Encrypt a plain RTP packet (header ‖ extension body ‖ payload ‖ padding) into a datagram. */
  encryptRtp(rtp: Uint8Array): Uint8Array;
  /** Decrypt an RTP datagram into the plain packet; `Result` error when short or forged. */
  decryptRtp(datagram: Uint8Array): Result<Uint8Array, TransportCryptoError>;
  /** Encrypt a plain RTCP packet (8-byte header clear). */
  encryptRtcp(rtcp: Uint8Array): Uint8Array;
  decryptRtcp(datagram: Uint8Array): Result<Uint8Array, TransportCryptoError>;
  /**
   * Lower-level send path: `clear` (already the right clear part for this mode, see
   * `clearLength`) followed by the encryption of `body`. Lets a sender skip building the plain
   * packet. Throws `NonceExhaustedError` when the counter is used up.
   */
  seal(clear: Uint8Array, body: Uint8Array): Uint8Array;
  /** Decrypt a datagram whose first `clearLength` bytes are clear; returns clear ‖ plaintext. */
  open(datagram: Uint8Array, clearLength: number): Result<Uint8Array, TransportCryptoError>;
  /** How many leading bytes of this plain RTP packet the mode leaves in clear (-1 if malformed). */
  clearLength(rtp: Uint8Array): number;
}

/** For the rtpsize modes: 12 + 4·CC + 4 if X, or -1 when the packet is too short for that. */
export function rtpsizeClearLength(bytes: Uint8Array): number {
  if (bytes.length < RTP_FIXED_HEADER_LENGTH) return -1;
  const b0 = bytes[0]!;
  const length = RTP_FIXED_HEADER_LENGTH + 4 * (b0 & 0x0f) + (b0 & 0x10 ? 4 : 0);
  return length <= bytes.length ? length : -1;
}

const RTCP_CLEAR_LENGTH = 8;

/**
 * Output datagrams are carved from a shared 16 KiB slab (as Node's Buffer pool does): a fresh
 * Uint8Array of packet size needs its own zeroed off-heap backing store, which costs several
 * times more per packet.
 * Each result is a plain Uint8Array view; every byte of it is written before it is returned.
 * A slab is never reused, only dropped when full, so one datagram never aliases another.
 * Packets larger than a quarter slab get their own buffer.
 */
const SLAB_SIZE = 16 * 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabOffset = 0;

function allocate(size: number): Uint8Array {
  if (size > SLAB_SIZE / 4) return new Uint8Array(size);
  if (slabOffset + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const view = new Uint8Array(slab, slabOffset, size);
  // keep views 8-byte aligned so DataView/TypedArray readers of the result stay fast
  slabOffset += (size + 7) & ~7;
  return view;
}

export function createTransportCipher(
  mode: TransportEncryptionMode,
  secretKey: Uint8Array | readonly number[],
  options: TransportCipherOptions = {},
): TransportCipher {
  if (!isTransportEncryptionMode(mode)) {
    throw new TransportCryptoError(
      'TRANSPORT_MODE_UNSUPPORTED',
      `unsupported transport encryption mode ${String(mode)}`,
    );
  }
  const key = Uint8Array.from(secretKey);
  if (key.length !== 32) {
    throw new TransportCryptoError('TRANSPORT_KEY_INVALID', `secret_key must be 32 bytes, got ${key.length}`);
  }
  const backend = options.backend ?? nodeCryptoBackend;
  const counter = options.nonce ?? new NonceCounter();
  const randomBytes =
    options.randomBytes ?? ((out: Uint8Array) => void globalThis.crypto.getRandomValues(out));
  const rtpsize = mode.endsWith('_rtpsize');
  const rtpClear = rtpsize
    ? rtpsizeClearLength
    : (rtp: Uint8Array) => (rtp.length >= RTP_FIXED_HEADER_LENGTH ? RTP_FIXED_HEADER_LENGTH : -1);

  let seal: (clear: Uint8Array, body: Uint8Array) => Uint8Array;
  let open: (datagram: Uint8Array, clearLength: number) => Result<Uint8Array, TransportCryptoError>;
  if (mode === 'aead_aes256_gcm_rtpsize' || mode === 'aead_xchacha20_poly1305_rtpsize') {
    const aead = mode === 'aead_aes256_gcm_rtpsize' ? backend.aes256gcm(key) : backend.xchacha20poly1305(key);
    ({ seal, open } = counterAead(aead, mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24, counter));
  } else {
    ({ seal, open } = secretboxMode(mode, backend.xsalsa20poly1305(key), counter, randomBytes));
  }
  key.fill(0);

  const split = (packet: Uint8Array, clearLength: number): Uint8Array => {
    if (clearLength < 0)
      throw new TransportCryptoError('TRANSPORT_PACKET_TOO_SHORT', 'packet too short for its header');
    return seal(packet.subarray(0, clearLength), packet.subarray(clearLength));
  };
  return {
    mode,
    seal,
    open,
    clearLength: rtpClear,
    encryptRtp: (rtp) => split(rtp, rtpClear(rtp)),
    decryptRtp(datagram) {
      const clearLength = rtpClear(datagram);
      if (clearLength < 0) return err(tooShort());
      return open(datagram, clearLength);
    },
    encryptRtcp: (rtcp) => split(rtcp, rtcp.length >= RTCP_CLEAR_LENGTH ? RTCP_CLEAR_LENGTH : -1),
    decryptRtcp(datagram) {
      if (!isRtcpPacket(datagram)) return err(tooShort());
      return open(datagram, RTCP_CLEAR_LENGTH);
    },
  };
}

function tooShort(): TransportCryptoError {
  return new TransportCryptoError(
    'TRANSPORT_PACKET_TOO_SHORT',
    'datagram too short for header, tag and nonce',
  );
}

function authFailed(): TransportCryptoError {
  return new TransportCryptoError('TRANSPORT_AUTH_FAILED', 'authentication tag did not verify');
}

/**
 * The AEAD rtpsize modes: datagram = clear ‖ ciphertext ‖ tag16 ‖ counter4, AAD = clear, and the
 * full nonce is counter4 ‖ zeros (12 bytes for AES-GCM, 24 for XChaCha). The received counter is
 * copied, never interpreted (a Discord client was seen writing it little-endian, anchors.md 3.5).
 */
function counterAead(aead: AeadPrimitive, nonceLength: number, counter: NonceCounter) {
  const sendNonce = new Uint8Array(nonceLength);
  const receiveNonce = new Uint8Array(nonceLength);
  return {
    seal(clear: Uint8Array, body: Uint8Array): Uint8Array {
      const value = counter.next();
      writeU32(sendNonce, 0, value);
      const out = allocate(clear.length + body.length + AEAD_TAG_LENGTH + 4);
      out.set(clear, 0);
      aead.sealInto(sendNonce, clear, body, out, clear.length);
      writeU32(out, out.length - 4, value);
      return out;
    },
    open(datagram: Uint8Array, clearLength: number): Result<Uint8Array, TransportCryptoError> {
      const length = datagram.length;
      const end = length - 4 - AEAD_TAG_LENGTH;
      if (clearLength < 0 || end < clearLength) return err(tooShort());
      // Counter bytes copied one by one: cheaper than set(subarray) for four bytes.
      receiveNonce[0] = datagram[length - 4]!;
      receiveNonce[1] = datagram[length - 3]!;
      receiveNonce[2] = datagram[length - 2]!;
      receiveNonce[3] = datagram[length - 1]!;
      const out = allocate(end);
      const clear = datagram.subarray(0, clearLength);
      out.set(clear, 0);
      const verified = aead.openInto(
        receiveNonce,
        clear,
        datagram.subarray(clearLength, end),
        datagram.subarray(end, end + AEAD_TAG_LENGTH),
        out,
        clearLength,
      );
      return verified ? ok(out) : err(authFailed());
    },
  };
}

/**
 * The discontinued secretbox modes: datagram = clear ‖ MAC16 ‖ ciphertext ‖ nonce trailer.
 *   xsalsa20_poly1305          nonce = clear header ‖ zeros, no trailer
 *   xsalsa20_poly1305_suffix   24 random bytes, sent as the trailer
 *   xsalsa20_poly1305_lite(_rtpsize)  counter4 ‖ zeros, counter4 sent as the trailer
 */
function secretboxMode(
  mode: TransportEncryptionMode,
  box: SecretboxPrimitive,
  counter: NonceCounter,
  randomBytes: (out: Uint8Array) => void,
) {
  const trailer = mode === 'xsalsa20_poly1305' ? 0 : mode === 'xsalsa20_poly1305_suffix' ? 24 : 4;
  const sendNonce = new Uint8Array(24);
  const receiveNonce = new Uint8Array(24);
  return {
    seal(clear: Uint8Array, body: Uint8Array): Uint8Array {
      if (trailer === 0) {
        sendNonce.fill(0);
        sendNonce.set(clear.subarray(0, 24), 0);
      } else if (trailer === 24) {
        randomBytes(sendNonce);
      } else {
        writeU32(sendNonce, 0, counter.next());
      }
      const out = allocate(clear.length + AEAD_TAG_LENGTH + body.length + trailer);
      out.set(clear, 0);
      box.sealInto(sendNonce, body, out, clear.length);
      if (trailer > 0) out.set(sendNonce.subarray(0, trailer), out.length - trailer);
      return out;
    },
    open(datagram: Uint8Array, clearLength: number): Result<Uint8Array, TransportCryptoError> {
      const end = datagram.length - trailer;
      if (clearLength < 0 || end - AEAD_TAG_LENGTH < clearLength) return err(tooShort());
      receiveNonce.fill(0);
      if (trailer === 0) receiveNonce.set(datagram.subarray(0, Math.min(clearLength, 24)), 0);
      else receiveNonce.set(datagram.subarray(end), 0);
      const out = allocate(end - AEAD_TAG_LENGTH);
      out.set(datagram.subarray(0, clearLength), 0);
      const verified = box.openInto(receiveNonce, datagram.subarray(clearLength, end), out, clearLength);
      return verified ? ok(out) : err(authFailed());
    },
  };
}
