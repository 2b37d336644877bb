/**
 * Lets @snazzah/davey (Rust/OpenMLS through napi) stand in for @cordwire/dave-mls. voice-ws does not
 * depend on davey: the caller passes the module it imported, and only the structural types below are
 * used here, so a bot without davey installed never loads it.
 *
 *   import * as davey from '@snazzah/davey';
 *   joinVoiceChannel({ ..., dave: { createSession: daveyDaveSessionFactory(davey) } });
 *
 * davey's MLS calls are synchronous and apply a new epoch's keys at once (it has no staged
 * transitions), so this adapter supplies what the controller expects around them: prepared and
 * executed transitions, a downgrade staged until execute, and op 24 epoch 1 as davey's `reinit`.
 * One difference stays visible: davey's `reinit` drops every decryptor at once, so a group reset
 * costs a davey-backed member the frames in flight (research/dave.md 7).
 */
import type {
  DaveProposalsResult,
  DaveSessionFactory,
  DaveSessionLike,
  DaveTransitionResult,
} from './daveSession.js';

/** The part of davey's `DAVESession` this adapter calls. */
export interface DaveyDAVESession {
  readonly protocolVersion: number;
  readonly ready: boolean;
  readonly epoch: bigint | null;
  readonly voicePrivacyCode: string;
  reinit(protocolVersion: number, userId: string, channelId: string): void;
  setExternalSender(externalSenderData: Buffer): void;
  getSerializedKeyPackage(): Buffer;
  processProposals(
    operationType: number,
    proposals: Buffer,
    recognizedUserIds?: string[] | null,
  ): { commit?: Buffer; welcome?: Buffer };
  processCommit(commit: Buffer): void;
  processWelcome(welcome: Buffer): void;
  getVerificationCode(userId: string): Promise<string>;
  encryptOpus(packet: Buffer): Buffer;
  decrypt(userId: string, mediaType: number, packet: Buffer): Buffer;
  getUserIds(): string[];
  setPassthroughMode(passthroughMode: boolean, transitionExpiry?: number | null): void;
}

/** The part of the `@snazzah/davey` module this adapter uses. */
export interface DaveyModule {
  DAVESession: new (protocolVersion: number, userId: string, channelId: string) => DaveyDAVESession;
}

const buf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

/** Seconds unencrypted frames stay acceptable after an upgrade executes (libdave kCryptorExpiry). */
const PASSTHROUGH_EXPIRY_S = 10;
/** Prepared transitions kept while waiting for op 22. */
const MAX_STAGED = 8;

class DaveyDaveSession implements DaveSessionLike {
  readonly #session: DaveyDAVESession;
  readonly #userId: string;
  readonly #channelId: string;
  #protocolVersion: number;
  #externalSender: Buffer | undefined;
  readonly #downgrades = new Set<number>();
  #downgraded = false;

  constructor(davey: DaveyModule, protocolVersion: number, userId: string, channelId: string) {
    this.#session = new davey.DAVESession(protocolVersion, userId, channelId);
    this.#protocolVersion = protocolVersion;
    this.#userId = userId;
    this.#channelId = channelId;
  }

  get protocolVersion(): number {
    return this.#protocolVersion;
  }
  get ready(): boolean {
    return this.#session.ready;
  }
  get epoch(): bigint | null {
    return this.#session.epoch;
  }
  get voicePrivacyCode(): string {
    return this.#session.voicePrivacyCode;
  }

  async setExternalSender(externalSender: Uint8Array): Promise<void> {
    const copy = Buffer.from(externalSender);
    this.#session.setExternalSender(copy);
    this.#externalSender = copy;
  }

  async getSerializedKeyPackage(): Promise<Uint8Array> {
    return this.#session.getSerializedKeyPackage();
  }

  async processProposals(
    operation: number,
    payload: Uint8Array,
    recognizedUserIds: readonly string[],
  ): Promise<DaveProposalsResult> {
    const result = this.#session.processProposals(operation, buf(payload), [...recognizedUserIds]);
    return result.commit ? { commit: result.commit, welcome: result.welcome } : {};
  }

  async processCommit(commit: Uint8Array, _transitionId: number): Promise<DaveTransitionResult> {
    this.#session.processCommit(buf(commit));
    return { removed: false };
  }

  async processWelcome(welcome: Uint8Array, _transitionId: number): Promise<DaveTransitionResult> {
    this.#session.processWelcome(buf(welcome));
    return { removed: false };
  }

  prepareTransition(transitionId: number, protocolVersion: number): boolean {
    if (protocolVersion === 0) {
      // Receivers accept plaintext from now on; we keep encrypting until op 22.
      this.#session.setPassthroughMode(true);
      if (this.#downgrades.size >= MAX_STAGED)
        this.#downgrades.delete(this.#downgrades.values().next().value!);
      this.#downgrades.add(transitionId);
    }
    if (transitionId === 0) {
      this.executeTransition(0);
      return false;
    }
    return true;
  }

  executeTransition(transitionId: number): void {
    if (this.#downgrades.delete(transitionId)) {
      this.#downgraded = true;
      return;
    }
    if (this.#downgraded && this.#session.ready) {
      this.#downgraded = false;
      this.#session.setPassthroughMode(false, PASSTHROUGH_EXPIRY_S);
    }
  }

  async prepareEpoch(epoch: number, protocolVersion: number): Promise<Uint8Array | null> {
    if (epoch !== 1) return null;
    this.#protocolVersion = protocolVersion;
    this.#session.reinit(protocolVersion, this.#userId, this.#channelId);
    if (this.#externalSender) this.#session.setExternalSender(this.#externalSender);
    return this.#session.getSerializedKeyPackage();
  }

  encryptOpus(frame: Uint8Array): Uint8Array {
    return this.#session.encryptOpus(buf(frame));
  }

  decrypt(userId: string, mediaType: 0, frame: Uint8Array): Uint8Array {
    return this.#session.decrypt(userId, mediaType, buf(frame));
  }

  getVerificationCode(userId: string): Promise<string> {
    return this.#session.getVerificationCode(userId);
  }

  getUserIds(): string[] {
    return this.#session.getUserIds();
  }

  toString(): string {
    return `DaveyDaveSession(user=${this.#userId}, channel=${this.#channelId})`;
  }
}

/** A DaveSessionFactory that makes davey sessions; pass the imported `@snazzah/davey` module. */
export function daveyDaveSessionFactory(davey: DaveyModule): DaveSessionFactory {
  return (protocolVersion, userId, channelId) =>
    new DaveyDaveSession(davey, protocolVersion, userId, channelId);
}
