/**
 * DAVE inside one voice connection: drives a DaveSessionLike from the voice gateway's DAVE ops
 * (research/dave.md 2.4 flows A-G) and supplies the frame transform voice-udp runs between Opus and
 * transport encryption. It does no I/O of its own: the connection feeds it gateway events and gives
 * it two send functions. The connection never learns which DAVE implementation is behind it.
 *
 * Order: every op that touches the session runs on one promise chain, in wire order, so a commit
 * (async) is processed before the op 22 that executes it. Binary ops that arrive before a session
 * exists (op 25 often precedes op 4) are held, bounded, and replayed once one does.
 *
 * Receive rules (libdave decryptor, field reports in research/dave.md 8):
 * - frames that are not DAVE frames (no 0xFAFA marker) pass only where the session allows
 *   passthrough; elsewhere they are dropped and counted as `unencrypted`, never as failures, and
 *   never start a recovery (Discord sends a few percent of these; discord.js#11445);
 * - a frame that fails to decrypt is dropped and counted by reason; only failures outside a
 *   transition window count toward the recovery threshold, and a success resets it;
 * - recovery sends op 31 with the last transition id even when that id is 0 (discord.js skipped
 *   it then, openclaw#81518), then a fresh key package (op 26). One bad frame never ends a stream:
 *   the transform drops the frame, the playout buffer reports a lost slot, the next frame is tried.
 */
import { EventEmitter } from 'node:events';
import { VoiceOpcodes } from '@cordwire/opcodes';
import type { FrameTransform } from '@cordwire/voice-udp';
import { DaveNotReadyError } from '../errors.js';
import type { DaveSessionFactory, DaveSessionLike } from './daveSession.js';

/** Consecutive failures from one sender outside transitions before op 31 (discord.js's tolerance). */
export const DEFAULT_DECRYPT_FAILURE_TOLERANCE = 36;
/** After op 22, frames still in flight under the old keys; failures this soon count as in-transition. */
const TRANSITION_GRACE_MS = 2_000;
/** DAVE ops held before a session exists; the oldest go first beyond it. */
const EARLY_OP_LIMIT = 64;
/** Prepared transitions remembered while waiting for op 22 (a gateway that never executes must not grow it). */
const PENDING_LIMIT = 16;

export interface DaveTransitionInfo {
  readonly transitionId: number;
  /** The protocol version in effect after this transition (0: transport encryption only). */
  readonly protocolVersion: number;
}

export interface DaveDecryptFailure {
  readonly userId: string;
  /** The implementation's error code (e.g. DAVE_FRAME_AUTH_FAILED), or DAVE_NO_SESSION. */
  readonly reason: string;
  /** Failures from this user with this reason so far. */
  readonly count: number;
  /** The failure happened while a transition was pending or had just executed. */
  readonly inTransition: boolean;
}

export interface DaveRecoveryInfo {
  /** The transition id sent in op 31. */
  readonly transitionId: number;
  readonly reason: string;
}

/** What one sender's frames did on our receive side. */
export interface DaveReceiveStats {
  /** DAVE frames decrypted. */
  decrypted: number;
  /** Unencrypted frames let through (transport-only call, or inside a passthrough window). */
  passedThrough: number;
  /** DAVE frames that failed to decrypt (dropped). */
  failed: number;
  /** Unencrypted frames refused because DAVE is on for this sender (dropped, not failures). */
  unencrypted: number;
  /** Failures by reason. */
  failures: Record<string, number>;
}

export interface DaveStats {
  /** Frames of ours encrypted. */
  readonly encrypted: number;
  /** Frames of ours sent unencrypted because the call is at protocol version 0. */
  readonly sentUnencrypted: number;
  /** Frames of ours dropped because no send key existed yet (joining, or after a reset). */
  readonly notReady: number;
  /** Op 31 recoveries started. */
  readonly recoveries: number;
  /** MLS inputs (ops 25, 27, 29, 30, 24) the session rejected. */
  readonly mlsFailures: number;
  /** DAVE ops dropped because too many arrived before a session existed. */
  readonly earlyOpsDropped: number;
  readonly receive: ReadonlyMap<string, Readonly<DaveReceiveStats>>;
}

