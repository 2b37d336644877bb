/**
 * The voice gateway v8 client as a state machine with no I/O. The shell feeds it what
 * happened (socket open, a frame, a close code, the heartbeat timer) and carries out the
 * actions it returns (send this, start that timer, connect again, give up with this error).
 * Every decision about close codes comes from `voiceClosePolicy` in @cordwire/opcodes.
 *
 * Wire facts: research/anchors.md 3.1 (v8 heartbeat {t, seq_ack}, resume with seq_ack,
 * seq on replayable messages, binary frames for DAVE ops 25-30 whose seq also counts).
 */
import {
  type ClosePolicy,
  decodeServerBinaryFrame,
  encodeClientBinaryFrame,
  VoiceOpcodes,
  voiceCloseCodeInfo,
  voiceClosePolicy,
} from '@cordwire/opcodes';
import { E2EERequiredError, VoiceCloseError, VoiceConnectionError, type VoiceWsError } from './errors.js';
import {
  decodeVoiceMessage,
  type ReadyData,
  type SessionDescriptionData,
  type VoiceReceivePayloads,
} from './payloads.js';

export interface VoiceSessionCredentials {
  /** Guild id (or channel id for calls) from VOICE_SERVER_UPDATE. */
  readonly serverId: string;
  readonly userId: string;
  /** session_id from the main gateway's VOICE_STATE_UPDATE. */
  readonly sessionId: string;
  /** Voice token from VOICE_SERVER_UPDATE; never logged. */
  readonly token: string;
}

export interface VoiceGatewayCoreOptions extends VoiceSessionCredentials {
  /** Highest DAVE protocol version offered in IDENTIFY; 0 means "no E2EE". Default 0. */
  readonly maxDaveProtocolVersion?: number;
  /** Wall clock for heartbeat `t` and ping. Default Date.now. */
  readonly now?: () => number;
  /** Unacknowledged heartbeats tolerated before the connection counts as dead. Default 3 (as discord.js). */
  readonly maxMissedHeartbeats?: number;
  /** Reconnects in a row that never reach READY/RESUMED before giving up with a rejoin. Default 5. */
  readonly maxReconnectAttempts?: number;
  /** Messages queued while not connected; the oldest are dropped beyond it. Default 64. */
  readonly outboxLimit?: number;
  /**
   * Shortest heartbeat interval obeyed; a HELLO asking for less is raised to it (and counted in
   * `counters.heartbeatIntervalRaised`). Discord sends 13750 ms; a server asking for 1 ms would
   * have us spin the timer and, missing ACKs, drop and resume in a loop. Default 250 ms.
   */
  readonly minHeartbeatIntervalMs?: number;
}

/** Event names for every opcode the server sends, JSON and binary. */
export const voiceReceiveEventNames = {
  [VoiceOpcodes.READY]: 'ready',
  [VoiceOpcodes.SESSION_DESCRIPTION]: 'sessionDescription',
  [VoiceOpcodes.SPEAKING]: 'speaking',
  [VoiceOpcodes.HEARTBEAT_ACK]: 'heartbeatAck',
  [VoiceOpcodes.HELLO]: 'hello',
  [VoiceOpcodes.RESUMED]: 'resumed',
  [VoiceOpcodes.CLIENTS_CONNECT]: 'clientsConnect',
  [VoiceOpcodes.VIDEO]: 'video',
  [VoiceOpcodes.CLIENT_DISCONNECT]: 'clientDisconnect',
  [VoiceOpcodes.SESSION_UPDATE]: 'sessionUpdate',
  [VoiceOpcodes.MEDIA_SINK_WANTS]: 'mediaSinkWants',
  [VoiceOpcodes.VOICE_BACKEND_VERSION]: 'voiceBackendVersion',
  [VoiceOpcodes.CHANNEL_OPTIONS_UPDATE]: 'channelOptionsUpdate',
  [VoiceOpcodes.FLAGS]: 'flags',
  [VoiceOpcodes.SPEED_TEST]: 'speedTest',
  [VoiceOpcodes.PLATFORM]: 'platform',
  [VoiceOpcodes.DAVE_PREPARE_TRANSITION]: 'davePrepareTransition',
  [VoiceOpcodes.DAVE_EXECUTE_TRANSITION]: 'daveExecuteTransition',
  [VoiceOpcodes.DAVE_PREPARE_EPOCH]: 'davePrepareEpoch',
  [VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER]: 'daveMlsExternalSender',
  [VoiceOpcodes.DAVE_MLS_PROPOSALS]: 'daveMlsProposals',
  [VoiceOpcodes.DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION]: 'daveMlsAnnounceCommitTransition',
  [VoiceOpcodes.DAVE_MLS_WELCOME]: 'daveMlsWelcome',
} as const;

