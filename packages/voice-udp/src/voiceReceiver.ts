import { RtpPacketError, type VoiceUdpError } from './errors.js';
import { type FrameTransform, isSilenceFrame } from './frameHook.js';
import { parseKeepalive } from './keepalive.js';
import { PlayoutBuffer, type PlayoutBufferOptions, type PlayoutStats } from './playoutBuffer.js';
import { type RtcpHeader, isRtcpPacket, parseRtcpHeader, readU32 } from './rtpPacket.js';
import type { TransportCipher } from './transportCipher.js';
import { decryptVoicePacket } from './voicePacket.js';

/** One Opus frame (or a lost slot) from one speaker, in sequence order. */
export interface ReceivedFrame {
  readonly ssrc: number;
  readonly userId: string;
  readonly sequence: number;
  /** RTP timestamp; null for a lost slot. */
  readonly timestamp: number | null;
  /** Opus after the inbound frame hook; null when the packet was lost (conceal it). */
  readonly opus: Uint8Array | null;
}

export interface ReceivedRtcp {
  readonly header: RtcpHeader;
  /** The whole RTCP packet, decrypted. */
  readonly packet: Uint8Array;
}

export type DropReason =
  | 'not_rtp'
  | 'unknown_ssrc'
  | 'no_cipher'
  | 'too_short'
  | 'auth_failed'
  | 'malformed'
  | 'frame_hook'
  | 'payload_type';

export interface VoiceReceiverOptions {
  readonly cipher?: TransportCipher;
  /** DAVE decrypt goes here; silence frames bypass it. */
  readonly transform?: FrameTransform;
  readonly playout?: PlayoutBufferOptions;
  readonly onFrame?: (frame: ReceivedFrame) => void;
  readonly onRtcp?: (rtcp: ReceivedRtcp) => void;
  /** Every dropped datagram, with why (the error never carries key or plaintext). */
  readonly onDrop?: (reason: DropReason, error?: VoiceUdpError | unknown) => void;
  /** Accept only this RTP payload type (Opus, 120); null accepts any. */
  readonly payloadType?: number | null;
  /** Clock for `flushIdle`; default performance.now(). */
  readonly now?: () => number;
}

export interface VoiceReceiverStats {
  readonly rtp: number;
  readonly rtcp: number;
  readonly keepalive: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
}

interface Stream {
  readonly userId: string;
  lastPacketAt: number;
  readonly playout: PlayoutBuffer<{ timestamp: number; opus: Uint8Array }>;
}

/**
 * The receive side, sans-IO: feed it every datagram from the socket. RTP from a known SSRC is
 * decrypted, stripped of extension body and padding, passed through the inbound frame hook and
 * a per-SSRC playout buffer, then delivered in order through `onFrame`. RTCP goes to `onRtcp`.
 * Everything else is dropped and counted by reason; nothing here throws on network input.
 * SSRC → user mapping comes from the voice-ws layer (op 5 SPEAKING carries both).
 */
