/**
 * A voice connection: from op 4 on the main gateway to Opus frames in and out over UDP.
 *
 *   signalling  op 4 sent; waiting for VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE (the adapter)
 *   connecting  voice gateway identify/resume, IP discovery, SELECT_PROTOCOL
 *   ready       SESSION_DESCRIPTION received; media flows
 *   disconnected  gave up for now (fatal close code, rejoin limit, left the channel); `error` says why
 *   destroyed   for good; op 4 with channel null was sent
 *
 * Close codes follow `voiceClosePolicy` (through VoiceGatewayCore): resume and newSession are
 * handled inside the gateway while the state shows `connecting`; `rejoin` sends op 4 again and
 * waits for a fresh server/token pair; `fatal` ends in `disconnected` with the error (4017 is an
 * E2EERequiredError). UDP survives a gateway resume: Discord keeps the media session.
 *
 * DAVE (E2EE) is on by default and lives in ./dave/: this file only composes the controller (its
 * frame transform sits between Opus and transport encryption) and re-emits what it reports.
 */
import { EventEmitter } from 'node:events';
import { VoiceOpcodes } from '@cordwire/opcodes';
import {
  type ClockTimer,
  chooseTransportMode,
  createTransportCipher,
  type FrameTransform,
  type PlayoutBufferOptions,
  type PlayoutStats,
  type ReceivedFrame,
  type ReceivedRtcp,
  SendClock,
  type TransportEncryptionMode,
  VoiceReceiver,
  type VoiceReceiverStats,
  VoiceSender,
  VoiceUdpSocket,
} from '@cordwire/voice-udp';
import type {
  VoiceAdapter,
  VoiceAdapterCreator,
  VoiceServerUpdateData,
  VoiceStateUpdateData,
} from './adapter.js';
import {
  DaveController,
  type DaveDecryptFailure,
  type DaveRecoveryInfo,
  type DaveStats,
  type DaveTransitionInfo,
} from './dave/daveController.js';
import type { DaveSessionFactory } from './dave/daveSession.js';
import { cordwireDaveSessionFactory } from './dave/defaultSession.js';
import { composeFrameTransforms } from './dave/frameTransforms.js';
import { wireDaveToGateway } from './dave/gatewayWiring.js';
import { DaveNotReadyError, VoiceConnectionError, type VoiceWsError } from './errors.js';
import type { ReadyData, SessionDescriptionData } from './payloads.js';
import { frameSource, type OpusSource } from './frameSource.js';
import { sessionKeyBytes, VoiceSessionKey } from './sessionKey.js';
import { VoiceGateway, type VoiceGatewayEndInfo, type VoiceGatewayTimers } from './voiceGateway.js';

export type VoiceConnectionStatus = 'signalling' | 'connecting' | 'ready' | 'disconnected' | 'destroyed';

export type VoiceDisconnectReason =
  /** The voice gateway closed with a code whose policy is fatal. */
  | 'closed'
  /** Rejoins (or reconnects) kept failing. */
  | 'rejoinLimit'
  /** Our user left the channel (VOICE_STATE_UPDATE with channel null) or was moved out. */
  | 'left'
  /** VOICE_SERVER_UPDATE with a null endpoint and no replacement. */
  | 'endpointRemoved'
  /** The adapter could not send op 4 or was destroyed. */
  | 'adapterUnavailable'
  /** UDP setup (IP discovery) failed. */
  | 'udpFailed';

export interface VoiceConnectionState {
  readonly status: VoiceConnectionStatus;
  readonly reason?: VoiceDisconnectReason;
  readonly closeCode?: number;
  readonly error?: VoiceWsError;
}

