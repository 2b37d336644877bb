/**
 * What a voice connection needs from a DAVE implementation. @cordwire/dave-mls's DaveSession has
 * exactly this shape (it is the default); `daveyAdapter.ts` gives @snazzah/davey's DAVESession the
 * same shape. The connection and its DAVE controller only ever see this interface, so they cannot
 * tell which one they drive.
 *
 * MLS operations are async (ours run on ts-mls, which is async); frame operations are synchronous
 * because they run on the 20 ms send clock and on every received packet.
 */

/** What op 27 produced: send op 28 = `commit || welcome` when `commit` is present. */
export interface DaveProposalsResult {
  commit?: Uint8Array;
  welcome?: Uint8Array;
}

/** What a processed commit (op 29) or Welcome (op 30) means for the caller. */
export interface DaveTransitionResult {
  /** The commit removed us from the group. */
  removed: boolean;
}

export interface DaveSessionLike {
  /** The DAVE protocol version the session speaks (1). */
  readonly protocolVersion: number;
  /** Media can be encrypted: a commit or Welcome has given us keys. */
  readonly ready: boolean;
  /** The MLS epoch, or null without a group. */
  readonly epoch: bigint | null;
  /** 30-digit voice privacy code of the established group; '' without one. */
  readonly voicePrivacyCode: string;

  /** Op 25. */
  setExternalSender(externalSender: Uint8Array): Promise<void>;
  /** Op 26 payload: a fresh key package (single use). */
  getSerializedKeyPackage(): Promise<Uint8Array>;
  /** Op 27: `operation` is the payload's first byte, `payload` the rest. */
  processProposals(
    operation: number,
    payload: Uint8Array,
    recognizedUserIds: readonly string[],
  ): Promise<DaveProposalsResult>;
  /** Op 29 after the u16 transition id. A non-zero `transitionId` holds our new send key until execute. */
  processCommit(commit: Uint8Array, transitionId: number): Promise<DaveTransitionResult>;
  /** Op 30 after the u16 transition id. */
  processWelcome(welcome: Uint8Array, transitionId: number): Promise<DaveTransitionResult>;
  /** Op 21. Returns true when op 23 must answer it (never for transition 0, which executes at once). */
  prepareTransition(transitionId: number, protocolVersion: number): boolean;
  /** Op 22. */
  executeTransition(transitionId: number): void;
  /**
   * Op 24, and recovery after op 31: with epoch 1 the MLS group is dropped and a fresh pending group
   * made (media keys stay until the next transition); returns the op 26 key package then, else null.
   */
  prepareEpoch(epoch: number, protocolVersion: number): Promise<Uint8Array | null>;

  /** Encrypt one Opus frame of ours. Throws when there is no key. */
  encryptOpus(frame: Uint8Array): Uint8Array;
  /** Decrypt one frame from `userId` (media type 0 = audio). Throws on failure. */
  decrypt(userId: string, mediaType: 0, frame: Uint8Array): Uint8Array;
  /** 45-digit verification code shared with a member of the group. */
  getVerificationCode(userId: string): Promise<string>;
  /** The roster, ourselves included. */
  getUserIds(): string[];
}

/** Makes the session for one voice connection; called when the server selects DAVE (op 4 or op 24). */
export type DaveSessionFactory = (
  protocolVersion: number,
  userId: string,
  channelId: string,
) => DaveSessionLike;
