/**
 * DaveSession: one member's DAVE state for one voice connection. The MLS half (key package, pending
 * group, op 27 proposals, op 28 commit/welcome, op 29 commit, op 30 welcome; research/dave.md 2.4)
 * runs on ts-mls 1.6.4 with our patch set; the media half (sender-key ratchets, frame encryptor and
 * per-sender decryptors) is composed from the frame modules. The operations mirror @snazzah/davey's
 * DAVESession (research/dave.md 7) so a voice client can drive either, with MLS operations async.
 *
 * Every MLS input is checked before it can change anything, and the session swaps in a new ts-mls
 * state (immutable objects) only after all checks pass: a rejected input leaves the session as it was.
 */
import {
  type CiphersuiteImpl,
  type ClientState,
  type CryptoProvider,
  createCommit,
  createGroup,
  decodeExternalSender,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  processPublicMessage,
} from 'ts-mls';
import { encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { decodeWelcome, encodeWelcome } from 'ts-mls/welcome.js';
import { generateVerificationCode, generateVoicePrivacyCode } from './codes.js';
import { DaveError } from './errors.js';
import { generatePairwiseFingerprint } from './fingerprint.js';
import { FrameDecryptor, type DecryptionStats } from './frameDecryptor.js';
import { FrameEncryptor, type EncryptionStats } from './frameEncryptor.js';
import { DaveFrameError, DaveFrameErrorCode } from './frameErrors.js';
import { HashRatchet, senderBaseSecrets } from './keyRatchet.js';
import { type Codec, type DaveClock, isOpusSilenceFrame, MediaType, systemClock } from './media.js';
import {
  credentialFor,
  DAVE_CAPABILITIES,
  DAVE_CIPHERSUITE,
  DAVE_LIFETIME,
  DAVE_PROTOCOL_VERSION,
  groupIdFor,
  snowflake,
  userIdFromCredential,
} from './mlsParameters.js';
import {
  decodeMessageAt,
  encodeVector,
  parseProposalMessages,
  parseProposalRefs,
  ProposalsOperationType,
} from './mlsWire.js';
import { fastCryptoProvider, generateP256KeyPair } from './providerFast.js';
import { DaveSessionError, DaveSessionErrorCode } from './sessionErrors.js';

/** Numbered as davey's `SessionStatus`. */
export const SessionStatus = { INACTIVE: 0, PENDING: 1, AWAITING_RESPONSE: 2, ACTIVE: 3 } as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

/** A P-256 signature key pair; `publicKey` is the uncompressed point. Reuse one across a user's connections. */
export interface SigningKeyPair {
  signKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface DaveSessionOptions {
  /** Signature key pair (a fresh one by default). The whitepaper wants one per user across the call and Go Live. */
  keyPair?: SigningKeyPair;
  /** ts-mls crypto provider; {@link fastCryptoProvider} by default. */
  cryptoProvider?: CryptoProvider;
  /** Clock for key retention and passthrough windows. */
  clock?: DaveClock;
}

/** What op 27 produced: send op 28 = `commit || welcome` when `commit` is present. */
export interface ProposalsResult {
  commit?: Uint8Array;
  welcome?: Uint8Array;
}

/** What a processed commit or Welcome means for the caller. */
export interface TransitionResult {
  /** The commit removed us: the group is gone and a fresh pending group waits for a new Welcome. */
  removed: boolean;
  /** Send op 23 with this id (never for transition 0, which has already executed). */
  readyForTransition?: number;
}

/** Default for how long old keys and passthrough stay usable after a transition (libdave kCryptorExpiry). */
const TRANSITION_EXPIRY_MS = 10_000;
/** Transitions prepared but not yet executed that we keep (each holds one sender ratchet). */
const MAX_STAGED_TRANSITIONS = 8;

type Staged = { kind: 'ratchet'; ratchet: HashRatchet } | { kind: 'downgrade' };

interface PendingCommit {
  bytes: Uint8Array;
  state: ClientState;
}

interface Member {
  userId: string;
  signaturePublicKey: Uint8Array;
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};
const refKey = (ref: Uint8Array): string =>
  Buffer.from(ref.buffer, ref.byteOffset, ref.length).toString('base64');

function rejected(what: string, cause: unknown): DaveSessionError {
  if (cause instanceof DaveError) return cause as DaveSessionError;
  // ts-mls errors name the failed check; they carry no key material.
  const reason = cause instanceof Error ? `${cause.constructor.name}: ${cause.message}` : 'unknown error';
  return new DaveSessionError(DaveSessionErrorCode.REJECTED, `${what} rejected by MLS: ${reason}`, { cause });
}

function rosterOf(state: ClientState): Member[] {
  const members: Member[] = [];
  for (let i = 0; i < state.ratchetTree.length; i += 2) {
    const node = state.ratchetTree[i];
    if (node?.nodeType !== 'leaf') continue;
    members.push({
      userId: userIdFromCredential(node.leaf.credential),
      signaturePublicKey: node.leaf.signaturePublicKey,
    });
  }
  return members;
}

function checkNoDuplicates(members: Member[]): void {
  const seen = new Set<string>();
  for (const m of members) {
    if (seen.has(m.userId)) {
      throw new DaveSessionError(
        DaveSessionErrorCode.DUPLICATE_IDENTITY,
        `user ${m.userId} appears twice in the roster`,
      );
    }
    seen.add(m.userId);
  }
}

export class DaveSession {
  #protocolVersion: number;
  #userId: bigint;
  #userIdString: string;
  #channelId: bigint;
  #keyPair: SigningKeyPair;
  readonly #provider: CryptoProvider;
  readonly #clock: DaveClock;
  #suite: Promise<CiphersuiteImpl> | null = null;

  #externalSender: Uint8Array | null = null;
  /** The epoch's state plus the proposals queued by op 27 (ts-mls `unappliedProposals`). */
  #state: ClientState | null = null;
  /** False while #state is our one-member pending group. */
  #inGroup = false;
  #roster: Member[] = [];
  #pendingCommit: PendingCommit | null = null;
  #joinKeyPackage: { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage } | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  readonly #encryptor: FrameEncryptor;
  readonly #decryptors = new Map<string, FrameDecryptor>();
  /** Users who left, with the time their decryptor may be dropped. */
  readonly #departed = new Map<string, number>();
  readonly #staged = new Map<number, Staged>();
  #passthrough = false;
  #passthroughExpiryMs = TRANSITION_EXPIRY_MS;

  /**
   * @param protocolVersion DAVE protocol version (1).
   * @param userId our user id (snowflake).
   * @param channelId the voice channel id (snowflake); the MLS group id.
   */
  constructor(
    protocolVersion: number,
    userId: string | bigint,
    channelId: string | bigint,
    options: DaveSessionOptions = {},
  ) {
    this.#protocolVersion = DaveSession.#checkVersion(protocolVersion);
    this.#userId = snowflake(userId, 'user id');
    this.#userIdString = this.#userId.toString();
    this.#channelId = snowflake(channelId, 'channel id');
    this.#keyPair = options.keyPair ?? generateP256KeyPair();
    this.#provider = options.cryptoProvider ?? fastCryptoProvider;
    this.#clock = options.clock ?? systemClock;
    this.#encryptor = new FrameEncryptor({ clock: this.#clock });
  }

  static #checkVersion(version: number): number {
    if (version !== DAVE_PROTOCOL_VERSION) {
      throw new DaveSessionError(
        DaveSessionErrorCode.INVALID_ARGUMENT,
        `unsupported DAVE protocol version ${version}`,
      );
    }
    return version;
  }

  // ------------------------------------------------------------------ inspection

  get protocolVersion(): number {
    return this.#protocolVersion;
  }
  get userId(): string {
    return this.#userIdString;
  }
  get channelId(): string {
    return this.#channelId.toString();
  }
  get ciphersuite(): number {
    return 2;
  }
  /** Our uncompressed P-256 signature public key (what others use for fingerprints). */
  get signaturePublicKey(): Uint8Array {
    return this.#keyPair.publicKey;
  }

  get status(): SessionStatus {
    if (this.#state === null) return SessionStatus.INACTIVE;
    if (this.#pendingCommit !== null) return SessionStatus.AWAITING_RESPONSE;
    return this.#inGroup ? SessionStatus.ACTIVE : SessionStatus.PENDING;
  }

  /** Media can be encrypted (a commit or Welcome has given us keys). */
  get ready(): boolean {
    return this.#encryptor.hasKeyRatchet;
  }

  /** The MLS epoch of the current group (0 for the pending group), or null without one. */
  get epoch(): bigint | null {
    return this.#state?.groupContext.epoch ?? null;
  }

  /** Our leaf (0 in the pending group, like davey), or null without a group. */
  get ownLeafIndex(): number | null {
    return this.#state ? this.#state.privatePath.leafIndex : null;
  }

  getEpochAuthenticator(): Uint8Array | null {
    return this.#inGroup && this.#state ? this.#state.keySchedule.epochAuthenticator : null;
  }

  /** 30-digit code from the epoch authenticator; '' until we are in an established group. */
  get voicePrivacyCode(): string {
    const auth = this.getEpochAuthenticator();
    return auth === null ? '' : generateVoicePrivacyCode(auth);
  }

  /** The roster's user ids, ourselves included (just us in the pending group, none without a group; as davey). */
  getUserIds(): string[] {
    if (this.#state === null) return [];
    return this.#inGroup ? this.#roster.map((m) => m.userId) : [this.#userIdString];
  }

  /** The proposal refs queued for the next commit, base64 (for tests and diagnostics). */
  get queuedProposalRefs(): string[] {
    return this.#state ? Object.keys(this.#state.unappliedProposals) : [];
  }

  // ------------------------------------------------------------------ MLS handshake

  /** Serialises async MLS operations: each sees the state the previous one left. */
  #run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op, op);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #cipherSuite(): Promise<CiphersuiteImpl> {
    this.#suite ??= getCiphersuiteImpl(getCiphersuiteFromName(DAVE_CIPHERSUITE), this.#provider);
    return this.#suite;
  }

  async #newKeyPackage() {
    const suite = await this.#cipherSuite();
    return generateKeyPackageWithKey(
      credentialFor(this.#userId),
      DAVE_CAPABILITIES,
      DAVE_LIFETIME,
      [],
      this.#keyPair,
      suite,
    );
  }

  /** Our one-member group at epoch 0 whose only extension is the op 25 external sender as an RFC 9420 vector. */
  async #createPendingGroup(externalSender: Uint8Array): Promise<ClientState> {
    const suite = await this.#cipherSuite();
    const own = await this.#newKeyPackage();
    return createGroup(
      groupIdFor(this.#channelId),
      own.publicPackage,
      own.privatePackage,
      [{ extensionType: 'external_senders', extensionData: encodeVector(externalSender) }],
      suite,
    );
  }

  /**
   * Op 25: the voice gateway's ExternalSender. Creates the pending group (status PENDING). Refused
   * once we are in a group (a new external sender arrives only with op 24 epoch 1, see {@link prepareEpoch}).
   */
  setExternalSender(externalSender: Uint8Array): Promise<void> {
    return this.#run(async () => {
      if (this.#inGroup || this.#pendingCommit !== null) {
        throw new DaveSessionError(
          DaveSessionErrorCode.INVALID_STATE,
          'external sender cannot change while in a group',
        );
      }
      let decoded: ReturnType<typeof decodeExternalSender>;
      try {
        decoded = decodeExternalSender(externalSender, 0);
      } catch (cause) {
        throw new DaveSessionError(DaveSessionErrorCode.DECODE, 'op 25: malformed ExternalSender', { cause });
      }
      if (decoded === undefined || decoded[1] !== externalSender.length) {
        throw new DaveSessionError(DaveSessionErrorCode.DECODE, 'op 25: malformed ExternalSender');
      }
      const copy = Uint8Array.from(externalSender);
      const state = await this.#createPendingGroup(copy);
      this.#externalSender = copy;
      this.#state = state;
      this.#inGroup = false;
    });
  }

  /**
   * Op 26 payload: a fresh raw KeyPackage (not an MLSMessage; research/dave.md 2.3). Each call makes a
   * new one and the last one made is the one a Welcome is expected for.
   */
  getSerializedKeyPackage(): Promise<Uint8Array> {
    return this.#run(async () => {
      const kp = await this.#newKeyPackage();
      this.#joinKeyPackage = kp;
      return encodeKeyPackage(kp.publicPackage);
    });
  }

  /**
   * Op 27. `operation` is the payload's first byte (0 append, 1 revoke), `payload` the rest. Appended
   * proposals must be for this group and epoch, from the external sender, Add or Remove only, and Adds
   * only for `recognizedUserIds` (ourselves implied) when given. Returns the commit (and Welcome) to
   * send as op 28, or nothing when no proposals remain or a proposal removes us.
   */
  processProposals(
    operation: number,
    payload: Uint8Array,
    recognizedUserIds?: readonly string[] | null,
  ): Promise<ProposalsResult> {
    return this.#run(async () => {
      const base = this.#state;
      if (base === null) throw new DaveSessionError(DaveSessionErrorCode.INVALID_STATE, 'op 27 before op 25');
      let state: ClientState;
      if (operation === ProposalsOperationType.APPEND)
        state = await this.#appendProposals(base, payload, recognizedUserIds);
      else if (operation === ProposalsOperationType.REVOKE) state = this.#revokeProposals(base, payload);
      else
        throw new DaveSessionError(
          DaveSessionErrorCode.INVALID_ARGUMENT,
          `op 27: unknown operation type ${operation}`,
        );

      const queued = Object.values(state.unappliedProposals);
      const removesUs =
        this.#inGroup &&
        queued.some(
          (p) =>
            p.proposal.proposalType === 'remove' && p.proposal.remove.removed === state.privatePath.leafIndex,
        );
      if (queued.length === 0 || removesUs) {
        // Nothing to commit, or a batch that removes us: MLS forbids committing our own removal, so
        // another member commits it (the committer-removed case).
        this.#state = state;
        this.#pendingCommit = null;
        return {};
      }
      const suite = await this.#cipherSuite();
      let result: Awaited<ReturnType<typeof createCommit>>;
      try {
        result = await createCommit(
          { state, cipherSuite: suite },
          { wireAsPublicMessage: true, ratchetTreeExtension: true },
        );
      } catch (cause) {
        throw rejected('commit of queued proposals', cause);
      }
      checkNoDuplicates(rosterOf(result.newState));
      const commit = encodeMlsMessage(result.commit);
      this.#state = state;
      this.#pendingCommit = { bytes: commit, state: result.newState };
      return result.welcome ? { commit, welcome: encodeWelcome(result.welcome) } : { commit };
    });
  }

  async #appendProposals(
    base: ClientState,
    payload: Uint8Array,
    recognizedUserIds: readonly string[] | null | undefined,
  ): Promise<ClientState> {
    const messages = parseProposalMessages(payload);
    const recognized = recognizedUserIds ? new Set([...recognizedUserIds, this.#userIdString]) : null;
    const suite = await this.#cipherSuite();
    let state = base;
    for (const { message } of messages) {
      const pm = this.#checkPublic(message, base, 'op 27 proposal');
      const content = pm.content;
      if (content.sender.senderType !== 'external' || content.sender.senderIndex !== 0) {
        throw new DaveSessionError(
          DaveSessionErrorCode.UNEXPECTED_SENDER,
          'op 27: proposal not from the external sender',
        );
      }
      if (content.contentType !== 'proposal') {
        throw new DaveSessionError(
          DaveSessionErrorCode.UNEXPECTED_PROPOSAL,
          'op 27: message is not a proposal',
        );
      }
      const proposal = content.proposal;
      if (proposal.proposalType === 'add') {
        const uid = userIdFromCredential(proposal.add.keyPackage.leafNode.credential);
        if (recognized && !recognized.has(uid)) {
          throw new DaveSessionError(
            DaveSessionErrorCode.UNRECOGNISED_USER,
            `op 27: Add for unrecognised user ${uid}`,
          );
        }
      } else if (proposal.proposalType !== 'remove') {
        throw new DaveSessionError(
          DaveSessionErrorCode.UNEXPECTED_PROPOSAL,
          `op 27: ${proposal.proposalType} proposal not allowed`,
        );
      }
      try {
        state = (await processPublicMessage(state, pm, emptyPskIndex, suite)).newState;
      } catch (cause) {
        throw rejected('op 27 proposal', cause);
      }
    }
    return state;
  }

  #revokeProposals(base: ClientState, payload: Uint8Array): ClientState {
    const refs = parseProposalRefs(payload);
    const remaining = { ...base.unappliedProposals };
    for (const ref of refs) {
      const key = refKey(ref);
      if (!(key in remaining)) {
        throw new DaveSessionError(
          DaveSessionErrorCode.UNKNOWN_PROPOSAL,
          'op 27: revoke of a proposal that is not queued',
        );
      }
      delete remaining[key];
    }
    return { ...base, unappliedProposals: remaining };
  }

  /** Checks shared by proposals and commits: PublicMessage, our group id, the current epoch. */
  #checkPublic(message: MLSMessage, base: ClientState, what: string) {
    if (message.wireformat !== 'mls_public_message') {
      throw new DaveSessionError(DaveSessionErrorCode.UNEXPECTED_SENDER, `${what}: not a PublicMessage`);
    }
    const content = message.publicMessage.content;
    if (!bytesEqual(content.groupId, base.groupContext.groupId)) {
      throw new DaveSessionError(DaveSessionErrorCode.WRONG_GROUP, `${what}: for another group`);
    }
    if (content.epoch !== base.groupContext.epoch) {
      throw new DaveSessionError(
        DaveSessionErrorCode.WRONG_EPOCH,
        `${what}: for epoch ${content.epoch}, current epoch is ${base.groupContext.epoch}`,
      );
    }
    return message.publicMessage;
  }

  /**
   * Op 29 (payload after the u16 transition id). Our own commit is adopted when the bytes match what we
   * sent; any other commit is processed against the current epoch. Pass `transitionId` to hold our new
   * sender key until {@link executeTransition} (0 or omitted: at once, like davey).
   */
  processCommit(commit: Uint8Array, transitionId?: number): Promise<TransitionResult> {
    return this.#run(async () => {
      const base = this.#state;
      if (base === null)
        throw new DaveSessionError(DaveSessionErrorCode.INVALID_STATE, 'commit before op 25');
      const { message, end } = decodeMessageAt(commit, 0, 'op 29 commit');
      if (end !== commit.length)
        throw new DaveSessionError(DaveSessionErrorCode.DECODE, 'op 29 commit: trailing bytes');

      let next: ClientState;
      if (this.#pendingCommit !== null && bytesEqual(commit, this.#pendingCommit.bytes)) {
        next = this.#pendingCommit.state;
      } else {
        if (!this.#inGroup) {
          throw new DaveSessionError(
            DaveSessionErrorCode.INVALID_STATE,
            'commit for a group we are not in yet (wait for the Welcome)',
          );
        }
        const pm = this.#checkPublic(message, base, 'op 29 commit');
        const content = pm.content;
        if (content.contentType !== 'commit' || content.sender.senderType !== 'member') {
          throw new DaveSessionError(
            DaveSessionErrorCode.UNEXPECTED_SENDER,
            'op 29: not a commit from a member',
          );
        }
        if (content.commit.proposals.some((p) => p.proposalOrRefType !== 'reference')) {
          throw new DaveSessionError(
            DaveSessionErrorCode.UNEXPECTED_PROPOSAL,
            'op 29: commit carries inline proposals',
          );
        }
        // Defence in depth for ts-mls's self-removal detection (research/interop-check.md 4.2).
        const ownLeaf = base.privatePath.leafIndex;
        const removesUs = content.commit.proposals.some((p) => {
          if (p.proposalOrRefType !== 'reference') return false;
          const queued = base.unappliedProposals[refKey(p.reference)];
          return queued?.proposal.proposalType === 'remove' && queued.proposal.remove.removed === ownLeaf;
        });
        const suite = await this.#cipherSuite();
        try {
          next = (await processPublicMessage(base, pm, emptyPskIndex, suite)).newState;
        } catch (cause) {
          if (!removesUs) throw rejected('op 29 commit', cause);
          next = { ...base, groupActiveState: { kind: 'removedFromGroup' } };
        }
        if (removesUs || next.groupActiveState.kind === 'removedFromGroup') {
          await this.#leaveGroup();
          return { removed: true };
        }
      }
      const roster = rosterOf(next);
      checkNoDuplicates(roster);
      await this.#enterEpoch(next, roster, transitionId);
      return this.#transitionResult(transitionId);
    });
  }

  /**
   * Op 30 (payload after the u16 transition id): a raw Welcome for our last key package. The group must
   * be our channel's, carry exactly one external sender equal to op 25's, and have no duplicate users.
   */
  processWelcome(welcome: Uint8Array, transitionId?: number): Promise<TransitionResult> {
    return this.#run(async () => {
      const externalSender = this.#externalSender;
      if (externalSender === null)
        throw new DaveSessionError(DaveSessionErrorCode.INVALID_STATE, 'Welcome before op 25');
      const kp = this.#joinKeyPackage;
      if (kp === null)
        throw new DaveSessionError(
          DaveSessionErrorCode.NO_KEY_PACKAGE,
          'Welcome but no key package is waiting',
        );
      let decoded: ReturnType<typeof decodeWelcome>;
      try {
        decoded = decodeWelcome(welcome, 0);
      } catch (cause) {
        throw new DaveSessionError(DaveSessionErrorCode.DECODE, 'op 30: malformed Welcome', { cause });
      }
      if (decoded === undefined || decoded[1] !== welcome.length) {
        throw new DaveSessionError(DaveSessionErrorCode.DECODE, 'op 30: malformed Welcome');
      }
      const suite = await this.#cipherSuite();
      let next: ClientState;
      try {
        next = await joinGroup(decoded[0], kp.publicPackage, kp.privatePackage, emptyPskIndex, suite);
      } catch (cause) {
        throw rejected('op 30 Welcome', cause);
      }
      if (!bytesEqual(next.groupContext.groupId, groupIdFor(this.#channelId))) {
        throw new DaveSessionError(DaveSessionErrorCode.WRONG_GROUP, 'op 30: Welcome for another group');
      }
      const senders = next.groupContext.extensions.filter((e) => e.extensionType === 'external_senders');
      const expected = encodeVector(externalSender);
      if (senders.length !== 1 || !bytesEqual(senders[0]!.extensionData, expected)) {
        throw new DaveSessionError(
          DaveSessionErrorCode.EXTERNAL_SENDER_MISMATCH,
          'op 30: group must have exactly one external sender, the one from op 25',
        );
      }
      const roster = rosterOf(next);
      checkNoDuplicates(roster);
      this.#joinKeyPackage = null;
      await this.#enterEpoch(next, roster, transitionId);
      return this.#transitionResult(transitionId);
    });
  }

  #transitionResult(transitionId: number | undefined): TransitionResult {
    return transitionId ? { removed: false, readyForTransition: transitionId } : { removed: false };
  }

  /** Removed by a commit: back to a fresh pending group; old receive keys run out after the usual window. */
  async #leaveGroup(): Promise<void> {
    const pending = this.#externalSender ? await this.#createPendingGroup(this.#externalSender) : null;
    this.#state = pending;
    this.#inGroup = false;
    this.#roster = [];
    this.#pendingCommit = null;
    for (const [uid, decryptor] of this.#decryptors) this.#retire(uid, decryptor);
  }

  #retire(uid: string, decryptor: FrameDecryptor): void {
    if (this.#departed.has(uid)) return;
    decryptor.transitionToKeyRatchet(null, TRANSITION_EXPIRY_MS);
    this.#departed.set(uid, this.#clock.now() + TRANSITION_EXPIRY_MS);
  }

  /** Install the epoch: receive ratchets for every other member now, our send ratchet now or at execute. */
  async #enterEpoch(next: ClientState, roster: Member[], transitionId: number | undefined): Promise<void> {
    const others = roster.filter((m) => m.userId !== this.#userIdString);
    const secrets = senderBaseSecrets(next.keySchedule.exporterSecret, [
      ...others.map((m) => m.userId),
      this.#userIdString,
    ]);
    const own = new HashRatchet(secrets.pop()!);

    // Everything below is synchronous: the session never shows half an epoch.
    this.#state = next;
    this.#inGroup = true;
    this.#roster = roster;
    this.#pendingCommit = null;
    const now = this.#clock.now();
    for (const [uid, until] of this.#departed)
      if (until <= now) {
        this.#departed.delete(uid);
        this.#decryptors.delete(uid);
      }
    const present = new Set(others.map((m) => m.userId));
    others.forEach((m, i) => {
      let decryptor = this.#decryptors.get(m.userId);
      if (decryptor === undefined) {
        decryptor = new FrameDecryptor({ clock: this.#clock });
        if (this.#passthrough) decryptor.transitionToPassthroughMode(true);
        this.#decryptors.set(m.userId, decryptor);
      }
      this.#departed.delete(m.userId);
      decryptor.transitionToKeyRatchet(new HashRatchet(secrets[i]!), TRANSITION_EXPIRY_MS);
    });
    for (const [uid, decryptor] of this.#decryptors) if (!present.has(uid)) this.#retire(uid, decryptor);
    if (transitionId) this.#stage(transitionId, { kind: 'ratchet', ratchet: own });
    else this.#encryptor.setKeyRatchet(own);
  }

  /** A gateway that never executes must not make us hold keys or markers forever: keep the newest few. */
  #stage(transitionId: number, staged: Staged): void {
    this.#staged.delete(transitionId);
    if (this.#staged.size >= MAX_STAGED_TRANSITIONS) this.#staged.delete(this.#staged.keys().next().value!);
    this.#staged.set(transitionId, staged);
  }

  // ------------------------------------------------------------------ transitions (ops 21-24)

  /**
   * Op 21. A downgrade (`protocolVersion` 0) lets every sender's unencrypted frames through now and
   * stops our encryption at execute. Returns true when the caller must answer with op 23; transition 0
   * executes at once and is never answered.
   */
  prepareTransition(transitionId: number, protocolVersion: number): boolean {
    if (protocolVersion === 0) {
      for (const d of this.#decryptors.values()) d.transitionToPassthroughMode(true);
      this.#passthrough = true;
      this.#stage(transitionId, { kind: 'downgrade' });
    }
    if (transitionId === 0) {
      this.executeTransition(0);
      return false;
    }
    return true;
  }

  /**
   * Op 22: switch our sender key (or to plaintext for a downgrade) as staged for this transition.
   * Leaving passthrough after an upgrade keeps unencrypted frames acceptable for the expiry window.
   */
  executeTransition(transitionId: number): void {
    const staged = this.#staged.get(transitionId);
    this.#staged.delete(transitionId);
    if (staged?.kind === 'downgrade') {
      this.#encryptor.setPassthroughMode(true);
      return;
    }
    if (staged?.kind === 'ratchet') this.#encryptor.setKeyRatchet(staged.ratchet);
    // Upgrade: keys are back, so stop sending plaintext and accept it only for the expiry window.
    if ((this.#encryptor.passthrough || this.#passthrough) && this.#encryptor.hasKeyRatchet) {
      this.#encryptor.setPassthroughMode(false);
      this.setPassthroughMode(false, this.#passthroughExpiryMs / 1000);
    }
  }

  /**
   * Op 24. Epoch 1 means the gateway is (re)creating the group: drop the MLS group and start a new
   * pending group, keeping every media key until the next transition executes. Returns the op 26 key
   * package to send in that case, otherwise null.
   */
  prepareEpoch(
    epoch: bigint | number,
    protocolVersion: number = this.#protocolVersion,
  ): Promise<Uint8Array | null> {
    return this.#run(async () => {
      // The epoch comes from op 24's JSON: anything but an integer is a typed error, not a RangeError.
      if (typeof epoch !== 'bigint' && !Number.isSafeInteger(epoch)) {
        throw new DaveSessionError(
          DaveSessionErrorCode.INVALID_ARGUMENT,
          `op 24: epoch ${String(epoch)} is not an integer`,
        );
      }
      if (BigInt(epoch) !== 1n) return null;
      this.#protocolVersion = DaveSession.#checkVersion(protocolVersion);
      const pending = this.#externalSender ? await this.#createPendingGroup(this.#externalSender) : null;
      const kp = await this.#newKeyPackage();
      this.#state = pending;
      this.#inGroup = false;
      this.#roster = [];
      this.#pendingCommit = null;
      this.#joinKeyPackage = kp;
      return encodeKeyPackage(kp.publicPackage);
    });
  }

  /** Forget the group (status INACTIVE). Media keys stay until replaced or expired. */
  reset(): void {
    this.#state = null;
    this.#inGroup = false;
    this.#roster = [];
    this.#pendingCommit = null;
    this.#joinKeyPackage = null;
  }

  /**
   * Like davey's reinit: reset, new identity, media state cleared, and a new pending group at once if
   * the external sender is known.
   */
  reinit(
    protocolVersion: number,
    userId: string | bigint,
    channelId: string | bigint,
    keyPair?: SigningKeyPair,
  ): Promise<void> {
    return this.#run(async () => {
      const version = DaveSession.#checkVersion(protocolVersion);
      const uid = snowflake(userId, 'user id');
      const cid = snowflake(channelId, 'channel id');
      this.reset();
      this.#protocolVersion = version;
      this.#userId = uid;
      this.#userIdString = uid.toString();
      this.#channelId = cid;
      if (keyPair) this.#keyPair = keyPair;
      this.#encryptor.setKeyRatchet(null);
      this.#decryptors.clear();
      this.#departed.clear();
      this.#staged.clear();
      if (this.#externalSender) {
        this.#state = await this.#createPendingGroup(this.#externalSender);
      }
    });
  }

  // ------------------------------------------------------------------ media

  /** Encrypts one frame of ours (synchronous). The Opus silence frame is returned as is. */
  encrypt(mediaType: MediaType, codec: Codec, frame: Uint8Array): Uint8Array {
    return this.#encryptor.encrypt(mediaType, codec, frame);
  }

  encryptOpus(frame: Uint8Array): Uint8Array {
    return this.#encryptor.encrypt(MediaType.AUDIO, 1 as Codec, frame);
  }

  /** Decrypts a frame from `userId` (synchronous). Throws DaveFrameError on any failure. */
  decrypt(userId: string, mediaType: MediaType, frame: Uint8Array): Uint8Array {
    const decryptor = this.#decryptors.get(userId);
    if (decryptor === undefined) {
      if (isOpusSilenceFrame(frame) || this.#passthrough) return frame;
      throw new DaveFrameError(DaveFrameErrorCode.NO_KEY, `no decryptor for user ${userId}`);
    }
    return decryptor.decrypt(mediaType, frame);
  }

  getEncryptionStats(mediaType: MediaType = MediaType.AUDIO): EncryptionStats {
    return this.#encryptor.stats(mediaType);
  }

  getDecryptionStats(userId: string, mediaType: MediaType = MediaType.AUDIO): DecryptionStats | null {
    return this.#decryptors.get(userId)?.stats(mediaType) ?? null;
  }

  canPassthrough(userId: string): boolean {
    return this.#decryptors.get(userId)?.canPassthrough() ?? this.#passthrough;
  }

  /** Accept unencrypted frames from every sender (true), or stop accepting them after `transitionExpiry` seconds. */
  setPassthroughMode(passthrough: boolean, transitionExpiry = 10): void {
    this.#passthrough = passthrough;
    this.#passthroughExpiryMs = transitionExpiry * 1000;
    for (const d of this.#decryptors.values())
      d.transitionToPassthroughMode(passthrough, transitionExpiry * 1000);
  }

  // ------------------------------------------------------------------ verification

  #member(userId: string): Member {
    const m = this.#roster.find((x) => x.userId === userId);
    if (!m)
      throw new DaveSessionError(DaveSessionErrorCode.UNKNOWN_USER, `user ${userId} is not in the group`);
    return m;
  }

  /** 64-byte pairwise fingerprint with `userId` (scrypt, async). */
  getPairwiseFingerprint(version: number, userId: string): Promise<Uint8Array> {
    const remote = this.#member(userId);
    return generatePairwiseFingerprint(
      version,
      this.#keyPair.publicKey,
      this.#userIdString,
      remote.signaturePublicKey,
      remote.userId,
    );
  }

  /** 45-digit verification code shared with `userId`. */
  async getVerificationCode(userId: string): Promise<string> {
    return generateVerificationCode(await this.getPairwiseFingerprint(0, userId));
  }

  toString(): string {
    return `DaveSession(user=${this.#userIdString}, channel=${this.#channelId}, status=${this.status}, epoch=${this.epoch ?? 'none'})`;
  }
}
