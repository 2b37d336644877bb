/**
 * One voice channel's DAVE group as the voice gateway runs it: the external sender's side of
 * research/dave.md 2.4. It collects key packages (op 26), proposes Adds and Removes (op 27 append,
 * revoke when a pending joiner leaves), takes the first valid commit of the epoch (op 28), announces
 * it (op 29) with the Welcomes (op 30, only to the users it adds), waits for op 23 from every
 * participant (or a timeout) and executes (op 22). It re-creates the group with op 24 epoch 1
 * (upgrade, reset), resets a sole member (op 24 + op 21 transition 0), downgrades for a client
 * without DAVE in an `optional` channel (op 21 version 0) and recovers a member that sends op 31.
 *
 * The gateway is not an MLS member: it holds its signing key and public bookkeeping (leaf per user,
 * epoch, the proposals it sent) and no group secret. One round of proposals or one transition is in
 * flight at a time; anything that changes meanwhile waits for the next round.
 */
import { ExternalSender, ExternalSenderGroup, proposalRef } from '@cordwire/dave-mls';
import { VoiceOpcodes, voiceOpcodeInfo } from '@cordwire/opcodes';
import { readCommit } from './commitHeader.js';
import { DaveInputError, DaveInputErrorCode } from './daveInputError.js';
import type { VoiceE2EESetting } from './e2eeSetting.js';
import { type ValidKeyPackage, validateKeyPackage } from './keyPackage.js';

/** How the channel reaches one member's voice connection. */
export interface DaveLink {
  readonly userId: string;
  sendJson(op: number, d: unknown): void;
  sendBinary(op: number, payload: Uint8Array): void;
  /** End this member's session with a close code (4017 when the channel starts requiring DAVE). */
  drop(code: number): void;
}

export interface DaveChannelOptions {
  readonly guildId: string;
  readonly channelId: string;
  readonly setting: VoiceE2EESetting;
  readonly sender: ExternalSender;
  /** How long to wait for op 23 before executing anyway. */
  readonly transitionTimeoutMs: number;
  /**
   * Announce the commit that creates a group with transition id 0 (members execute at once and send
   * no op 23), as Discord may when a call first forms (research/dave.md 2.4). Default: a numbered
   * transition like every other commit.
   */
  readonly newGroupTransitionZero?: boolean;
  readonly log: (line: string) => void;
  /** A member's op 26 / op 28 / op 23 / op 31 was rejected. */
  readonly onRejected: (userId: string, error: DaveInputError) => void;
}

export interface DaveMemberState {
  readonly userId: string;
  /** The member offered DAVE (max_dave_protocol_version >= 1). */
  readonly daveCapable: boolean;
  /** The DAVE version this member was last told to use (op 4, then op 21/24). */
  readonly protocolVersion: number;
  /** Its leaf in the group as the gateway tracks it, or null when it is not in the group. */
  readonly leafIndex: number | null;
  /** A valid key package is waiting to be proposed. */
  readonly keyPackagePending: boolean;
  /** It sent op 31: its leaf is stale and will be removed. */
  readonly recovering: boolean;
}

export interface DaveChannelState {
  readonly guildId: string;
  readonly channelId: string;
  readonly e2ee: VoiceE2EESetting;
  /** 1 while the channel speaks DAVE, 0 while it is off or downgraded. */
  readonly protocolVersion: number;
  /** The MLS epoch the gateway proposes for (0 while no group exists). */
  readonly epoch: number;
  /** Members, in join order. */
  readonly members: readonly DaveMemberState[];
  /** Proposals sent and not yet committed or revoked. */
  readonly pendingProposals: ReadonlyArray<{ readonly kind: 'add' | 'remove'; readonly userId: string }>;
  readonly pendingTransition: {
    readonly id: number;
    readonly kind: 'commit' | 'downgrade';
    readonly awaiting: readonly string[];
  } | null;
  readonly lastExecutedTransition: number | null;
  readonly transitionsExecuted: number;
  /** Transitions executed by the timeout because someone never sent op 23. */
  readonly transitionTimeouts: number;
  /** Rounds of proposals nobody committed in time (the group was then re-created with op 24). */
  readonly commitTimeouts: number;
  /**
   * Always null: the voice privacy code is derived from the epoch authenticator, a secret of the
   * group's key schedule (research/dave.md 5) that the gateway, not being a member, never has.
   * Per-pair verification codes come from public keys and are available from the voice server.
   */
  readonly privacyCode: null;
}