export type DaveControllerEvents = {
  /** A transition is pending: prepared (op 21) or its commit/Welcome processed; op 22 will execute it. */
  transitionPrepared: [info: DaveTransitionInfo];
  transition: [info: DaveTransitionInfo];
  privacyCode: [code: string];
  decryptFailure: [failure: DaveDecryptFailure];
  recovery: [info: DaveRecoveryInfo];
  debug: [line: string];
};

export interface DaveControllerOptions {
  readonly createSession: DaveSessionFactory;
  readonly decryptFailureTolerance?: number;
  readonly sendJson: (op: number, d: unknown) => void;
  readonly sendBinary: (op: number, payload: Uint8Array) => void;
  readonly now?: () => number;
}

type EarlyOp = { readonly op: number; readonly payload: Uint8Array };

function isDaveFrame(frame: Uint8Array): boolean {
  const n = frame.length;
  return n >= 2 && frame[n - 1] === 0xfa && frame[n - 2] === 0xfa;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  // davey's errors carry their variant in the message, e.g. "DecryptionFailed(UnencryptedWhenPassthroughDisabled)".
  const message = error instanceof Error ? error.message : String(error);
  const variant = /\(([A-Za-z]+)\)/.exec(message)?.[1];
  return variant ? `DAVEY_${variant}` : 'DAVE_DECRYPT_FAILED';
}

export class DaveController extends EventEmitter<DaveControllerEvents> {
  readonly #opts: DaveControllerOptions;
  readonly #now: () => number;
  readonly #tolerance: number;
  #userId = '';
  #channelId = '';
  #session: DaveSessionLike | undefined;
  /** Protocol version in effect for our sending (op 4, then executed transitions). */
  #protocolVersion = 0;
  /** Version op 24 announced; takes effect when the transition that follows executes. */
  #upcomingVersion: number | undefined;
  #externalSender: Uint8Array | undefined;
  /** The session has taken an external sender: a further op 25 belongs to another group (a move). */
  #senderApplied = false;
  /** Moved to another channel: the next op 25 starts the session for the new channel's group. */
  #awaitingGroup = false;
  #early: EarlyOp[] = [];
  #queue: Promise<void> = Promise.resolve();
  /** Bumped by reset(): queued work of an earlier voice session does nothing. */
  #generation = 0;
  readonly #recognized = new Set<string>();
  /** Prepared, not yet executed transitions, with the version each leads to. */
  readonly #pending = new Map<number, number>();
  #lastTransitionId = 0;
  #lastExecutedAt = Number.NEGATIVE_INFINITY;
  #privacyCode = '';
  /** A recovery is under way; decrypt failures do not start another until a transition executes. */
  #recovering = false;
  readonly #consecutive = new Map<string, number>();
  readonly #receive = new Map<string, DaveReceiveStats>();
  #encrypted = 0;
  #sentUnencrypted = 0;
  #notReady = 0;
  #recoveries = 0;
  #mlsFailures = 0;
  #earlyDropped = 0;

  readonly transform: FrameTransform = {
    transformOutbound: (opus) => this.#encrypt(opus),
    transformInbound: (userId, payload) => this.#decrypt(userId, payload),
  };

  constructor(options: DaveControllerOptions) {
    super();
    this.#opts = options;
    this.#now = options.now ?? (() => performance.now());
    this.#tolerance = options.decryptFailureTolerance ?? DEFAULT_DECRYPT_FAILURE_TOLERANCE;
  }