export interface VoiceConnectionOptions {
  readonly guildId: string;
  readonly channelId: string;
  readonly adapterCreator: VoiceAdapterCreator;
  readonly selfMute?: boolean;
  readonly selfDeaf?: boolean;
  /**
   * DAVE end-to-end encryption: on by default (offers protocol version 1 with @cordwire/dave-mls).
   * `false` offers no DAVE: such a connection is refused by channels that require E2EE (close 4017,
   * an E2EERequiredError). An object picks the implementation or tunes recovery.
   */
  readonly dave?: boolean | VoiceDaveOptions;
  /** Highest DAVE version offered; default 1 with DAVE on, 0 with `dave: false`. */
  readonly maxDaveProtocolVersion?: number;
  /** Transport modes in order of preference; default AES-GCM then XChaCha. */
  readonly modes?: readonly TransportEncryptionMode[];
  /** Extra CA (PEM) trusted for wss, e.g. the emulator's `caPem`. */
  readonly ca?: string | Buffer;
  /** 'ws' only for local servers; Discord is always wss. */
  readonly scheme?: 'wss' | 'ws';
  /** The 20 ms clock; share one across connections. Tests may pass a faster one. */
  readonly sendClock?: SendClock;
  /**
   * Your own frame hook between Opus and transport encryption. With DAVE on it sees plain Opus:
   * outbound before DAVE encrypts, inbound after DAVE decrypted.
   */
  readonly frameTransform?: FrameTransform;
  readonly playout?: PlayoutBufferOptions;
  /** Rejoins through the main gateway before giving up. Default 5. */
  readonly maxRejoinAttempts?: number;
  /** Voice gateway reconnects in a row before a rejoin. Default 5. */
  readonly maxReconnectAttempts?: number;
  readonly ipDiscoveryTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly timers?: VoiceGatewayTimers;
  readonly debug?: (line: string) => void;
}

export interface VoiceDaveOptions {
  /** Makes the DAVE session; default @cordwire/dave-mls. See `daveyDaveSessionFactory` for davey. */
  readonly createSession?: DaveSessionFactory;
  /** Consecutive decrypt failures from one sender, outside transitions, before op 31 recovery. Default 36. */
  readonly decryptFailureTolerance?: number;
}

export interface VoiceConnectionStats {
  readonly receiver: VoiceReceiverStats;
  /** Datagrams held because their SSRC was not mapped to a user yet (SPEAKING not seen). */
  readonly stashedDatagrams: number;
  /** Stashed datagrams evicted (oldest first) or refused because the stash was full or they were too big. */
  readonly stashOverflow: number;
  /** Datagrams in the stash right now (at most 64). */
  readonly stashHeld: number;
  readonly ipDiscoveryRejected: number;
  readonly rejoins: number;
  readonly packetsSent: number;
}

export type VoiceConnectionEvents = {
  stateChange: [oldState: VoiceConnectionState, newState: VoiceConnectionState];
  /** An Opus frame (or a lost slot: `opus` null) from one user, in sequence order. */
  frame: [frame: ReceivedFrame];
  /**
   * An RTCP packet (sender/receiver report, ...) that decrypted under the session key; its
   * header is parsed, the report blocks are left to the caller (RFC 3550 §6.4).
   */
  rtcp: [rtcp: ReceivedRtcp];
  /** A user started/stopped speaking (op 5 from the server). */
  speaking: [userId: string, speaking: number, ssrc: number];
  clientConnect: [userIds: readonly string[]];
  clientDisconnect: [userId: string];
  /** A DAVE transition is pending (keys change when it executes); frames may fail until then. */
  daveTransitionPrepared: [info: DaveTransitionInfo];
  /** A DAVE transition executed (op 22, or transition 0 at once); says the protocol version now in effect. */
  daveTransition: [info: DaveTransitionInfo];
  /** The voice privacy code changed ('' when the call has no E2EE group). */
  davePrivacyCode: [code: string];
  /** A frame from a user failed DAVE decryption and was dropped; the stream goes on. */
  daveDecryptFailure: [failure: DaveDecryptFailure];
  /** A commit/Welcome could not be processed, or a sender kept failing: op 31 sent, rejoining the group. */
  daveRecovery: [info: DaveRecoveryInfo];
  debug: [line: string];
};

/**
 * RTP from an SSRC that SPEAKING has not mapped yet is held, unauthenticated (the SSRC is clear
 * text, so anyone can forge it): 64 datagrams in all, oldest evicted first, each at most 2 KiB
 * (an Opus frame is at most 1275 bytes, RFC 6716 §3.2.1), so at most 128 KiB whatever arrives.
 * 64 packets are 1.3 s of one speaker at 50 packets/s, more than SPEAKING takes to be relayed.
 */