interface Member {
  readonly link: DaveLink;
  readonly daveCapable: boolean;
  protocolVersion: number;
  keyPackage: ValidKeyPackage | undefined;
  /** The key package whose leaf the member holds (for verification codes). */
  signatureKey: Uint8Array | undefined;
  recovering: boolean;
  sentExternalSender: boolean;
}

interface Proposal {
  readonly kind: 'add' | 'remove';
  readonly userId: string;
  readonly message: Uint8Array;
  readonly ref: string;
  readonly recipients: Set<string>;
  readonly keyPackage?: ValidKeyPackage;
}

interface Round {
  readonly epoch: bigint;
  /** No group exists yet: every pending member may commit the others' Adds and becomes leaf 0. */
  readonly creating: boolean;
  readonly proposals: Map<string, Proposal>;
  readonly committers: Set<string>;
}

interface Transition {
  readonly id: number;
  readonly kind: 'commit' | 'downgrade';
  readonly awaiting: Set<string>;
  readonly participants: Set<string>;
  readonly timer: NodeJS.Timeout;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const opName = (op: number) => voiceOpcodeInfo(op)?.name ?? `op ${op}`;

function withTransitionId(id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out.set(body, 2);
  return out;
}

function transitionIdOf(d: unknown): number | undefined {
  const id =
    typeof d === 'object' && d !== null ? (d as { transition_id?: unknown }).transition_id : undefined;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffff ? id : undefined;
}

export class DaveChannel {
  readonly guildId: string;
  readonly channelId: string;
  #setting: VoiceE2EESetting;
  #protocolVersion: number;
  readonly #opts: DaveChannelOptions;
  readonly #group: ExternalSenderGroup;
  readonly #members = new Map<string, Member>();
  #round: Round | undefined;
  #roundTimer: NodeJS.Timeout | undefined;
  #commitTimeouts = 0;
  /** Members asked to commit in the round that was just decided: their commits arrive late, harmlessly. */
  readonly #outcommitted = new Set<string>();
  #transition: Transition | undefined;
  #lastTransitionId = 0;
  #lastExecuted: number | null = null;
  #executed = 0;
  #timeouts = 0;
  #kick: NodeJS.Immediate | undefined;
  #disposed = false;

  constructor(options: DaveChannelOptions) {
    this.#opts = options;
    this.guildId = options.guildId;
    this.channelId = options.channelId;
    this.#setting = options.setting;
    this.#protocolVersion = options.setting === 'off' ? 0 : 1;
    this.#group = new ExternalSenderGroup(options.sender, options.channelId);
  }

  get setting(): VoiceE2EESetting {
    return this.#setting;
  }

  get empty(): boolean {
    return this.#members.size === 0;
  }

  /** IDENTIFY: a client offering no DAVE may not join a `required` channel (close 4017). */
  refuses(offeredVersion: number): boolean {
    return this.#setting === 'required' && offeredVersion < 1;
  }

  /**
   * SELECT_PROTOCOL: the member takes part from now on. Returns the dave_protocol_version for its
   * SESSION_DESCRIPTION; call {@link started} once that is sent.
   */
  admit(link: DaveLink, offeredVersion: number): number {
    const existing = this.#members.get(link.userId);
    // SELECT_PROTOCOL again on the same session changes nothing for DAVE (and no second op 25).
    if (existing?.link === link) return existing.protocolVersion;
    if (existing) this.leave(existing.link);
    const member: Member = {
      link,
      daveCapable: offeredVersion >= 1,
      protocolVersion: 0,
      keyPackage: undefined,
      signatureKey: undefined,
      recovering: false,
      sentExternalSender: false,
    };
    this.#members.set(link.userId, member);
    this.#reconcileVersion();
    member.protocolVersion = member.daveCapable ? this.#protocolVersion : 0;
    return member.protocolVersion;
  }

  /** After SESSION_DESCRIPTION: a DAVE member gets the external sender (op 25) and then sends op 26. */
  started(userId: string): void {
    const m = this.#members.get(userId);
    if (m && m.protocolVersion >= 1) this.#ensureExternalSender(m);
  }