type JsonEventMap = {
  [Op in keyof VoiceReceivePayloads as (typeof voiceReceiveEventNames)[Op]]: VoiceReceivePayloads[Op];
};
/** Binary DAVE ops (25, 27, 29, 30) arrive as raw payload bytes; dave-mls parses them. */
type BinaryEventMap = {
  daveMlsExternalSender: Uint8Array;
  daveMlsProposals: Uint8Array;
  daveMlsAnnounceCommitTransition: Uint8Array;
  daveMlsWelcome: Uint8Array;
};
export type VoiceReceiveEventMap = JsonEventMap & BinaryEventMap;
export type VoiceReceiveEventName = keyof VoiceReceiveEventMap;

export type VoiceReceiveEvent = {
  [K in VoiceReceiveEventName]: {
    readonly name: K;
    readonly op: number;
    readonly data: VoiceReceiveEventMap[K];
    readonly seq: number | undefined;
  };
}[VoiceReceiveEventName];

export type VoiceGatewayPhase = 'idle' | 'connecting' | 'identifying' | 'resuming' | 'ready' | 'closed';

export type VoiceGatewayAction =
  /** Open a new socket (after `delayMs`); the previous one, if any, is already gone. */
  | { readonly type: 'connect'; readonly delayMs: number }
  | { readonly type: 'send'; readonly data: string }
  | { readonly type: 'sendBinary'; readonly data: Uint8Array }
  /** Start (or restart) the heartbeat interval; null stops it. */
  | { readonly type: 'heartbeat'; readonly intervalMs: number | null }
  /** Drop the current socket now without waiting for its close; its close event must not be fed back. */
  | { readonly type: 'terminate'; readonly code: number; readonly reason: string }
  | { readonly type: 'event'; readonly event: VoiceReceiveEvent }
  /** A frame was dropped (invalid JSON, bad payload, unknown binary op); counted. */
  | { readonly type: 'invalid'; readonly reason: string }
  /** The socket closed and the core decided what follows (reconnect actions come in the same batch). */
  | { readonly type: 'closed'; readonly code: number; readonly policy: ClosePolicy | 'manual' }
  /** Terminal: reconnecting is not allowed or not possible. `rejoin` means ask the main gateway again. */
  | {
      readonly type: 'end';
      readonly policy: 'rejoin' | 'fatal' | 'manual';
      readonly code: number;
      readonly error: VoiceWsError | undefined;
    };

export interface VoiceGatewayCounters {
  invalidFrames: number;
  droppedOutbound: number;
  heartbeatsSent: number;
  heartbeatAcks: number;
  reconnects: number;
  resumes: number;
  /** HELLOs whose heartbeat_interval was below `minHeartbeatIntervalMs`. */
  heartbeatIntervalRaised: number;
}

/** Client close code used when heartbeats go unanswered (4000-4999 are for applications). */
export const ZOMBIE_CLOSE_CODE = 4900;

type Outgoing = { readonly text: string } | { readonly binary: Uint8Array };

export class VoiceGatewayCore {
  #phase: VoiceGatewayPhase = 'idle';
  #seq = -1;
  #ready: ReadyData | undefined;
  #sessionDescription: SessionDescriptionData | undefined;
  #missedAcks = 0;
  #attempts = 0;
  #ping: number | undefined;
  #outbox: Outgoing[] = [];
  readonly #opts: Required<Omit<VoiceGatewayCoreOptions, keyof VoiceSessionCredentials>>;
  readonly #creds: VoiceSessionCredentials;
  readonly counters: VoiceGatewayCounters = {
    invalidFrames: 0,
    droppedOutbound: 0,
    heartbeatsSent: 0,
    heartbeatAcks: 0,
    reconnects: 0,
    resumes: 0,
    heartbeatIntervalRaised: 0,
  };