const STASH_LIMIT = 64;
const STASH_MAX_DATAGRAM = 2048;

interface Media {
  readonly socket: VoiceUdpSocket;
  readonly ssrc: number;
  sender?: VoiceSender;
  /** What op 5 last told the server, so the early announcement and the sender's agree. */
  speaking?: boolean;
  removeFromClock?: () => void;
  /** The key and mode `sender` encrypts with, to recognise a repeated SESSION_DESCRIPTION. */
  sessionKey?: VoiceSessionKey;
  sessionMode?: TransportEncryptionMode;
}

let sharedClock: SendClock | undefined;

export class VoiceConnection extends EventEmitter<VoiceConnectionEvents> {
  readonly guildId: string;
  #channelId: string;
  #state: VoiceConnectionState = { status: 'signalling' };
  readonly #opts: VoiceConnectionOptions;
  readonly #adapter: VoiceAdapter;
  #voiceState: VoiceStateUpdateData | undefined;
  #voiceServer: VoiceServerUpdateData | undefined;
  /** The pair the current gateway was built from; a new pair means a new gateway. */
  #connectedWith: string | undefined;
  #gateway: VoiceGateway | undefined;
  #media: Media | undefined;
  readonly #receiver: VoiceReceiver;
  readonly #clock: SendClock;
  #source: (() => Uint8Array | null) | undefined;
  /** Oldest first; see STASH_LIMIT. */
  #stash: Array<{ readonly ssrc: number; readonly datagram: Uint8Array }> = [];
  #stashed = 0;
  #stashOverflow = 0;
  #ipDiscoveryRejected = 0;
  /** Bumped by every READY and teardown, so a UDP setup still awaiting knows it is stale. */
  #udpAttempt = 0;
  #rejoins = 0;
  #rejoinAttempts = 0;
  #packetsSent = 0;
  #playDone: (() => void) | undefined;
  readonly #userSsrc = new Map<string, number>();
  readonly #connectedUsers = new Set<string>();
  #daveProtocolVersion = 0;
  readonly #dave: DaveController | undefined;
  readonly #transform: FrameTransform | undefined;