  /** The member left the call (or re-identified). */
  leave(link: DaveLink): void {
    const m = this.#members.get(link.userId);
    if (!m || m.link !== link) return;
    this.#members.delete(link.userId);
    this.#dropFromRound(link.userId);
    const t = this.#transition;
    if (t) {
      t.participants.delete(link.userId);
      t.awaiting.delete(link.userId);
      if (t.awaiting.size === 0) this.#execute();
    }
    this.#reconcileVersion();
    this.#schedule();
  }

  setSetting(setting: VoiceE2EESetting): void {
    if (setting === this.#setting) return;
    this.#opts.log(`${this.#where()}: E2EE ${this.#setting} -> ${setting}`);
    this.#setting = setting;
    if (setting === 'required')
      for (const m of [...this.#members.values()]) if (!m.daveCapable) m.link.drop(4017);
    this.#reconcileVersion();
  }

  /** Re-create the group (op 24 epoch 1 to everyone), as the gateway does when a new group is needed. */
  resetGroup(): void {
    if (this.#protocolVersion === 0) return;
    this.#newGroup('reset');
  }

  onKeyPackage(link: DaveLink, payload: Uint8Array): void {
    const m = this.#member(link);
    if (!m) return;
    if (!m.daveCapable || this.#protocolVersion === 0) {
      this.#reject(m, new DaveInputError(DaveInputErrorCode.UNEXPECTED, 'key package while DAVE is off'));
      return;
    }
    let kp: ValidKeyPackage;
    try {
      kp = validateKeyPackage(payload, m.link.userId);
    } catch (error) {
      this.#reject(m, error);
      return;
    }
    this.#recv(m, VoiceOpcodes.DAVE_MLS_KEY_PACKAGE);
    // A new key package replaces one still waiting; one already proposed is revoked first.
    if (
      this.#round &&
      [...this.#round.proposals.values()].some((p) => p.kind === 'add' && p.userId === m.link.userId)
    )
      this.#dropFromRound(m.link.userId, { keepCommitter: true });
    m.keyPackage = kp;
    this.#schedule();
  }

  onCommitWelcome(link: DaveLink, payload: Uint8Array): void {
    const m = this.#member(link);
    if (!m) return;
    try {
      this.#acceptCommit(m, payload);
    } catch (error) {
      this.#reject(m, error);
    }
  }

  onReadyForTransition(link: DaveLink, d: unknown): void {
    const m = this.#member(link);
    if (!m) return;
    const id = transitionIdOf(d);
    this.#recv(m, VoiceOpcodes.DAVE_TRANSITION_READY, id);
    const t = this.#transition;
    if (id !== undefined && id === this.#lastExecuted && t?.id !== id) {
      // An answer that arrives after the timeout executed the transition: nothing wrong, just late.
      this.#opts.log(`${this.#where()}: late ready from ${m.link.userId} for executed transition ${id}`);
      return;
    }
    if (id === undefined || !t || t.id !== id) {
      this.#reject(
        m,
        new DaveInputError(
          DaveInputErrorCode.UNEXPECTED,
          `ready for transition ${id} but ${t?.id ?? 'none'} is pending`,
        ),
      );
      return;
    }
    t.awaiting.delete(m.link.userId);
    if (t.awaiting.size === 0) this.#execute();
  }

  /** Op 31: the member could not process a commit or Welcome; it resets and sends a fresh key package. */
  onInvalidCommitWelcome(link: DaveLink, d: unknown): void {
    const m = this.#member(link);
    if (!m) return;
    const id = transitionIdOf(d);
    this.#recv(m, VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME, id);
    if (this.#protocolVersion === 0) return;
    m.recovering = this.#group.leafOf(m.link.userId) !== undefined;
    m.keyPackage = undefined;
    this.#dropFromRound(m.link.userId);
    const t = this.#transition;
    if (t?.awaiting.delete(m.link.userId) && t.awaiting.size === 0) this.#execute();
    this.#schedule();
  }

  state(): DaveChannelState {
    const round = this.#round;
    const t = this.#transition;
    return {
      guildId: this.guildId,
      channelId: this.channelId,
      e2ee: this.#setting,
      protocolVersion: this.#protocolVersion,
      epoch: Number(this.#group.epoch),
      members: [...this.#members.values()].map((m) => ({
        userId: m.link.userId,
        daveCapable: m.daveCapable,
        protocolVersion: m.protocolVersion,
        leafIndex: this.#group.leafOf(m.link.userId) ?? null,
        keyPackagePending: m.keyPackage !== undefined,
        recovering: m.recovering,
      })),
      pendingProposals: round
        ? [...round.proposals.values()].map((p) => ({ kind: p.kind, userId: p.userId }))
        : [],
      pendingTransition: t ? { id: t.id, kind: t.kind, awaiting: [...t.awaiting] } : null,
      lastExecutedTransition: this.#lastExecuted,
      transitionsExecuted: this.#executed,
      transitionTimeouts: this.#timeouts,
      commitTimeouts: this.#commitTimeouts,
      privacyCode: null,
    };
  }

  /** The leaf signature keys of two members in the group, for their verification code. */
  signatureKeys(a: string, b: string): [Uint8Array, Uint8Array] | undefined {
    const ka = this.#members.get(a)?.signatureKey;
    const kb = this.#members.get(b)?.signatureKey;
    return ka && kb && this.#group.leafOf(a) !== undefined && this.#group.leafOf(b) !== undefined
      ? [ka, kb]
      : undefined;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#transition) clearTimeout(this.#transition.timer);
    if (this.#roundTimer) clearTimeout(this.#roundTimer);
    if (this.#kick) clearImmediate(this.#kick);
  }

  // ------------------------------------------------------------------ internals

  #where(): string {
    return `voice: dave ${this.guildId}/${this.channelId}`;
  }

  #member(link: DaveLink): Member | undefined {
    const m = this.#members.get(link.userId);
    return m && m.link === link ? m : undefined;
  }

  #recv(m: Member, op: number, transitionId?: number): void {
    const t = transitionId === undefined ? '' : ` transition ${transitionId}`;
    this.#opts.log(`${this.#where()}: <- ${opName(op)} from ${m.link.userId}${t}`);
  }

  #sendJson(m: Member, op: number, d: Record<string, unknown>): void {
    this.#opts.log(`${this.#where()}: -> ${opName(op)} to ${m.link.userId} ${JSON.stringify(d)}`);
    m.link.sendJson(op, d);
  }

  #sendBinary(m: Member, op: number, payload: Uint8Array, note = ''): void {
    this.#opts.log(`${this.#where()}: -> ${opName(op)} to ${m.link.userId} (${payload.length} bytes${note})`);
    m.link.sendBinary(op, payload);
  }

  #reject(m: Member, error: unknown): void {
    const e =
      error instanceof DaveInputError
        ? error
        : new DaveInputError(
            DaveInputErrorCode.UNEXPECTED,
            error instanceof Error ? error.message : 'unknown error',
          );
    this.#opts.log(`${this.#where()}: rejected from ${m.link.userId}: ${e.code} ${e.message}`);
    this.#opts.onRejected(m.link.userId, e);
  }

