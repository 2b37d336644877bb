/**
 * One voice gateway socket on the emulated server: HELLO, the heartbeat watchdog, the
 * message rate limit, and each client opcode with the close code Discord answers a violation
 * with (voice close codes: 4001 unknown opcode, 4002 decode, 4003 not authenticated, 4004
 * authentication, 4005 already authenticated, 4006 session no longer valid, 4009 timeout,
 * 4011 server not found, 4012 unknown protocol, 4016 unknown mode, 4017 E2EE required,
 * 4020 bad request, 4021 rate limited). Server messages go through the member's session so
 * they carry `seq` and can be replayed on RESUME.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeClientBinaryFrame, VoiceOpcodes } from '@cordwire/opcodes';
import { isTransportEncryptionMode, type TransportEncryptionMode } from '@cordwire/voice-udp';
import type { RawData, WebSocket } from 'ws';
import type { ExternalSenderRole } from './dave/externalSenderRole.js';
import type { VoiceCalls } from './voiceCalls.js';
import type { VoiceMemberSession } from './voiceSession.js';
import { type FrameDelayTimer, writeDelayed } from './frameDelay.js';

const CLIENT_JSON_OPS: ReadonlySet<number> = new Set([
  VoiceOpcodes.IDENTIFY,
  VoiceOpcodes.SELECT_PROTOCOL,
  VoiceOpcodes.HEARTBEAT,
  VoiceOpcodes.SPEAKING,
  VoiceOpcodes.RESUME,
  VoiceOpcodes.VIDEO,
  VoiceOpcodes.VOICE_BACKEND_VERSION,
  VoiceOpcodes.DAVE_TRANSITION_READY,
  VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME,
]);

export const MAX_MESSAGE_BYTES = 64 * 1024;

/** What a connection needs from the server around it. */
export interface VoiceGatewayContext {
  readonly calls: VoiceCalls;
  readonly udp: { readonly ip: string; readonly port: number };
  readonly modes: readonly TransportEncryptionMode[];
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly serverDaveProtocolVersion: number;
  readonly rate: { readonly count: number; readonly windowMs: number };
  /** The DAVE external sender: 4017, SESSION_DESCRIPTION's version, ops 23/26/28/31. */
  readonly role: ExternalSenderRole;
  /** Deadline for each handshake step: IDENTIFY/RESUME after HELLO, SELECT_PROTOCOL after READY. */
  readonly handshakeTimeoutMs: number;
  readonly counters: {
    invalidMessages: number;
    heartbeats: number;
    resumes: number;
    handshakeTimeouts: number;
  };
  readonly frameDelayMs: () => number;
  readonly frameDelayTimer: FrameDelayTimer;
  readonly closeWs: (ws: WebSocket, code: number, reason?: string) => void;
  /** Another connection took this session over; forget it there. */
  readonly detachOthers: (ws: WebSocket) => void;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly dave: {
    onClientBinary?(member: VoiceMemberSession, op: number, payload: Uint8Array): void;
    onClientJson?(member: VoiceMemberSession, op: number, d: unknown): void;
    onMemberReady?(member: VoiceMemberSession): void;
  };
}

type Body = Record<string, unknown>;

export class VoiceGatewayConnection {
  readonly ws: WebSocket;
  member: VoiceMemberSession | undefined;
  readonly #ctx: VoiceGatewayContext;
  #watchdog: NodeJS.Timeout | undefined;
  /** The current handshake step's deadline (none once the session is set up). */
  #deadline: NodeJS.Timeout | undefined;
  #closing = false;
  readonly #recent: number[] = [];

  constructor(ws: WebSocket, ctx: VoiceGatewayContext) {
    this.ws = ws;
    this.#ctx = ctx;
    ws.on('error', () => {});
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    this.#armWatchdog();
    this.#armDeadline('IDENTIFY');
    this.#writeRaw(VoiceOpcodes.HELLO, { v: 8, heartbeat_interval: ctx.heartbeatIntervalMs });
  }

