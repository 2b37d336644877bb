/**
 * The few MLS operations a DAVE member performs, as one interface, so the same scenario drives
 * cordwire's session and davey's identically. Every call may be async (ts-mls is).
 */
export interface ProposalsOutcome {
  readonly commit?: Uint8Array;
  readonly welcome?: Uint8Array;
}

export interface MlsMember {
  readonly userId: string;
  /** a fresh serialized KeyPackage (op 26) */
  keyPackage(): Uint8Array | Promise<Uint8Array>;
  /** op 27 APPEND with the proposals vector; returns the commit (and welcome) to send as op 28 */
  processProposals(
    proposals: Uint8Array,
    recognizedUserIds: readonly string[],
  ): ProposalsOutcome | Promise<ProposalsOutcome>;
  /** op 29 */
  processCommit(commit: Uint8Array): void | Promise<void>;
  /** op 30 */
  processWelcome(welcome: Uint8Array): void | Promise<void>;
  epoch(): bigint;
  ownLeafIndex(): number;
}

export type MlsMemberFactory = (
  userId: string,
  channelId: string,
  externalSender: Uint8Array,
) => MlsMember | Promise<MlsMember>;

/** DAVE media frames for one sender/receiver pair that share an MLS group. */
export interface FramePair {
  encrypt(opus: Uint8Array): Uint8Array;
  decrypt(frame: Uint8Array): Uint8Array;
}
