/**
 * One member's voice session on the emulated voice server: what op 4 allocated (guild,
 * channel, user, main-gateway session id, voice token), what IDENTIFY and SELECT_PROTOCOL
 * settled (ssrc, UDP address, mode, key), and the server side of seq/replay (research
 * anchors.md 3.1: replayable server messages carry `seq`; RESUME's seq_ack says where the
 * client stopped). The socket is attached and detached as the client reconnects.
 */
import { encodeServerBinaryFrame } from '@cordwire/opcodes';
import type { WebSocket } from 'ws';
import { type FrameDelayTimer, systemFrameDelayTimer, writeDelayed } from './frameDelay.js';

/** Opcodes that are part of one connection's handshake and never replayed after RESUMED. */
const HANDSHAKE_OPS: ReadonlySet<number> = new Set([2, 4, 6, 8, 9]);
/** Opcodes sent without a `seq` (per connection, not part of the session's stream). */
const UNSEQUENCED_OPS: ReadonlySet<number> = new Set([6, 8, 9]);

export interface VoiceAllocation {
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly token: string;
}

type Buffered = { readonly seq: number; readonly data: string | Uint8Array };

export class VoiceMemberSession {
  readonly allocation: VoiceAllocation;
  ssrc = 0;
  identified = false;
  mode: string | undefined;
  secretKey: Uint8Array | undefined;
  daveProtocolVersion = 0;
  /** Where media for this member goes (SELECT_PROTOCOL's address, from IP discovery). */
  udpAddress: { address: string; port: number } | undefined;
  lastKeepaliveAt = 0;
  keepalives = 0;
  speaking = 0;
  ws: WebSocket | undefined;
  /** When the socket went away, for the resumable window. */
  detachedAt = 0;
  #seq = -1;
  #replay: Buffered[] = [];
  readonly #replayLimit: number;
  frameDelayMs = 0;
  frameDelayTimer: FrameDelayTimer = systemFrameDelayTimer;

  constructor(allocation: VoiceAllocation, replayLimit: number) {
    this.allocation = allocation;
    this.#replayLimit = replayLimit;
  }

  get seq(): number {
    return this.#seq;
  }

  /** Sends a JSON message; `seq` is added unless the op is per-connection. */
  sendJson(op: number, d: unknown): void {
    if (UNSEQUENCED_OPS.has(op)) {
      this.#write(JSON.stringify({ op, d }));
      return;
    }
    const seq = ++this.#seq;
    const text = JSON.stringify({ op, d, seq });
    if (!HANDSHAKE_OPS.has(op)) this.#remember(seq, text);
    this.#write(text);
  }

  /** DAVE binary ops 25, 27, 29, 30: `u16 seq | u8 op | payload` (research/dave.md 2.1). */
  sendBinary(op: number, payload: Uint8Array): void {
    const seq = ++this.#seq;
    const frame = encodeServerBinaryFrame(seq & 0xffff, op, payload);
    this.#remember(seq, frame);
    this.#write(frame);
  }

  /** Can the client's seq_ack be served from the buffer? (-1 before any seq is fine.) */
  canReplayFrom(seqAck: number): boolean {
    if (seqAck > this.#seq) return false;
    if (seqAck === this.#seq) return true;
    const oldest = this.#replay[0];
    if (!oldest) return true;
    // Everything after seqAck must still be buffered.
    return oldest.seq <= seqAck + 1 || seqAck >= this.#seq;
  }

  replayAfter(seqAck: number): void {
    for (const m of this.#replay) if (m.seq > seqAck) this.#write(m.data);
  }

  #remember(seq: number, data: string | Uint8Array): void {
    this.#replay.push({ seq, data });
    if (this.#replay.length > this.#replayLimit) this.#replay.shift();
  }

  #write(data: string | Uint8Array): void {
    const ws = this.ws;
    if (ws?.readyState !== 1) return;
    writeDelayed(ws, data, this.frameDelayMs, this.frameDelayTimer);
  }
}