  /**
   * A socket that heartbeats but never identifies (or never selects a protocol) would hold its slot
   * forever; each handshake step has to happen within the deadline or the socket is closed (4009).
   */
  #armDeadline(step: string | undefined): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = undefined;
    if (step === undefined) return;
    this.#deadline = setTimeout(() => {
      this.#ctx.counters.handshakeTimeouts++;
      this.#close(4009, `no ${step} within ${this.#ctx.handshakeTimeoutMs} ms`);
    }, this.#ctx.handshakeTimeoutMs);
    this.#deadline.unref();
  }

  /** The socket closed: the session stays resumable for sessionTimeoutMs. */
  onClosed(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#armDeadline(undefined);
    const m = this.member;
    if (m && m.ws === this.ws) {
      m.ws = undefined;
      m.detachedAt = this.#ctx.now();
    }
  }

  dispose(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#armDeadline(undefined);
    this.ws.terminate();
  }

  #close(code: number, reason?: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#ctx.closeWs(this.ws, code, reason);
  }

  #onMessage(data: RawData, isBinary: boolean) {
    // After our close frame nothing a client sends counts: a flood cannot grow the rate window,
    // re-trigger closes or act on the session while the socket drains.
    if (this.#closing) return;
    const { rate, now } = this.#ctx;
    const t = now();
    this.#recent.push(t);
    while (this.#recent.length > 0 && this.#recent[0]! <= t - rate.windowMs) this.#recent.shift();
    if (this.#recent.length > rate.count) return this.#close(4021);
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buf.length > MAX_MESSAGE_BYTES) return this.#close(4002, 'message too large');
    try {
      if (isBinary) this.#onBinary(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
      else this.#onText(buf.toString('utf8'));
    } catch (error) {
      // A bug here must cost one connection, never the server.
      this.#ctx.log(`voice: internal error ${(error as Error).message}`);
      this.#close(4000);
    }
  }

  #armWatchdog(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      const m = this.member;
      // A silent client's session is over; it must rejoin (4009 policy).
      if (m) {
        m.ws = undefined;
        this.#ctx.calls.drop(m, 4009);
      }
      this.#close(4009, 'heartbeat timeout');
    }, this.#ctx.heartbeatTimeoutMs);
    this.#watchdog.unref();
  }

  /** Per-connection messages (HELLO, HEARTBEAT_ACK) carry no seq. */
  #writeRaw(op: number, d: unknown): void {
    const ws = this.ws;
    const text = JSON.stringify({ op, d });
    writeDelayed(ws, text, this.#ctx.frameDelayMs(), this.#ctx.frameDelayTimer);
  }

  #attach(m: VoiceMemberSession): void {
    if (m.ws && m.ws !== this.ws) {
      const old = m.ws;
      m.ws = undefined;
      this.#ctx.detachOthers(old);
      this.#ctx.closeWs(old, 4006, 'session taken over');
    }
    this.member = m;
    m.ws = this.ws;
    m.frameDelayMs = this.#ctx.frameDelayMs();
    m.frameDelayTimer = this.#ctx.frameDelayTimer;
  }

  #onText(text: string) {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.#ctx.counters.invalidMessages++;
      return this.#close(4002, 'invalid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.#ctx.counters.invalidMessages++;
      return this.#close(4002, 'not an object');
    }
    const { op, d } = msg as { op?: unknown; d?: unknown };
    if (typeof op !== 'number' || !CLIENT_JSON_OPS.has(op)) {
      this.#ctx.counters.invalidMessages++;
      return this.#close(4001);
    }
    if (op === VoiceOpcodes.HEARTBEAT) {
      this.#ctx.counters.heartbeats++;
      this.#armWatchdog();
      // v8 heartbeats carry {t, seq_ack}; older clients send a bare nonce, echoed as is.
      const isObj = typeof d === 'object' && d !== null;
      this.#writeRaw(VoiceOpcodes.HEARTBEAT_ACK, isObj ? { t: (d as { t?: unknown }).t } : d);
      return;
    }
    const body = (typeof d === 'object' && d !== null ? d : {}) as Body;
    if (op === VoiceOpcodes.IDENTIFY) return this.#identify(body);
    if (op === VoiceOpcodes.RESUME) return this.#resume(body);
    const m = this.member;
    if (!m) return this.#close(4003);
    switch (op) {
      case VoiceOpcodes.SELECT_PROTOCOL:
        return this.#selectProtocol(m, body);
      case VoiceOpcodes.SPEAKING:
        return this.#speaking(m, body);
      case VoiceOpcodes.VOICE_BACKEND_VERSION:
        return m.sendJson(VoiceOpcodes.VOICE_BACKEND_VERSION, {
          voice: '0.9.0-cordwire',
          rtc_worker: '0.4.0-cordwire',
        });
      case VoiceOpcodes.DAVE_TRANSITION_READY:
      case VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME:
        this.#ctx.role.onJson(m, op, d);
        this.#ctx.dave.onClientJson?.(m, op, d);
        return;
      default:
        // Op 12 (video) and anything else a client may send: accepted and ignored.
        return;
    }
  }

  #onBinary(bytes: Uint8Array) {
    const m = this.member;
    if (!m) return this.#close(4003);
    const frame = decodeClientBinaryFrame(bytes);
    if (!frame.ok) {
      this.#ctx.counters.invalidMessages++;
      return this.#close(4001, frame.code);
    }
    const payload = frame.value.payload.slice();
    this.#ctx.role.onBinary(m, frame.value.op, payload);
    this.#ctx.dave.onClientBinary?.(m, frame.value.op, payload);
  }

  #identify(d: Body) {
    const { calls } = this.#ctx;
    if (this.member) return this.#close(4005);
    const { server_id, user_id, session_id, token } = d;
    if (
      typeof server_id !== 'string' ||
      typeof user_id !== 'string' ||
      typeof session_id !== 'string' ||
      typeof token !== 'string'
    )
      return this.#close(4002, 'identify fields missing');
    if (!calls.hasGuild(server_id)) return this.#close(4011);
    const m = calls.get(server_id, user_id);
    if (!m || m.allocation.token !== token) return this.#close(4004);
    if (m.allocation.sessionId !== session_id) return this.#close(4006);
    // Anything but a non-negative integer counts as "no DAVE" (so a required channel refuses it).
    const offered = d.max_dave_protocol_version;
    const maxDave = typeof offered === 'number' && Number.isInteger(offered) && offered > 0 ? offered : 0;
    if (this.#ctx.role.refuses(m, maxDave)) return this.#close(4017, 'E2EE required');
    if (m.ws && m.ws !== this.ws) {
      this.#ctx.detachOthers(m.ws);
      this.#ctx.closeWs(m.ws, 4006, 'session taken over');
    }
    m.ws = undefined;
    const fresh = calls.identify(m, Math.max(0, Math.min(maxDave, this.#ctx.serverDaveProtocolVersion)));
    this.#attach(fresh);
    fresh.sendJson(VoiceOpcodes.READY, {
      ssrc: fresh.ssrc,
      ip: this.#ctx.udp.ip,
      port: this.#ctx.udp.port,
      modes: this.#ctx.modes,
      // Discord still sends this; v8 clients must use HELLO's interval instead (anchors.md 3.1).
      heartbeat_interval: 1,
      experiments: [],
    });
    calls.announce(fresh);
    this.#armDeadline('SELECT_PROTOCOL');
  }

  #resume(d: Body) {
    if (this.member) return this.#close(4005);
    const { server_id, session_id, token } = d;
    if (typeof server_id !== 'string' || typeof session_id !== 'string' || typeof token !== 'string')
      return this.#close(4002, 'resume fields missing');
    const { calls, now, sessionTimeoutMs } = this.#ctx;
    const m = calls
      .members()
      .find(
        (x) =>
          x.allocation.guildId === server_id &&
          x.allocation.sessionId === session_id &&
          x.allocation.token === token,
      );
    if (!m?.identified) return this.#close(4006);
    if (!m.ws && m.detachedAt > 0 && now() - m.detachedAt > sessionTimeoutMs) {
      calls.drop(m, 4006);
      return this.#close(4006);
    }
    const seqAck = typeof d.seq_ack === 'number' && Number.isInteger(d.seq_ack) ? d.seq_ack : -1;
    if (!m.canReplayFrom(seqAck)) return this.#close(4006, 'seq_ack out of range');
    this.#attach(m);
    this.#armDeadline(m.mode === undefined ? 'SELECT_PROTOCOL' : undefined);
    this.#ctx.counters.resumes++;
    m.sendJson(VoiceOpcodes.RESUMED, null);
    m.replayAfter(seqAck);
  }

  #selectProtocol(m: VoiceMemberSession, d: Body) {
    if (d.protocol !== 'udp') return this.#close(4012);
    const data = d.data;
    if (typeof data !== 'object' || data === null) return this.#close(4020, 'data missing');
    const { address, port, mode } = data as Body;
    // Media goes to this address: only an IP literal, never a name to resolve (validated on arrival).
    if (
      typeof address !== 'string' ||
      isIP(address) === 0 ||
      typeof port !== 'number' ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    )
      return this.#close(4020, 'address/port invalid');
    if (!isTransportEncryptionMode(mode) || !this.#ctx.modes.includes(mode)) return this.#close(4016);
    this.#armDeadline(undefined);
    m.mode = mode;
    m.udpAddress = { address, port };
    m.lastKeepaliveAt = this.#ctx.now();
    m.secretKey = new Uint8Array(randomBytes(32));
    m.sendJson(VoiceOpcodes.SESSION_DESCRIPTION, {
      audio_codec: 'opus',
      video_codec: 'H264',
      media_session_id: randomBytes(16).toString('hex'),
      mode,
      secret_key: [...m.secretKey],
      dave_protocol_version: this.#ctx.role.admit(m),
    });
    this.#ctx.role.started(m);
    this.#ctx.dave.onMemberReady?.(m);
  }

  #speaking(m: VoiceMemberSession, d: Body) {
    const speaking = typeof d.speaking === 'boolean' ? (d.speaking ? 1 : 0) : d.speaking;
    if (typeof speaking !== 'number' || !Number.isInteger(speaking) || speaking < 0)
      return this.#close(4020, 'speaking must be a bitfield');
    if (d.ssrc !== undefined && d.ssrc !== m.ssrc) return this.#close(4020, 'ssrc is not yours');
    m.speaking = speaking;
    for (const o of this.#ctx.calls.peersOf(m))
      o.sendJson(VoiceOpcodes.SPEAKING, { user_id: m.allocation.userId, ssrc: m.ssrc, speaking });
  }
}