  constructor(options: VoiceGatewayCoreOptions) {
    this.#creds = {
      serverId: options.serverId,
      userId: options.userId,
      sessionId: options.sessionId,
      token: options.token,
    };
    this.#opts = {
      maxDaveProtocolVersion: options.maxDaveProtocolVersion ?? 0,
      now: options.now ?? Date.now,
      maxMissedHeartbeats: options.maxMissedHeartbeats ?? 3,
      maxReconnectAttempts: options.maxReconnectAttempts ?? 5,
      outboxLimit: options.outboxLimit ?? 64,
      minHeartbeatIntervalMs: options.minHeartbeatIntervalMs ?? 250,
    };
  }

  get phase(): VoiceGatewayPhase {
    return this.#phase;
  }
  /** Last seq seen (JSON `seq` or binary header), -1 before any. 0 is a valid seq. */
  get seq(): number {
    return this.#seq;
  }
  get readyData(): ReadyData | undefined {
    return this.#ready;
  }
  get sessionDescription(): SessionDescriptionData | undefined {
    return this.#sessionDescription;
  }
  /** Round trip of the last acknowledged heartbeat, in ms. */
  get ping(): number | undefined {
    return this.#ping;
  }

  start(): VoiceGatewayAction[] {
    if (this.#phase !== 'idle') return [];
    this.#phase = 'connecting';
    return [{ type: 'connect', delayMs: 0 }];
  }

  /** The socket opened: identify afresh, or resume when a session was established before. */
  onOpen(): VoiceGatewayAction[] {
    if (this.#phase !== 'connecting') return [];
    const { serverId, userId, sessionId, token } = this.#creds;
    if (this.#ready) {
      this.#phase = 'resuming';
      this.counters.resumes++;
      return [
        this.#json(VoiceOpcodes.RESUME, {
          server_id: serverId,
          session_id: sessionId,
          token,
          seq_ack: this.#seq,
        }),
      ];
    }
    this.#phase = 'identifying';
    return [
      this.#json(VoiceOpcodes.IDENTIFY, {
        server_id: serverId,
        user_id: userId,
        session_id: sessionId,
        token,
        max_dave_protocol_version: this.#opts.maxDaveProtocolVersion,
      }),
    ];
  }

  onMessage(data: string | Uint8Array): VoiceGatewayAction[] {
    if (this.#phase === 'closed' || this.#phase === 'idle') return [];
    if (typeof data !== 'string') return this.#onBinary(data);
    const decoded = decodeVoiceMessage(data);
    if (!decoded.ok) return this.#invalid(decoded.error);
    const { op, d, seq } = decoded.value;
    // The catalog marks op 3 as sent both ways: a server asking for a beat gets one now.
    if (op === VoiceOpcodes.HEARTBEAT) return [this.#beat()];
    const name = (voiceReceiveEventNames as Record<number, VoiceReceiveEventName | undefined>)[op];
    // Ops 25-30 travel in binary frames; a JSON form of them is not something we act on.
    if (name === undefined || op >= VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER) {
      return this.#invalid(`op ${op} is not a JSON receive opcode`);
    }
    if (seq !== undefined) this.#seq = seq;
    const out: VoiceGatewayAction[] = [];
    switch (op) {
      case VoiceOpcodes.HELLO: {
        const asked = (d as { heartbeat_interval: number }).heartbeat_interval;
        const floor = this.#opts.minHeartbeatIntervalMs;
        if (asked < floor) this.counters.heartbeatIntervalRaised++;
        out.push({ type: 'heartbeat', intervalMs: Math.max(asked, floor) });
        break;
      }
      case VoiceOpcodes.HEARTBEAT_ACK: {
        this.#missedAcks = 0;
        // A session counts as up once a heartbeat round trip succeeds on it, not at READY or
        // RESUMED: a server that accepts and then closes at once must not get a retry loop
        // with no backoff and no end.
        if (this.#phase === 'ready') this.#attempts = 0;
        this.counters.heartbeatAcks++;
        const t = (d as { t: number }).t;
        this.#ping = Math.max(0, this.#opts.now() - t);
        break;
      }
      case VoiceOpcodes.READY:
        this.#ready = d as ReadyData;
        this.#phase = 'ready';
        break;
      case VoiceOpcodes.SESSION_DESCRIPTION:
        this.#sessionDescription = d as SessionDescriptionData;
        break;
      case VoiceOpcodes.RESUMED:
        this.#phase = 'ready';
        break;
    }
    out.push({ type: 'event', event: { name, op, data: d, seq } as VoiceReceiveEvent });
    if (op === VoiceOpcodes.READY || op === VoiceOpcodes.RESUMED) out.push(...this.#flush());
    return out;
  }

  #onBinary(frame: Uint8Array): VoiceGatewayAction[] {
    const decoded = decodeServerBinaryFrame(frame);
    if (!decoded.ok) return this.#invalid(decoded.message);
    const { seq, op, payload } = decoded.value;
    const name = (voiceReceiveEventNames as Record<number, VoiceReceiveEventName | undefined>)[op];
    // Op 26 and 28 flow client -> server only; a server sending them is broken.
    if (name === undefined) return this.#invalid(`binary op ${op} is not sent by servers`);
    this.#seq = seq;
    // Copy: the shell may reuse the frame buffer after this call returns.
    return [{ type: 'event', event: { name, op, data: payload.slice(), seq } as VoiceReceiveEvent }];
  }

  /** Heartbeat timer fired. Too many missed ACKs means the socket is dead: drop it and resume. */
  onHeartbeatTimer(): VoiceGatewayAction[] {
    if (this.#phase === 'closed' || this.#phase === 'idle' || this.#phase === 'connecting') return [];
    if (this.#missedAcks >= this.#opts.maxMissedHeartbeats) {
      return [
        { type: 'terminate', code: ZOMBIE_CLOSE_CODE, reason: 'heartbeat not acknowledged' },
        ...this.#afterClose(ZOMBIE_CLOSE_CODE, 'resume'),
      ];
    }
    return [this.#beat()];
  }

  #beat(): VoiceGatewayAction {
    this.#missedAcks++;
    this.counters.heartbeatsSent++;
    return {
      type: 'send',
      data: JSON.stringify({ op: VoiceOpcodes.HEARTBEAT, d: { t: this.#opts.now(), seq_ack: this.#seq } }),
    };
  }

  /** The current socket closed (or failed to open) with `code`. */
  onClose(code: number): VoiceGatewayAction[] {
    if (this.#phase === 'closed' || this.#phase === 'idle') return [];
    return this.#afterClose(code, voiceClosePolicy(code));
  }

  #afterClose(code: number, policy: ClosePolicy): VoiceGatewayAction[] {
    const out: VoiceGatewayAction[] = [
      { type: 'heartbeat', intervalMs: null },
      { type: 'closed', code, policy },
    ];
    this.#missedAcks = 0;
    if (policy === 'fatal' || policy === 'rejoin') {
      this.#phase = 'closed';
      const info = voiceCloseCodeInfo(code);
      const error =
        code === 4017 ? new E2EERequiredError('') : new VoiceCloseError(code, policy, '', info?.explanation);
      out.push({ type: 'end', policy, code, error });
      return out;
    }
    this.#attempts++;
    if (this.#attempts > this.#opts.maxReconnectAttempts) {
      this.#phase = 'closed';
      out.push({
        type: 'end',
        policy: 'rejoin',
        code,
        error: new VoiceConnectionError(
          'RECONNECT_LIMIT',
          `voice gateway: ${this.#attempts - 1} reconnects in a row failed (last close ${code})`,
        ),
      });
      return out;
    }
    // A resume needs a session the server knows; without READY there is none yet.
    if (policy === 'newSession' || !this.#ready) {
      this.#ready = undefined;
      this.#sessionDescription = undefined;
      this.#seq = -1;
    }
    this.counters.reconnects++;
    this.#phase = 'connecting';
    const delayMs = this.#attempts <= 1 ? 0 : Math.min(5000, 250 * 2 ** (this.#attempts - 2));
    out.push({ type: 'connect', delayMs });
    return out;
  }

  /** Queue or send a JSON payload (SELECT_PROTOCOL, SPEAKING, DAVE JSON ops). */
  send(op: number, d: unknown): VoiceGatewayAction[] {
    return this.#enqueue({ text: JSON.stringify({ op, d }) });
  }

  /** Send a client binary frame (DAVE ops 26 and 28): u8 opcode, then payload. */
  sendBinary(op: number, payload: Uint8Array): VoiceGatewayAction[] {
    return this.#enqueue({ binary: encodeClientBinaryFrame(op, payload) });
  }

  /** Closes for good; the shell closes the socket with 1000. */
  destroy(): VoiceGatewayAction[] {
    if (this.#phase === 'closed') return [];
    this.#phase = 'closed';
    this.#outbox = [];
    return [
      { type: 'heartbeat', intervalMs: null },
      { type: 'terminate', code: 1000, reason: 'destroyed' },
      { type: 'end', policy: 'manual', code: 1000, error: undefined },
    ];
  }

  #enqueue(msg: Outgoing): VoiceGatewayAction[] {
    if (this.#phase === 'closed') return [];
    if (this.#phase === 'ready') return [this.#toAction(msg)];
    this.#outbox.push(msg);
    if (this.#outbox.length > this.#opts.outboxLimit) {
      this.#outbox.shift();
      this.counters.droppedOutbound++;
    }
    return [];
  }

  #flush(): VoiceGatewayAction[] {
    const out = this.#outbox.map((m) => this.#toAction(m));
    this.#outbox = [];
    return out;
  }

  #toAction(msg: Outgoing): VoiceGatewayAction {
    return 'text' in msg ? { type: 'send', data: msg.text } : { type: 'sendBinary', data: msg.binary };
  }

  #json(op: number, d: unknown): VoiceGatewayAction {
    return { type: 'send', data: JSON.stringify({ op, d }) };
  }

  #invalid(reason: string): VoiceGatewayAction[] {
    this.counters.invalidFrames++;
    return [{ type: 'invalid', reason }];
  }
}