export class VoiceReceiver {
  #cipher: TransportCipher | undefined;
  #transform: FrameTransform | undefined;
  readonly #options: VoiceReceiverOptions;
  readonly #streams = new Map<number, Stream>();
  #rtp = 0;
  #rtcp = 0;
  #keepalive = 0;
  readonly #dropped: Record<DropReason, number> = {
    not_rtp: 0,
    unknown_ssrc: 0,
    no_cipher: 0,
    too_short: 0,
    auth_failed: 0,
    malformed: 0,
    frame_hook: 0,
    payload_type: 0,
  };

  readonly #now: () => number;

  constructor(options: VoiceReceiverOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#cipher = options.cipher;
    this.#transform = options.transform;
  }

  /** Install or remove the frame hook (DAVE attaches once its session is ready). */
  setTransform(transform: FrameTransform | undefined): void {
    this.#transform = transform;
  }

  /** Set (or replace, after a new SESSION_DESCRIPTION) the transport cipher. */
  setCipher(cipher: TransportCipher | undefined): void {
    this.#cipher = cipher;
  }

  /**
   * Map an SSRC to a user (from SPEAKING). A new user for a known SSRC starts a fresh stream.
   * A user has one audio SSRC: mapping them to a new one (they rejoined) retires the old stream,
   * so streams stay bounded by the users in the call however often SPEAKING changes SSRCs.
   */
  mapSsrc(ssrc: number, userId: string): void {
    const existing = this.#streams.get(ssrc);
    if (existing?.userId === userId) return;
    if (existing) this.#deliver(ssrc, existing, existing.playout.flush());
    for (const [other, stream] of this.#streams) {
      if (other !== ssrc && stream.userId === userId) {
        this.#deliver(other, stream, stream.playout.flush());
        this.#streams.delete(other);
      }
    }
    this.#streams.set(ssrc, {
      userId,
      lastPacketAt: this.#now(),
      playout: new PlayoutBuffer(this.#options.playout),
    });
  }

  /** Forget a user's SSRCs (CLIENT_DISCONNECT), delivering what their buffer still holds. */
  removeUser(userId: string): void {
    for (const [ssrc, stream] of this.#streams) {
      if (stream.userId === userId) {
        this.#deliver(ssrc, stream, stream.playout.flush());
        this.#streams.delete(ssrc);
      }
    }
  }

  userForSsrc(ssrc: number): string | undefined {
    return this.#streams.get(ssrc)?.userId;
  }

  /** Release held frames (declaring gaps lost), e.g. when a speaker stops or on shutdown. */
  flush(ssrc?: number): void {
    for (const [key, stream] of this.#streams) {
      if (ssrc === undefined || key === ssrc) this.#deliver(key, stream, stream.playout.flush());
    }
  }

  /**
   * Release what streams that have been quiet for `idleMs` still hold (a speaker stopped right
   * after a gap, or a spurt shorter than the playout depth). Call it from a timer or a clock tick.
   */
  flushIdle(idleMs = 100): void {
    const now = this.#now();
    for (const [ssrc, stream] of this.#streams) {
      if (now - stream.lastPacketAt >= idleMs && stream.playout.stats.held > 0) {
        this.#deliver(ssrc, stream, stream.playout.flush());
      }
    }
  }

  playoutStats(ssrc: number): PlayoutStats | undefined {
    return this.#streams.get(ssrc)?.playout.stats;
  }

  /** SSRCs currently mapped to users. */
  get streamCount(): number {
    return this.#streams.size;
  }

  get stats(): VoiceReceiverStats {
    return { rtp: this.#rtp, rtcp: this.#rtcp, keepalive: this.#keepalive, dropped: { ...this.#dropped } };
  }

  /** Handle one datagram; returns what it was. */
  handleDatagram(datagram: Uint8Array): 'rtp' | 'rtcp' | 'keepalive' | 'dropped' {
    if (isRtcpPacket(datagram)) return this.#handleRtcp(datagram);
    if (datagram.length < 12 || datagram[0]! >> 6 !== 2) {
      if (parseKeepalive(datagram) !== null) {
        this.#keepalive++;
        return 'keepalive';
      }
      // IP discovery replies and anything else that is not RTP v2.
      return this.#drop('not_rtp');
    }
    const expectedType = this.#options.payloadType === undefined ? 120 : this.#options.payloadType;
    if (expectedType !== null && (datagram[1]! & 0x7f) !== expectedType) return this.#drop('payload_type');
    // The SSRC is clear in every mode, so an unknown sender costs no decryption.
    const ssrc = readU32(datagram, 8);
    const stream = this.#streams.get(ssrc);
    if (!stream) return this.#drop('unknown_ssrc');
    const cipher = this.#cipher;
    if (!cipher) return this.#drop('no_cipher');
    // One pass: decrypt, then the header parsed once into the packet (see decryptVoicePacket).
    const packet = decryptVoicePacket(cipher, datagram);
    if (!packet.ok) {
      const error = packet.error;
      // Transport errors count as before (auth failure, else too short); RTP errors are malformed.
      const reason =
        error instanceof RtpPacketError
          ? 'malformed'
          : error.code === 'TRANSPORT_AUTH_FAILED'
            ? 'auth_failed'
            : 'too_short';
      return this.#drop(reason, error);
    }
    let opus: Uint8Array | null = packet.value.payload;
    const transform = this.#transform;
    if (transform?.transformInbound && !isSilenceFrame(opus)) {
      try {
        opus = transform.transformInbound(stream.userId, opus);
      } catch (error) {
        return this.#drop('frame_hook', error);
      }
      if (opus === null) return this.#drop('frame_hook');
    }
    this.#rtp++;
    stream.lastPacketAt = this.#now();
    const header = packet.value.header;
    this.#deliver(ssrc, stream, stream.playout.push(header.sequence, { timestamp: header.timestamp, opus }));
    return 'rtp';
  }

  #handleRtcp(datagram: Uint8Array): 'rtcp' | 'dropped' {
    const cipher = this.#cipher;
    if (!cipher) return this.#drop('no_cipher');
    const plain = cipher.decryptRtcp(datagram);
    if (!plain.ok) {
      return this.#drop(
        plain.error.code === 'TRANSPORT_AUTH_FAILED' ? 'auth_failed' : 'too_short',
        plain.error,
      );
    }
    const header = parseRtcpHeader(plain.value);
    if (!header.ok) return this.#drop('malformed', header.error);
    this.#rtcp++;
    this.#options.onRtcp?.({ header: header.value, packet: plain.value });
    return 'rtcp';
  }

  #deliver(
    ssrc: number,
    stream: Stream,
    entries: readonly { sequence: number; value: { timestamp: number; opus: Uint8Array } | null }[],
  ): void {
    const onFrame = this.#options.onFrame;
    if (!onFrame) return;
    for (const entry of entries) {
      onFrame({
        ssrc,
        userId: stream.userId,
        sequence: entry.sequence,
        timestamp: entry.value?.timestamp ?? null,
        opus: entry.value?.opus ?? null,
      });
    }
  }

  #drop(reason: DropReason, error?: unknown): 'dropped' {
    this.#dropped[reason]++;
    this.#options.onDrop?.(reason, error);
    return 'dropped';
  }
}