  constructor(options: VoiceConnectionOptions) {
    super();
    this.#opts = options;
    this.guildId = options.guildId;
    this.#channelId = options.channelId;
    if (!options.sendClock) sharedClock ??= new SendClock();
    this.#clock = options.sendClock ?? sharedClock!;
    this.#dave = this.#createDave();
    this.#transform = this.#dave
      ? composeFrameTransforms(options.frameTransform, this.#dave.transform)
      : options.frameTransform;
    this.#receiver = new VoiceReceiver({
      transform: this.#transform,
      playout: options.playout,
      onFrame: (frame) => this.emit('frame', frame),
      onRtcp: (rtcp) => this.emit('rtcp', rtcp),
    });
    this.#adapter = options.adapterCreator({
      onVoiceServerUpdate: (data) => this.#onServerUpdate(data),
      onVoiceStateUpdate: (data) => this.#onStateUpdate(data),
      destroy: () => this.#setState({ status: 'disconnected', reason: 'adapterUnavailable' }),
    });
    this.#signal();
  }

  get state(): VoiceConnectionState {
    return this.#state;
  }
  get channelId(): string {
    return this.#channelId;
  }
  /** The voice gateway of the current attempt: binary DAVE op events and `sendBinary` live here. */
  get gateway(): VoiceGateway | undefined {
    return this.#gateway;
  }
  get ssrc(): number | undefined {
    return this.#media?.ssrc;
  }
  /**
   * Other users in the call, from CLIENTS_CONNECT (11) and CLIENT_DISCONNECT (13). DAVE checks
   * MLS proposals against this set (research/anchors.md 2.1).
   */
  get connectedUsers(): ReadonlySet<string> {
    return this.#connectedUsers;
  }
  /**
   * The DAVE protocol version in effect: from SESSION_DESCRIPTION, then from executed transitions
   * (0: transport encryption only).
   */
  get daveProtocolVersion(): number {
    return this.#dave ? this.#dave.protocolVersion : this.#daveProtocolVersion;
  }
  /** The voice privacy code of the call's E2EE group ('' without one). */
  get voicePrivacyCode(): string {
    return this.#dave?.privacyCode ?? '';
  }
  /** DAVE counters: frames encrypted, per-sender decrypted/passed through/failed (by reason), recoveries. */
  get daveStats(): DaveStats | undefined {
    return this.#dave?.stats;
  }

  /** The 45-digit verification code shared with another member of the E2EE group. */
  getVerificationCode(userId: string): Promise<string> {
    if (!this.#dave) return Promise.reject(new DaveNotReadyError('DAVE is off for this connection'));
    return this.#dave.getVerificationCode(userId);
  }

  #createDave(): DaveController | undefined {
    const opts = this.#opts;
    if (opts.dave === false || (opts.maxDaveProtocolVersion ?? 1) === 0) return undefined;
    const tuning = typeof opts.dave === 'object' ? opts.dave : {};
    const dave = new DaveController({
      createSession: tuning.createSession ?? cordwireDaveSessionFactory,
      decryptFailureTolerance: tuning.decryptFailureTolerance,
      sendJson: (op, d) => this.#gateway?.send(op, d),
      sendBinary: (op, payload) => this.#gateway?.sendBinary(op, payload),
    });
    dave.on('transitionPrepared', (info) => this.emit('daveTransitionPrepared', info));
    dave.on('transition', (info) => this.emit('daveTransition', info));
    dave.on('privacyCode', (code) => this.emit('davePrivacyCode', code));
    dave.on('decryptFailure', (failure) => this.emit('daveDecryptFailure', failure));
    dave.on('recovery', (info) => this.emit('daveRecovery', info));
    dave.on('debug', (line) => this.#log(line));
    return dave;
  }
  get stats(): VoiceConnectionStats {
    return {
      receiver: this.#receiver.stats,
      stashedDatagrams: this.#stashed,
      stashOverflow: this.#stashOverflow,
      stashHeld: this.#stash.length,
      ipDiscoveryRejected: this.#ipDiscoveryRejected + (this.#media?.socket.stats.discoveryRejected ?? 0),
      rejoins: this.#rejoins,
      packetsSent: this.#packetsSent,
    };
  }

  /** Playout counters (lost, late, reordered...) of a user's stream. */
  playoutStats(userId: string): PlayoutStats | undefined {
    for (const ssrc of this.#ssrcsOf(userId)) return this.#receiver.playoutStats(ssrc);
    return undefined;
  }

  /** Release frames the playout buffers still hold (e.g. at the end of a test or a recording). */
  flushReceive(): void {
    this.#receiver.flush();
  }

  /** Resolves when ready; rejects when the connection ends up disconnected or destroyed first. */
  ready(timeoutMs = 15_000): Promise<void> {
    if (this.#state.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('stateChange', onChange);
        reject(
          new VoiceConnectionError('READY_TIMEOUT', `voice connection not ready within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const onChange = (_: VoiceConnectionState, next: VoiceConnectionState) => {
        if (next.status === 'ready') {
          clearTimeout(timer);
          this.off('stateChange', onChange);
          resolve();
        } else if (next.status === 'disconnected' || next.status === 'destroyed') {
          clearTimeout(timer);
          this.off('stateChange', onChange);
          reject(
            next.error ??
              new VoiceConnectionError(
                'DISCONNECTED',
                `voice connection ${next.status} (${next.reason ?? ''})`,
              ),
          );
        }
      };
      this.on('stateChange', onChange);
    });
  }

  /**
   * Play Opus frames through the send clock (one per tick, Speaking sent before the first).
   * `frames` is an iterable, an async iterable (a stream of Opus packets), or a pull function
   * returning the next frame, undefined for nothing this tick, or null at the end. An async
   * source that falls behind sends silence and resumes as a new talk spurt (Discord's rule for
   * gaps). Resolves when the
   * frames ran out and the trailing silence went out, or when replaced or stopped.
   */
  play(frames: OpusSource): Promise<void> {
    this.#playDone?.();
    const { pull, stop: stopPump } = frameSource(frames, (e) =>
      this.#log(`play source failed: ${e.message}`),
    );
    return new Promise((resolve) => {
      let finished = false;
      this.#playDone = () => {
        if (finished) return;
        finished = true;
        stopPump();
        this.#playDone = undefined;
        resolve();
      };
      this.#source = () => {
        const frame = pull();
        if (frame === null) {
          this.#source = undefined;
          this.#media?.sender?.setSource(undefined);
          // The sender still emits its trailing silence; resolve once it went quiet.
          this.#waitForQuiet();
        }
        return frame ?? null;
      };
      this.#media?.sender?.setSource(this.#source);
      // Announce now, a tick before the first packet can leave: SPEAKING is relayed over the
      // gateway while audio takes UDP, and receivers drop RTP from an SSRC they cannot map yet.
      if (this.#state.status === 'ready') this.#announceSpeaking(true);
    });
  }

  #announceSpeaking(speaking: boolean): void {
    const media = this.#media;
    if (!media || media.speaking === speaking) return;
    media.speaking = speaking;
    this.#gateway?.send(VoiceOpcodes.SPEAKING, { speaking: speaking ? 1 : 0, delay: 0, ssrc: media.ssrc });
  }

  /** Stop playing now (trailing silence still goes out). */
  stopPlaying(): void {
    this.#source = undefined;
    this.#media?.sender?.setSource(undefined);
    this.#playDone?.();
  }

  /** Move to another channel of the same guild (op 4). */
  moveTo(channelId: string): boolean {
    this.#setChannel(channelId, true);
    return this.#signal();
  }

  /** Ask the main gateway again for a voice server (op 4), e.g. after `disconnected`. */
  rejoin(): boolean {
    if (this.#state.status === 'destroyed') return false;
    this.#rejoinAttempts = 0;
    this.#teardownGateway();
    this.#voiceServer = undefined;
    this.#connectedWith = undefined;
    return this.#signal();
  }

  /** Leave the channel (op 4 with channel null) and release everything. */
  destroy(): void {
    if (this.#state.status === 'destroyed') return;
    this.#adapter.sendPayload({
      op: 4,
      d: { guild_id: this.guildId, channel_id: null, self_mute: false, self_deaf: false },
    });
    this.#teardownGateway();
    this.#teardownMedia();
    this.#playDone?.();
    this.#adapter.destroy();
    this.#setState({ status: 'destroyed' });
  }

  /** A move inside the guild: the DAVE group is per channel, so DAVE starts over for the new one. */
  #setChannel(channelId: string, requested = false): void {
    this.#channelId = channelId;
    this.#dave?.moveToChannel(channelId, requested);
  }

  #signal(): boolean {
    const ok = this.#adapter.sendPayload({
      op: 4,
      d: {
        guild_id: this.guildId,
        channel_id: this.#channelId,
        self_mute: this.#opts.selfMute ?? false,
        self_deaf: this.#opts.selfDeaf ?? false,
      },
    });
    if (!ok) {
      this.#setState({ status: 'disconnected', reason: 'adapterUnavailable' });
      return false;
    }
    if (this.#state.status !== 'ready' && this.#state.status !== 'connecting')
      this.#setState({ status: 'signalling' });
    return true;
  }

  #onStateUpdate(data: VoiceStateUpdateData): void {
    if (this.#state.status === 'destroyed') return;
    if (data.channel_id === null) {
      this.#voiceState = undefined;
      this.#teardownGateway();
      this.#teardownMedia();
      this.#setState({ status: 'disconnected', reason: 'left' });
      return;
    }
    this.#setChannel(data.channel_id);
    this.#voiceState = data;
    this.#maybeConnect();
  }

  #onServerUpdate(data: VoiceServerUpdateData): void {
    if (this.#state.status === 'destroyed') return;
    if (data.endpoint === null) {
      // Discord is moving us to another server; a second update with the endpoint follows.
      this.#voiceServer = undefined;
      this.#teardownGateway();
      this.#setState({ status: 'signalling' });
      return;
    }
    this.#voiceServer = data;
    this.#maybeConnect();
  }

  #maybeConnect(): void {
    const vs = this.#voiceState;
    const srv = this.#voiceServer;
    if (!vs || !srv || srv.endpoint === null) return;
    const identity = `${vs.session_id}\0${srv.endpoint}\0${srv.token}`;
    if (identity === this.#connectedWith && this.#gateway) return;
    this.#connectedWith = identity;
    this.#teardownGateway();
    this.#teardownMedia();
    this.#setState({ status: 'connecting' });
    const gateway = new VoiceGateway({
      endpoint: srv.endpoint,
      scheme: this.#opts.scheme,
      ca: this.#opts.ca,
      serverId: srv.guild_id,
      userId: vs.user_id,
      sessionId: vs.session_id,
      token: srv.token,
      maxDaveProtocolVersion: this.#dave ? (this.#opts.maxDaveProtocolVersion ?? 1) : 0,
      maxReconnectAttempts: this.#opts.maxReconnectAttempts,
      timers: this.#opts.timers,
      debug: this.#opts.debug,
    });
    this.#gateway = gateway;
    const mine = () => this.#gateway === gateway;
    // Before the connection's own listeners: a READY resets DAVE before anything else sees it.
    if (this.#dave)
      wireDaveToGateway(gateway, this.#dave, { userId: vs.user_id, channelId: () => this.#channelId }, mine);
    gateway.on('ready', (d) => mine() && this.#onReady(gateway, d));
    gateway.on('sessionDescription', (d) => mine() && this.#onSessionDescription(d));
    gateway.on('resumed', () => {
      if (mine() && this.#media?.sender) this.#setState({ status: 'ready' });
    });
    gateway.on('close', (info) => {
      if (mine() && (info.policy === 'resume' || info.policy === 'newSession'))
        this.#setState({ status: 'connecting' });
    });
    gateway.on('speaking', (d) => {
      if (!mine()) return;
      this.#receiver.mapSsrc(d.ssrc, d.user_id);
      this.#userSsrc.set(d.user_id, d.ssrc);
      this.#replayStash(d.ssrc);
      this.emit('speaking', d.user_id, d.speaking, d.ssrc);
    });
    gateway.on('clientsConnect', (d) => {
      if (!mine()) return;
      for (const id of d.user_ids) this.#connectedUsers.add(id);
      this.emit('clientConnect', d.user_ids);
    });
    gateway.on('clientDisconnect', (d) => {
      if (!mine()) return;
      this.#receiver.removeUser(d.user_id);
      this.#userSsrc.delete(d.user_id);
      this.#connectedUsers.delete(d.user_id);
      this.emit('clientDisconnect', d.user_id);
    });
    // Rejoins count as spent until a heartbeat round trip succeeds on the new session: a server
    // that hands out a session and closes it at once (4006, 4009...) must not loop forever.
    gateway.on('heartbeatAck', () => {
      if (mine() && this.#state.status === 'ready') this.#rejoinAttempts = 0;
    });
    gateway.on('end', (info) => mine() && this.#onGatewayEnd(info));
    gateway.on('debug', (line) => this.emit('debug', line));
    gateway.connect();
  }

  #onGatewayEnd(info: VoiceGatewayEndInfo): void {
    this.#gateway = undefined;
    this.#connectedWith = undefined;
    if (info.policy === 'manual') return;
    if (info.policy === 'fatal') {
      this.#teardownMedia();
      this.#setState({ status: 'disconnected', reason: 'closed', closeCode: info.code, error: info.error });
      return;
    }
    // rejoin: the voice session is gone; only the main gateway can hand out a new one.
    this.#teardownMedia();
    this.#rejoinAttempts++;
    if (this.#rejoinAttempts > (this.#opts.maxRejoinAttempts ?? 5)) {
      this.#setState({
        status: 'disconnected',
        reason: 'rejoinLimit',
        closeCode: info.code,
        error: info.error ?? new VoiceConnectionError('REJOIN_LIMIT', 'voice rejoin attempts exhausted'),
      });
      return;
    }
    this.#rejoins++;
    this.#voiceServer = undefined;
    this.#setState({ status: 'signalling' });
    this.#signal();
  }

  async #onReady(gateway: VoiceGateway, ready: ReadyData): Promise<void> {
    // A new READY (fresh identify) means a fresh media session and a fresh view of the call.
    this.#teardownMedia();
    this.#connectedUsers.clear();
    const attempt = ++this.#udpAttempt;
    let media: Media | undefined;
    try {
      const socket = await VoiceUdpSocket.connect({
        address: ready.ip,
        port: ready.port,
        timer: this.#udpTimer(),
        keepaliveIntervalMs: this.#opts.keepaliveIntervalMs,
      });
      // Torn down, or a newer READY, while the socket was being bound: this one is stale.
      if (attempt !== this.#udpAttempt || this.#gateway !== gateway) {
        await socket.close();
        return;
      }
      media = { socket, ssrc: ready.ssrc };
      this.#media = media;
      socket.on('error', (e) => this.#log(`udp error: ${e.message}`));
      const discovered = await socket.discoverIp(ready.ssrc, {
        timeoutMs: this.#opts.ipDiscoveryTimeoutMs ?? 5_000,
        retryMs: Math.max(50, (this.#opts.ipDiscoveryTimeoutMs ?? 5_000) / 5),
      });
      if (this.#media !== media || this.#gateway !== gateway) return;
      const mode = chooseTransportMode(ready.modes, this.#opts.modes);
      if (!mode) {
        this.#log('no common transport encryption mode');
        gateway.destroy();
        this.#teardownMedia();
        this.#setState({
          status: 'disconnected',
          reason: 'closed',
          error: new VoiceConnectionError(
            'NO_COMMON_MODE',
            `server offers ${ready.modes.join(', ')}; none is supported`,
          ),
        });
        return;
      }
      socket.on('datagram', (datagram) => this.#onDatagram(datagram));
      socket.startKeepalive(ready.ssrc);
      gateway.send(VoiceOpcodes.SELECT_PROTOCOL, {
        protocol: 'udp',
        data: { address: discovered.address, port: discovered.port, mode },
      });
    } catch (error) {
      // Torn down meanwhile (destroy, a newer READY): the socket's close ended discovery.
      if (attempt !== this.#udpAttempt || this.#media !== media) return;
      const code = (error as { code?: unknown }).code;
      this.#log(`udp setup failed: ${(error as Error).message}`);
      gateway.destroy();
      this.#teardownMedia();
      this.#setState({
        status: 'disconnected',
        reason: 'udpFailed',
        error:
          error instanceof VoiceConnectionError
            ? error
            : new VoiceConnectionError(
                typeof code === 'string' && code.startsWith('IP_DISCOVERY') ? code : 'UDP_FAILED',
                (error as Error).message,
              ),
      });
    }
  }

  /** The UDP socket's retry and keepalive timers follow the injected timers when there are any. */
  #udpTimer(): ClockTimer | undefined {
    const timers = this.#opts.timers;
    if (!timers) return undefined;
    return {
      now: () => performance.now(),
      setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
      clearTimeout: (handle) => timers.clearTimeout(handle),
    };
  }

  #onSessionDescription(desc: SessionDescriptionData): void {
    const media = this.#media;
    if (!media) return;
    const mode = desc.mode as TransportEncryptionMode;
    this.#daveProtocolVersion = desc.dave_protocol_version;
    // The same key again (a replay after RESUME, a repeated op 4): keep the sender and its nonce
    // counter. A fresh cipher would start a new random counter under a key that already used
    // nonces, and an AEAD nonce must never repeat under one key.
    if (
      media.sender &&
      media.sessionKey &&
      media.sessionMode === mode &&
      media.sessionKey.equals(desc.secret_key)
    ) {
      this.#log('session description repeats the current key; sender kept');
      this.#setState({ status: 'ready' });
      return;
    }
    let cipher: ReturnType<typeof createTransportCipher>;
    try {
      cipher = createTransportCipher(mode, sessionKeyBytes(desc.secret_key));
      this.#receiver.setCipher(createTransportCipher(mode, sessionKeyBytes(desc.secret_key)));
    } catch (error) {
      this.#log(`session description rejected: ${(error as Error).message}`);
      this.#gateway?.destroy();
      this.#teardownMedia();
      this.#setState({
        status: 'disconnected',
        reason: 'closed',
        error: new VoiceConnectionError('BAD_SESSION_DESCRIPTION', `server chose unusable mode ${desc.mode}`),
      });
      return;
    }
    media.removeFromClock?.();
    const sender = new VoiceSender({
      ssrc: media.ssrc,
      cipher,
      transform: this.#transform,
      source: this.#source,
      send: (datagram) => {
        this.#packetsSent++;
        media.socket.send(datagram);
      },
      onSpeakingChange: (speaking) => this.#announceSpeaking(speaking),
      // Frames dropped while DAVE has no send key yet are counted in daveStats, not logged each.
      onError: (e) =>
        e instanceof DaveNotReadyError || this.#log(`send dropped a frame: ${(e as Error).message}`),
    });
    media.sender = sender;
    media.sessionKey = new VoiceSessionKey(sessionKeyBytes(desc.secret_key));
    media.sessionMode = mode;
    media.speaking = false;
    media.removeFromClock = this.#clock.add(sender);
    this.#setState({ status: 'ready' });
  }

  #onDatagram(bytes: Uint8Array): void {
    // RTP whose SSRC is not yet mapped may have overtaken the SPEAKING relayed over the
    // gateway; hold a bounded number and replay them when the mapping arrives.
    if (bytes.length >= 12 && bytes[0]! >> 6 === 2 && (bytes[1]! & 0x7f) === 120) {
      const ssrc = ((bytes[8]! << 24) | (bytes[9]! << 16) | (bytes[10]! << 8) | bytes[11]!) >>> 0;
      if (this.#receiver.userForSsrc(ssrc) === undefined) {
        if (bytes.length > STASH_MAX_DATAGRAM) {
          this.#stashOverflow++;
          return;
        }
        if (this.#stash.length >= STASH_LIMIT) {
          this.#stash.shift();
          this.#stashOverflow++;
        }
        this.#stashed++;
        // A copy: the socket's buffer is not ours to keep.
        this.#stash.push({ ssrc, datagram: bytes.slice() });
        return;
      }
    }
    this.#receiver.handleDatagram(bytes);
  }

  #replayStash(ssrc: number): void {
    if (!this.#stash.some((entry) => entry.ssrc === ssrc)) return;
    const mine = this.#stash.filter((entry) => entry.ssrc === ssrc);
    this.#stash = this.#stash.filter((entry) => entry.ssrc !== ssrc);
    for (const entry of mine) this.#receiver.handleDatagram(entry.datagram);
  }

  #ssrcsOf(userId: string): number[] {
    const ssrc = this.#userSsrc.get(userId);
    return ssrc === undefined ? [] : [ssrc];
  }

  #waitForQuiet(): void {
    const check = () => {
      const sender = this.#media?.sender;
      if (!sender?.speaking) {
        // Nothing was sent (an empty source): take back the early announcement.
        this.#announceSpeaking(false);
        this.#playDone?.();
        return;
      }
      setTimeout(check, this.#clock.intervalMs).unref();
    };
    setTimeout(check, this.#clock.intervalMs).unref();
  }

  #teardownGateway(): void {
    const g = this.#gateway;
    this.#gateway = undefined;
    g?.destroy();
  }

  #teardownMedia(): void {
    const m = this.#media;
    this.#media = undefined;
    this.#udpAttempt++;
    this.#stash = [];
    if (!m) return;
    this.#ipDiscoveryRejected += m.socket.stats.discoveryRejected;
    m.sessionKey?.wipe();
    m.removeFromClock?.();
    // Closing ends a pending IP discovery (it rejects) and the keepalive timer.
    void m.socket.close();
  }

  #setState(next: VoiceConnectionState): void {
    const old = this.#state;
    if (old.status === 'destroyed') return;
    if (old.status === next.status && old.reason === next.reason && old.error === next.error) return;
    this.#state = next;
    this.#log(`state ${old.status} -> ${next.status}${next.reason ? ` (${next.reason})` : ''}`);
    this.emit('stateChange', old, next);
  }

  #log(line: string): void {
    this.emit('debug', line);
    this.#opts.debug?.(line);
  }
}

/** Join a voice channel: sends op 4 through the adapter and brings the connection up. */
export function joinVoiceChannel(options: VoiceConnectionOptions): VoiceConnection {
  return new VoiceConnection(options);
}
