import {
  type FrameTransform,
  SILENCE_FRAME,
  SILENCE_FRAMES_BEFORE_GAP,
  isSilenceFrame,
} from './frameHook.js';
import { randomU32 } from './nonceCounter.js';
import { OPUS_FRAME_SAMPLES, OPUS_PAYLOAD_TYPE, RTP_FIXED_HEADER_LENGTH, writeU32 } from './rtpPacket.js';
import type { ClockParticipant } from './sendClock.js';
import type { TransportCipher } from './transportCipher.js';

export interface VoiceSenderOptions {
  /** Our SSRC from READY (op 2). */
  readonly ssrc: number;
  readonly cipher: TransportCipher;
  /** Hands a finished datagram to the socket. */
  readonly send: (datagram: Uint8Array) => void;
  /**
   * Called synchronously in the dispatch phase: with true just before the first packet of a talk
   * spurt leaves, with false after its trailing silence frames. The voice-ws layer sends op 5
   * SPEAKING from here, so Discord always sees SPEAKING before the audio (anchors.md 3.3).
   */
  readonly onSpeakingChange?: (speaking: boolean) => void;
  /** DAVE plugs in here; silence frames bypass it. */
  readonly transform?: FrameTransform;
  /** Where the next Opus frame comes from (null: nothing to send this tick). Can be set later. */
  readonly source?: () => Uint8Array | null;
  /** u32 source for the random sequence and timestamp starts; default WebCrypto. */
  readonly random?: () => number;
  /** A frame was dropped because the transform or encryption failed (e.g. nonce exhausted). */
  readonly onError?: (error: unknown) => void;
}

export interface VoiceSenderStats {
  readonly packetsSent: number;
  readonly silenceFramesSent: number;
  readonly framesDropped: number;
  readonly sequence: number;
  readonly timestamp: number;
}

/**
 * One outbound RTP stream, driven by a `SendClock`. Sans-IO: it pulls frames from `source`,
 * builds RTP (V=2, PT 120, seq +1 and ts +960 per frame from random starts, anchors.md 3.3),
 * runs the outbound frame hook, encrypts, and hands the datagram to `send` at dispatch.
 * When the source runs dry it sends five silence frames, then reports speaking=false; while idle
 * the timestamp keeps advancing with the clock so the receiver's jitter math sees real time.
 */
export class VoiceSender implements ClockParticipant {
  readonly ssrc: number;
  #cipher: TransportCipher;
  readonly #send: (datagram: Uint8Array) => void;
  readonly #onSpeakingChange: ((speaking: boolean) => void) | undefined;
  #transform: FrameTransform | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #header = new Uint8Array(RTP_FIXED_HEADER_LENGTH);
  #source: (() => Uint8Array | null) | undefined;
  #sequence: number;
  #timestamp: number;
  #speaking = false;
  #silenceLeft = 0;
  #prepared: Uint8Array | null = null;
  #announce: boolean | null = null;
  #endAfterDispatch = false;
  #packetsSent = 0;
  #silenceSent = 0;
  #dropped = 0;

  constructor(options: VoiceSenderOptions) {
    const random = options.random ?? randomU32;
    this.ssrc = options.ssrc;
    this.#cipher = options.cipher;
    this.#send = options.send;
    this.#onSpeakingChange = options.onSpeakingChange;
    this.#transform = options.transform;
    this.#onError = options.onError;
    this.#source = options.source;
    this.#sequence = random() & 0xffff;
    this.#timestamp = random() >>> 0;
    this.#header[0] = 0x80;
    this.#header[1] = OPUS_PAYLOAD_TYPE;
    writeU32(this.#header, 8, options.ssrc);
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  get stats(): VoiceSenderStats {
    return {
      packetsSent: this.#packetsSent,
      silenceFramesSent: this.#silenceSent,
      framesDropped: this.#dropped,
      sequence: this.#sequence,
      timestamp: this.#timestamp,
    };
  }

  /**
   * Switch to a new session key (a new SESSION_DESCRIPTION, or after NONCE_EXHAUSTED). Sequence
   * and timestamp continue; the next prepared packet uses the new cipher.
   */
  setCipher(cipher: TransportCipher): void {
    this.#cipher = cipher;
  }

  /** Install or remove the frame hook (DAVE attaches once its session is ready). */
  setTransform(transform: FrameTransform | undefined): void {
    this.#transform = transform;
  }

  setSource(source: (() => Uint8Array | null) | undefined): void {
    this.#source = source;
  }

  /** Stop now: queue the trailing silence frames if a spurt is in progress. */
  end(): void {
    this.#source = undefined;
  }

  prepare(): void {
    this.#prepared = null;
    const frame = this.#source?.() ?? null;
    if (frame !== null) {
      let payload: Uint8Array = frame;
      // Silence frames from the source skip the hook too: DAVE never encrypts them (anchors.md 2).
      if (this.#transform?.transformOutbound && !isSilenceFrame(frame)) {
        try {
          payload = this.#transform.transformOutbound(frame);
        } catch (error) {
          this.#drop(error);
          return;
        }
      }
      if (!this.#speaking) this.#announce = true;
      this.#speaking = true;
      this.#silenceLeft = SILENCE_FRAMES_BEFORE_GAP;
      this.#seal(payload);
      return;
    }
    if (this.#speaking && this.#silenceLeft > 0) {
      this.#silenceLeft--;
      this.#seal(SILENCE_FRAME);
      if (this.#prepared) this.#silenceSent++;
      if (this.#silenceLeft === 0) this.#endAfterDispatch = true;
      return;
    }
    // Idle: no packet, but media time passes (RFC 3550 §5.1: timestamp follows the sampling clock).
    this.#timestamp = (this.#timestamp + OPUS_FRAME_SAMPLES) >>> 0;
  }

  dispatch(): void {
    if (this.#announce !== null) {
      this.#onSpeakingChange?.(this.#announce);
      this.#announce = null;
    }
    if (this.#prepared) {
      this.#send(this.#prepared);
      this.#packetsSent++;
      this.#prepared = null;
    }
    if (this.#endAfterDispatch) {
      this.#endAfterDispatch = false;
      this.#speaking = false;
      this.#onSpeakingChange?.(false);
    }
  }

  #seal(payload: Uint8Array): void {
    const header = this.#header;
    header[2] = this.#sequence >>> 8;
    header[3] = this.#sequence & 0xff;
    writeU32(header, 4, this.#timestamp);
    try {
      this.#prepared = this.#cipher.seal(header, payload);
    } catch (error) {
      this.#drop(error);
      return;
    }
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + OPUS_FRAME_SAMPLES) >>> 0;
  }

  /** A frame that could not be sent still took its 20 ms of media time. */
  #drop(error: unknown): void {
    this.#timestamp = (this.#timestamp + OPUS_FRAME_SAMPLES) >>> 0;
    this.#dropped++;
    this.#onError?.(error);
  }
}