  get protocolVersion(): number {
    return this.#protocolVersion;
  }
  get privacyCode(): string {
    return this.#privacyCode;
  }
  get epoch(): bigint | null {
    return this.#session?.epoch ?? null;
  }
  get lastTransitionId(): number {
    return this.#lastTransitionId;
  }
  /** Transitions prepared and not yet executed. */
  get pendingTransitions(): readonly number[] {
    return [...this.#pending.keys()];
  }
  /** Users the voice gateway told us about (op 11 minus op 13); Adds are checked against them. */
  get recognizedUsers(): ReadonlySet<string> {
    return this.#recognized;
  }
  /** The session's roster, ourselves included ([] without a group). */
  get members(): string[] {
    return this.#session?.getUserIds() ?? [];
  }
  get stats(): DaveStats {
    const receive = new Map<string, DaveReceiveStats>();
    for (const [id, s] of this.#receive) receive.set(id, { ...s, failures: { ...s.failures } });
    return {
      encrypted: this.#encrypted,
      sentUnencrypted: this.#sentUnencrypted,
      notReady: this.#notReady,
      recoveries: this.#recoveries,
      mlsFailures: this.#mlsFailures,
      earlyOpsDropped: this.#earlyDropped,
      receive,
    };
  }

  getVerificationCode(userId: string): Promise<string> {
    const session = this.#session;
    if (!session) return Promise.reject(new DaveNotReadyError('no DAVE session'));
    return session.getVerificationCode(userId);
  }

  /**
   * A new voice session (READY after identify): forget the old group and everything queued for it.
   * `userId` and `channelId` are the session's identity and MLS group.
   */
  reset(userId: string, channelId: string): void {
    this.#generation++;
    this.#userId = userId;
    this.#channelId = channelId;
    this.#session = undefined;
    this.#protocolVersion = 0;
    this.#upcomingVersion = undefined;
    this.#externalSender = undefined;
    this.#senderApplied = false;
    this.#awaitingGroup = false;
    this.#early = [];
    this.#recognized.clear();
    this.#pending.clear();
    this.#lastTransitionId = 0;
    this.#lastExecutedAt = Number.NEGATIVE_INFINITY;
    this.#recovering = false;
    this.#consecutive.clear();
    this.#setPrivacyCode('');
  }

  /**
   * We moved to another channel of the guild on the same voice session. The MLS group id is the
   * channel id, so this is a new group: the old session goes, with every key of the old epoch (frames
   * of the old channel's members no longer decrypt, and nothing of ours goes out until the new group
   * gives us a send key). The op 25 the server sends for the new channel starts a fresh session,
   * which sends a fresh key package (op 26) and joins from the proposals or Welcome that follow.
   * When that op 25 came before we learnt of the move (a move by someone else: the voice state
   * update and the voice gateway race), it was held and the new session starts at once.
   * `requested` says we asked for the move ourselves and have not sent the op 4 yet: an op 25 held
   * now cannot be for the new channel, and starting on it would send a key package to the old one.
   */
  moveToChannel(channelId: string, requested = false): void {
    if (channelId === this.#channelId) return;
    const wasDave = this.#session !== undefined || this.#protocolVersion !== 0;
    const heldSender = this.#senderApplied || requested ? undefined : this.#externalSender;
    this.#generation++;
    this.#channelId = channelId;
    this.#session = undefined;
    this.#upcomingVersion = undefined;
    this.#externalSender = heldSender;
    this.#senderApplied = false;
    this.#early = [];
    // The old channel's users are not in the new group; the server announces the new channel's
    // (op 11) after our op 4. A move by someone else may race that op 11, so it keeps the set.
    if (requested) this.#recognized.clear();
    this.#pending.clear();
    this.#lastTransitionId = 0;
    this.#lastExecutedAt = Number.NEGATIVE_INFINITY;
    this.#recovering = false;
    this.#consecutive.clear();
    this.#setPrivacyCode('');
    if (!wasDave) return;
    this.#log(`moved to channel ${channelId}: DAVE session dropped, waiting for the new group`);
    if (heldSender) this.#startSession(this.#protocolVersion);
    else this.#awaitingGroup = true;
  }

  // ------------------------------------------------------------------ gateway events

  clientsConnect(userIds: readonly string[]): void {
    for (const id of userIds) this.#recognized.add(id);
  }

  clientDisconnect(userId: string): void {
    this.#recognized.delete(userId);
    this.#consecutive.delete(userId);
  }

  /** Op 4: the version the server chose for this call. */
  sessionDescription(daveProtocolVersion: number): void {
    if (daveProtocolVersion === 0) {
      if (!this.#session) this.#protocolVersion = 0;
      return;
    }
    this.#protocolVersion = daveProtocolVersion;
    // A repeated op 4 (after a resume) keeps the session we have.
    if (this.#session) return;
    this.#startSession(daveProtocolVersion);
  }

  /** Binary server ops 25, 27, 29, 30 (payload after seq and opcode). */
  binary(op: number, payload: Uint8Array): void {
    if (op === VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER) {
      if (this.#senderApplied) {
        // Our session is in (or joining) a group already, whose external sender cannot change: this
        // op 25 is for the group of a channel we are being moved to. Held for moveToChannel().
        this.#senderApplied = false;
        this.#externalSender = payload;
        this.#log('op 25 while in a group: held for the channel we are moving to');
        return;
      }
      this.#externalSender = payload;
      if (this.#awaitingGroup) {
        this.#awaitingGroup = false;
        this.#startSession(this.#protocolVersion);
        return;
      }
    }
    if (!this.#session) {
      if (op === VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER) return; // remembered; applied at session start
      this.#early.push({ op, payload });
      if (this.#early.length > EARLY_OP_LIMIT) {
        this.#early.shift();
        this.#earlyDropped++;
      }
      return;
    }
    this.#binaryNow(op, payload);
  }

  /** Op 21. */
  prepareTransition(transitionId: number, protocolVersion: number): void {
    this.#enqueue(`op 21 (${transitionId})`, async (session) => {
      const answer = session ? session.prepareTransition(transitionId, protocolVersion) : transitionId !== 0;
      this.#setPending(transitionId, protocolVersion);
      if (transitionId !== 0) this.emit('transitionPrepared', { transitionId, protocolVersion });
      if (transitionId === 0) this.#executed(0);
      else if (answer) this.#readyForTransition(transitionId);
    });
  }

  /** Op 22. */
  executeTransition(transitionId: number): void {
    this.#enqueue(`op 22 (${transitionId})`, async (session) => {
      session?.executeTransition(transitionId);
      this.#executed(transitionId);
    });
  }

  /** Op 24. Epoch 1: a new group; a fresh key package goes out (op 26). */
  prepareEpoch(epoch: number, protocolVersion: number): void {
    if (protocolVersion === 0) return;
    this.#upcomingVersion = protocolVersion;
    if (!this.#session) {
      // Upgrade of a call we joined at version 0: the session starts now, as at op 4.
      this.#startSession(protocolVersion);
      return;
    }
    this.#enqueue(`op 24 (epoch ${epoch})`, async (session) => {
      if (!session) return;
      const keyPackage = await session.prepareEpoch(epoch, protocolVersion);
      if (keyPackage) this.#opts.sendBinary(VoiceOpcodes.DAVE_MLS_KEY_PACKAGE, keyPackage);
    });
  }

  // ------------------------------------------------------------------ session

  #startSession(protocolVersion: number): void {
    let session: DaveSessionLike;
    try {
      session = this.#opts.createSession(protocolVersion, this.#userId, this.#channelId);
    } catch (error) {
      this.#mlsFailures++;
      this.#log(`DAVE session could not start: ${(error as Error).message}`);
      return;
    }
    this.#session = session;
    const externalSender = this.#externalSender;
    if (externalSender) this.#senderApplied = true;
    this.#enqueue('session start', async () => {
      if (externalSender) await session.setExternalSender(externalSender);
      const keyPackage = await session.getSerializedKeyPackage();
      this.#opts.sendBinary(VoiceOpcodes.DAVE_MLS_KEY_PACKAGE, keyPackage);
    });
    const early = this.#early;
    this.#early = [];
    for (const { op, payload } of early) this.#binaryNow(op, payload);
  }

  #binaryNow(op: number, payload: Uint8Array): void {
    switch (op) {
      case VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER:
        this.#senderApplied = true;
        this.#enqueue('op 25', async (session) => session?.setExternalSender(payload));
        return;
      case VoiceOpcodes.DAVE_MLS_PROPOSALS: {
        // The recognised set as it stood when op 27 arrived (an op 13 after it must not change it).
        const recognized = [...this.#recognized];
        this.#enqueue('op 27', async (session) => {
          if (!session || payload.length < 1) throw new Error('op 27 without a session or operation byte');
          const result = await session.processProposals(payload[0]!, payload.subarray(1), recognized);
          if (result.commit) {
            const welcome = result.welcome;
            const out = new Uint8Array(result.commit.length + (welcome?.length ?? 0));
            out.set(result.commit, 0);
            if (welcome) out.set(welcome, result.commit.length);
            this.#opts.sendBinary(VoiceOpcodes.DAVE_MLS_COMMIT_WELCOME, out);
          }
        });
        return;
      }
      case VoiceOpcodes.DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION:
      case VoiceOpcodes.DAVE_MLS_WELCOME: {
        const isCommit = op === VoiceOpcodes.DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION;
        const what = isCommit ? 'op 29 commit' : 'op 30 welcome';
        if (payload.length < 2) {
          this.#mlsFailures++;
          this.#log(`${what}: payload shorter than its transition id`);
          return;
        }
        const transitionId = (payload[0]! << 8) | payload[1]!;
        const body = payload.subarray(2);
        this.#enqueue(
          `${what} (${transitionId})`,
          async (session) => {
            if (!session) return;
            const result = isCommit
              ? await session.processCommit(body, transitionId)
              : await session.processWelcome(body, transitionId);
            if (result.removed) {
              this.#log(`${what} removed us from the group`);
              return;
            }
            this.#lastTransitionId = transitionId;
            const version = this.#upcomingVersion ?? session.protocolVersion;
            this.#setPending(transitionId, version);
            if (transitionId === 0) this.#executed(0);
            else {
              this.emit('transitionPrepared', { transitionId, protocolVersion: version });
              this.#readyForTransition(transitionId);
            }
          },
          // A commit or Welcome we cannot process: tell the gateway (op 31) and rejoin the group.
          (session, reason) => this.#recover(session, transitionId, reason),
        );
        return;
      }
      default:
        this.#log(`DAVE binary op ${op} ignored`);
    }
  }

  #enqueue(
    what: string,
    work: (session: DaveSessionLike | undefined) => Promise<void>,
    onFailure?: (session: DaveSessionLike, reason: string) => Promise<void>,
  ): void {
    const generation = this.#generation;
    this.#queue = this.#queue.then(async () => {
      if (generation !== this.#generation) return;
      const session = this.#session;
      try {
        await work(session);
      } catch (error) {
        if (generation !== this.#generation) return;
        this.#mlsFailures++;
        const reason = `${errorCode(error)}: ${(error as Error)?.message ?? String(error)}`;
        this.#log(`${what} failed: ${reason}`);
        if (onFailure && session) {
          try {
            await onFailure(session, reason);
          } catch (again) {
            this.#log(`${what}: recovery failed: ${(again as Error)?.message ?? String(again)}`);
          }
        }
      }
    });
  }

  #setPending(transitionId: number, version: number): void {
    this.#pending.delete(transitionId);
    if (this.#pending.size >= PENDING_LIMIT) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(transitionId, version);
  }

  #readyForTransition(transitionId: number): void {
    this.#opts.sendJson(VoiceOpcodes.DAVE_TRANSITION_READY, { transition_id: transitionId });
  }

  #executed(transitionId: number): void {
    const version =
      this.#pending.get(transitionId) ?? this.#upcomingVersion ?? this.#session?.protocolVersion ?? 0;
    this.#pending.delete(transitionId);
    if (version !== 0) this.#upcomingVersion = undefined;
    this.#protocolVersion = version;
    this.#lastExecutedAt = this.#now();
    this.#recovering = false;
    this.#consecutive.clear();
    this.emit('transition', { transitionId, protocolVersion: version });
    this.#setPrivacyCode(version === 0 ? '' : (this.#session?.voicePrivacyCode ?? ''));
  }

  #setPrivacyCode(code: string): void {
    if (code === this.#privacyCode) return;
    this.#privacyCode = code;
    this.emit('privacyCode', code);
  }

  /** Op 31, then a fresh key package for the gateway to add us with. */
  async #recover(session: DaveSessionLike, transitionId: number, reason: string): Promise<void> {
    this.#recoveries++;
    this.#recovering = true;
    this.#consecutive.clear();
    this.#opts.sendJson(VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME, { transition_id: transitionId });
    this.emit('recovery', { transitionId, reason });
    const keyPackage = await session.prepareEpoch(1, session.protocolVersion);
    if (keyPackage) this.#opts.sendBinary(VoiceOpcodes.DAVE_MLS_KEY_PACKAGE, keyPackage);
  }

  // ------------------------------------------------------------------ media

  #encrypt(opus: Uint8Array): Uint8Array {
    if (this.#protocolVersion === 0) {
      this.#sentUnencrypted++;
      return opus;
    }
    const session = this.#session;
    if (!session?.ready) {
      // Never send plaintext in an E2EE call: the frame is dropped (libdave does the same).
      this.#notReady++;
      throw new DaveNotReadyError('no DAVE send key yet');
    }
    const out = session.encryptOpus(opus);
    this.#encrypted++;
    return out;
  }

  /**
   * A window in which frames may fail for reasons that fix themselves: joining (no transition
   * executed yet in this session), a transition pending, or one executed moments ago.
   */
  #inTransition(): boolean {
    return (
      this.#lastExecutedAt === Number.NEGATIVE_INFINITY ||
      this.#pending.size > 0 ||
      this.#now() - this.#lastExecutedAt < TRANSITION_GRACE_MS
    );
  }

  #statsOf(userId: string): DaveReceiveStats {
    let s = this.#receive.get(userId);
    if (!s) {
      s = { decrypted: 0, passedThrough: 0, failed: 0, unencrypted: 0, failures: {} };
      this.#receive.set(userId, s);
    }
    return s;
  }

  #decrypt(userId: string, payload: Uint8Array): Uint8Array | null {
    const stats = this.#statsOf(userId);
    const dave = isDaveFrame(payload);
    const session = this.#session;
    if (!session) {
      if (!dave && this.#protocolVersion === 0) {
        stats.passedThrough++;
        return payload;
      }
      if (!dave) {
        // E2EE call between groups (moved to another channel): plaintext is refused as in a group.
        stats.unencrypted++;
        return null;
      }
      this.#failed(userId, stats, 'DAVE_NO_SESSION', true);
      return null;
    }
    try {
      const out = session.decrypt(userId, 0, payload);
      if (dave) stats.decrypted++;
      else stats.passedThrough++;
      this.#consecutive.delete(userId);
      return out;
    } catch (error) {
      if (!dave) {
        // Unencrypted while passthrough is off: refused, but neither a failure nor a reason to recover.
        stats.unencrypted++;
        return null;
      }
      this.#failed(userId, stats, errorCode(error), this.#inTransition());
      return null;
    }
  }

  #failed(userId: string, stats: DaveReceiveStats, reason: string, inTransition: boolean): void {
    stats.failed++;
    const count = (stats.failures[reason] ?? 0) + 1;
    stats.failures[reason] = count;
    this.emit('decryptFailure', { userId, reason, count, inTransition });
    const session = this.#session;
    if (inTransition || this.#recovering || !session) return;
    const run = (this.#consecutive.get(userId) ?? 0) + 1;
    this.#consecutive.set(userId, run);
    if (run < this.#tolerance) return;
    this.#consecutive.clear();
    this.#recovering = true;
    const transitionId = this.#lastTransitionId;
    this.#log(
      `${run} frames from ${userId} failed to decrypt in a row; recovering (op 31, transition ${transitionId})`,
    );
    this.#enqueue('decrypt recovery', async (current) => {
      if (current)
        await this.#recover(current, transitionId, `${run} consecutive decrypt failures (${reason})`);
    });
  }

  #log(line: string): void {
    this.emit('debug', line);
  }
}