  #ensureExternalSender(m: Member): void {
    if (m.sentExternalSender) return;
    m.sentExternalSender = true;
    this.#sendBinary(m, VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, this.#opts.sender.package);
  }

  #nextTransitionId(): number {
    // u16, and 0 is reserved for (re)initialisation that executes at once (research/dave.md 2.4).
    this.#lastTransitionId = (this.#lastTransitionId % 0xffff) + 1;
    return this.#lastTransitionId;
  }

  #daveMembers(): Member[] {
    return [...this.#members.values()].filter((m) => m.daveCapable);
  }

  /** DAVE is on unless the setting is off or a member without DAVE sits in an optional channel. */
  #reconcileVersion(): void {
    const target = this.#setting !== 'off' && [...this.#members.values()].every((m) => m.daveCapable) ? 1 : 0;
    if (target === this.#protocolVersion) return;
    if (target === 0) this.#downgrade();
    else this.#newGroup('upgrade');
  }

  #cancelRoundAndTransition(): void {
    this.#closeRound();
    if (this.#transition) clearTimeout(this.#transition.timer);
    this.#transition = undefined;
    this.#group.reset();
  }

  #downgrade(): void {
    this.#protocolVersion = 0;
    this.#cancelRoundAndTransition();
    const participants = this.#daveMembers().filter((m) => m.protocolVersion >= 1);
    for (const m of this.#members.values()) {
      m.keyPackage = undefined;
      m.recovering = false;
    }
    if (participants.length === 0) return;
    const id = this.#nextTransitionId();
    for (const m of participants)
      this.#sendJson(m, VoiceOpcodes.DAVE_PREPARE_TRANSITION, { transition_id: id, protocol_version: 0 });
    this.#startTransition(
      id,
      'downgrade',
      participants.map((m) => m.link.userId),
    );
  }

  /** Op 24 epoch 1: every DAVE member drops its group and sends a new key package (flow E). */
  #newGroup(why: 'upgrade' | 'reset'): void {
    this.#opts.log(`${this.#where()}: new group (${why})`);
    this.#protocolVersion = 1;
    this.#cancelRoundAndTransition();
    for (const m of this.#daveMembers()) {
      m.keyPackage = undefined;
      m.recovering = false;
      m.protocolVersion = 1;
      this.#ensureExternalSender(m);
      this.#sendJson(m, VoiceOpcodes.DAVE_PREPARE_EPOCH, { protocol_version: 1, epoch: 1 });
    }
  }

  #startTransition(id: number, kind: Transition['kind'], participants: string[]): void {
    const timer = setTimeout(() => {
      const t = this.#transition;
      if (!t || t.id !== id) return;
      this.#timeouts++;
      this.#opts.log(
        `${this.#where()}: transition ${id} timed out waiting for ${opName(VoiceOpcodes.DAVE_TRANSITION_READY)} from ${[...t.awaiting].join(', ')}`,
      );
      this.#execute();
    }, this.#opts.transitionTimeoutMs);
    timer.unref();
    this.#transition = {
      id,
      kind,
      awaiting: new Set(participants),
      participants: new Set(participants),
      timer,
    };
    if (participants.length === 0) this.#execute();
  }

  #execute(): void {
    const t = this.#transition;
    if (!t) return;
    clearTimeout(t.timer);
    this.#transition = undefined;
    this.#lastExecuted = t.id;
    this.#executed++;
    for (const uid of t.participants) {
      const m = this.#members.get(uid);
      if (!m) continue;
      this.#sendJson(m, VoiceOpcodes.DAVE_EXECUTE_TRANSITION, { transition_id: t.id });
      if (t.kind === 'downgrade') m.protocolVersion = 0;
    }
    this.#schedule();
  }

  /** Runs the next round on a later turn so that messages arriving together (op 31 + op 26) share it. */
  #schedule(): void {
    if (this.#kick || this.#disposed) return;
    this.#kick = setImmediate(() => {
      this.#kick = undefined;
      if (this.#disposed) return;
      try {
        this.#nextRound();
      } catch (error) {
        // Ids that are not snowflakes cannot name an MLS group; the channel simply stays without one.
        this.#closeRound();
        this.#group.reset();
        this.#opts.log(`${this.#where()}: cannot propose: ${(error as Error).message}`);
      }
    });
  }

  #nextRound(): void {
    if (this.#protocolVersion === 0 || this.#round || this.#transition) return;
    const dave = this.#daveMembers();
    const inGroup = new Set(this.#group.userIds);
    if (inGroup.size > 0) {
      const committers = dave.filter((m) => inGroup.has(m.link.userId) && !m.recovering);
      if (committers.length === 0) {
        // Nobody left who holds the group: start over from the pending members.
        this.#group.reset();
        this.#nextRound();
        return;
      }
      const stale = [...inGroup].filter((uid) => {
        const m = this.#members.get(uid);
        return !m || m.recovering;
      });
      const joiners = dave.filter((m) => m.keyPackage && (!inGroup.has(m.link.userId) || m.recovering));
      if (dave.length === 1 && joiners.length === 0 && stale.length > 0) {
        this.#soleMemberReset(committers[0]!);
        return;
      }
      if (stale.length === 0 && joiners.length === 0) return;
      const proposals: Proposal[] = [];
      const recipients = new Set(committers.map((m) => m.link.userId));
      for (const uid of stale) {
        const message = this.#group.proposeRemove(uid);
        proposals.push({
          kind: 'remove',
          userId: uid,
          message,
          ref: hex(proposalRef(message)),
          recipients: new Set(recipients),
        });
      }
      for (const m of joiners) {
        const message = this.#group.proposeAdd(m.link.userId, m.keyPackage!.bytes);
        proposals.push({
          kind: 'add',
          userId: m.link.userId,
          message,
          ref: hex(proposalRef(message)),
          recipients: new Set(recipients),
          keyPackage: m.keyPackage,
        });
      }
      this.#openRound(false, proposals, committers);
      return;
    }
    const pending = dave.filter((m) => m.keyPackage);
    if (pending.length < 2) return;
    const proposals = pending.map((m): Proposal => {
      const message = this.#group.proposeAdd(m.link.userId, m.keyPackage!.bytes);
      const recipients = new Set(pending.filter((o) => o !== m).map((o) => o.link.userId));
      return {
        kind: 'add',
        userId: m.link.userId,
        message,
        ref: hex(proposalRef(message)),
        recipients,
        keyPackage: m.keyPackage,
      };
    });
    this.#openRound(true, proposals, pending);
  }

  #closeRound(): void {
    if (this.#roundTimer) clearTimeout(this.#roundTimer);
    this.#roundTimer = undefined;
    this.#round = undefined;
  }

  #openRound(creating: boolean, proposals: Proposal[], committers: Member[]): void {
    const round: Round = {
      epoch: this.#group.epoch,
      creating,
      proposals: new Map(proposals.map((p) => [p.ref, p])),
      committers: new Set(committers.map((m) => m.link.userId)),
    };
    this.#round = round;
    // Members that never commit must not freeze the call: start a new group without waiting for them.
    this.#roundTimer = setTimeout(() => {
      if (this.#round !== round) return;
      this.#commitTimeouts++;
      this.#opts.log(
        `${this.#where()}: no valid ${opName(VoiceOpcodes.DAVE_MLS_COMMIT_WELCOME)} within ${this.#opts.transitionTimeoutMs} ms for epoch ${round.epoch}`,
      );
      this.#newGroup('reset');
    }, this.#opts.transitionTimeoutMs);
    this.#roundTimer.unref();
    for (const m of committers) {
      const mine = proposals.filter((p) => p.recipients.has(m.link.userId));
      const what = mine.map((p) => `${p.kind} ${p.userId}`).join(', ');
      this.#sendBinary(
        m,
        VoiceOpcodes.DAVE_MLS_PROPOSALS,
        ExternalSender.appendPayload(mine.map((p) => p.message)),
        `, append: ${what}, epoch ${this.#group.epoch}`,
      );
    }
  }

  /** The last member of a group starts over in a fresh pending group (flow F). */
  #soleMemberReset(m: Member): void {
    this.#opts.log(`${this.#where()}: sole-member reset of ${m.link.userId}`);
    this.#group.reset();
    m.keyPackage = undefined;
    this.#sendJson(m, VoiceOpcodes.DAVE_PREPARE_EPOCH, { protocol_version: 1, epoch: 1 });
    this.#sendJson(m, VoiceOpcodes.DAVE_PREPARE_TRANSITION, { transition_id: 0, protocol_version: 1 });
  }

  /**
   * Takes `userId` out of the open round: its pending Add is revoked from everyone who got it, it
   * no longer counts as a committer, and a round nobody can commit any more is closed.
   */
  #dropFromRound(userId: string, options: { keepCommitter?: boolean } = {}): void {
    const round = this.#round;
    if (!round) return;
    if (!options.keepCommitter) round.committers.delete(userId);
    const revokeTo = new Map<string, Uint8Array[]>();
    const forgotten: Uint8Array[] = [];
    for (const p of [...round.proposals.values()]) {
      if (!options.keepCommitter) p.recipients.delete(userId);
      const withdrawn = p.kind === 'add' && p.userId === userId;
      if (!withdrawn && p.recipients.size > 0) continue;
      round.proposals.delete(p.ref);
      forgotten.push(p.message);
      for (const r of p.recipients) {
        if (!this.#members.has(r)) continue;
        const list = revokeTo.get(r) ?? [];
        list.push(p.message);
        revokeTo.set(r, list);
      }
    }
    if (forgotten.length > 0) this.#group.revoke(forgotten);
    for (const [uid, messages] of revokeTo) {
      const m = this.#members.get(uid)!;
      this.#sendBinary(
        m,
        VoiceOpcodes.DAVE_MLS_PROPOSALS,
        ExternalSender.revokePayload(messages.map(proposalRef)),
        `, revoke: ${messages.length}`,
      );
    }
    if (round.proposals.size === 0 || round.committers.size === 0) {
      if (round.proposals.size > 0) this.#group.revoke([...round.proposals.values()].map((p) => p.message));
      this.#closeRound();
      this.#schedule();
    }
  }

  #acceptCommit(m: Member, payload: Uint8Array): void {
    const uid = m.link.userId;
    const round = this.#round;
    this.#recv(m, VoiceOpcodes.DAVE_MLS_COMMIT_WELCOME);
    if (!round?.committers.has(uid) && this.#outcommitted.delete(uid)) {
      this.#opts.log(`${this.#where()}: late commit from ${uid} ignored (another commit won the epoch)`);
      return;
    }
    if (!round?.committers.has(uid))
      throw new DaveInputError(
        DaveInputErrorCode.UNEXPECTED,
        'commit but no proposals are pending for this member',
      );
    const h = readCommit(payload);
    const rejected = (why: string) => new DaveInputError(DaveInputErrorCode.COMMIT_REJECTED, why);
    if (
      !/^[0-9]{1,20}$/.test(this.channelId) ||
      hex(h.groupId) !== BigInt(this.channelId).toString(16).padStart(16, '0')
    )
      throw rejected('commit for another group');
    if (h.epoch !== round.epoch)
      throw rejected(`commit for epoch ${h.epoch}, proposals are for ${round.epoch}`);
    const expectedLeaf = round.creating ? 0 : this.#group.leafOf(uid);
    if (h.senderLeaf !== expectedLeaf)
      throw rejected(`commit from leaf ${h.senderLeaf}, member holds ${expectedLeaf}`);
    if (h.inline > 0) throw rejected('commit carries proposals by value');
    if (h.refs.length === 0) throw rejected('commit references no proposal');
    if (new Set(h.refs).size !== h.refs.length) throw rejected('commit references a proposal twice');
    const committed: Proposal[] = [];
    for (const ref of h.refs) {
      const p = round.proposals.get(ref);
      if (!p?.recipients.has(uid)) throw rejected('commit references a proposal that is not pending for it');
      committed.push(p);
    }
    const adds = committed.filter((p) => p.kind === 'add');
    if (adds.length > 0 && h.welcome === undefined)
      throw new DaveInputError(
        DaveInputErrorCode.COMMIT_WITHOUT_WELCOME,
        'commit adds members but carries no Welcome',
      );
    let result: { added: string[]; removed: string[] };
    try {
      result = this.#group.applyCommit(h.commit, round.creating ? uid : undefined);
    } catch (error) {
      throw rejected(`commit does not apply: ${(error as Error).message}`);
    }

    // Accepted: the epoch moved on; every other commit for the old epoch is now stale.
    this.#closeRound();
    this.#outcommitted.clear();
    for (const c of round.committers) if (c !== uid) this.#outcommitted.add(c);
    const id = round.creating && this.#opts.newGroupTransitionZero ? 0 : this.#nextTransitionId();
    if (round.creating) m.signatureKey = m.keyPackage?.signatureKey;
    for (const p of committed) {
      const target = this.#members.get(p.userId);
      if (!target) continue;
      if (p.kind === 'remove') target.recovering = false;
      else {
        target.signatureKey = p.keyPackage?.signatureKey;
        if (target.keyPackage === p.keyPackage) target.keyPackage = undefined;
      }
    }
    if (round.creating) m.keyPackage = undefined;
    const announced = round.creating ? [uid] : [...round.committers];
    const welcomed = result.added.filter((a) => this.#members.has(a));
    const commitMessage = withTransitionId(id, h.commit);
    for (const a of announced) {
      const target = this.#members.get(a);
      if (target)
        this.#sendBinary(
          target,
          VoiceOpcodes.DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION,
          commitMessage,
          `, transition ${id}`,
        );
    }
    const welcome = withTransitionId(id, h.welcome ?? new Uint8Array());
    for (const a of welcomed)
      this.#sendBinary(this.#members.get(a)!, VoiceOpcodes.DAVE_MLS_WELCOME, welcome, `, transition ${id}`);
    this.#opts.log(
      `${this.#where()}: commit from ${uid} accepted for epoch ${round.epoch} (added ${result.added.join(', ') || 'none'}, removed ${result.removed.join(', ') || 'none'})`,
    );
    if (id === 0) {
      // Transition 0 executes on receipt: nobody answers op 23 and no op 22 follows.
      this.#lastExecuted = 0;
      this.#executed++;
      this.#schedule();
      return;
    }
    this.#startTransition(
      id,
      'commit',
      [...new Set([...announced, ...welcomed])].filter((a) => this.#members.has(a)),
    );
  }
}
