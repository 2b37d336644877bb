/**
 * The gateway's bookkeeping around {@link ExternalSender}: which proposals it has sent this epoch, which
 * leaf each user occupies, and the epoch, all learnt from the commits it announces (op 29). The voice
 * gateway never holds MLS secrets; it only needs the leaf index to name in a Remove. For the emulator.
 *
 * Leaf placement follows RFC 9420 12.1.1 / 12.3: a commit applies Removes (blanking leaves) before Adds,
 * and each Add takes the leftmost blank leaf or extends the tree. Truncation only drops blank leaves at
 * the right edge, so "leftmost blank, else append after the last occupied leaf" gives the same index.
 */
import { ExternalSender, proposalRef } from './externalSender.js';
import { decodeMessageAt } from './mlsWire.js';
import { DaveSessionError, DaveSessionErrorCode } from './sessionErrors.js';

type Sent = { kind: 'add'; userId: string } | { kind: 'remove'; userId: string; leaf: number };

const refKey = (ref: Uint8Array): string =>
  Buffer.from(ref.buffer, ref.byteOffset, ref.length).toString('hex');

export class ExternalSenderGroup {
  /** Leaf index -> user id (null for a blank leaf). */
  #leaves: (string | null)[] = [];
  #epoch = 0n;
  readonly #sent = new Map<string, Sent>();

  constructor(
    readonly sender: ExternalSender,
    readonly channelId: string,
  ) {}

  /** The epoch proposals are made for (0 while the group is being created). */
  get epoch(): bigint {
    return this.#epoch;
  }

  /** User ids in the group, in leaf order. */
  get userIds(): string[] {
    return this.#leaves.filter((u): u is string => u !== null);
  }

  leafOf(userId: string): number | undefined {
    const i = this.#leaves.indexOf(userId);
    return i < 0 ? undefined : i;
  }

  /** An Add proposal for `userId`'s op 26 key package, remembered until a commit or revoke. */
  proposeAdd(userId: string, keyPackage: Uint8Array): Uint8Array {
    const message = this.sender.proposeAdd(this.channelId, this.#epoch, keyPackage);
    this.#sent.set(refKey(proposalRef(message)), { kind: 'add', userId });
    return message;
  }

  /** A Remove proposal for `userId`'s leaf. */
  proposeRemove(userId: string): Uint8Array {
    const leaf = this.leafOf(userId);
    if (leaf === undefined)
      throw new DaveSessionError(DaveSessionErrorCode.UNKNOWN_USER, `user ${userId} is not in the group`);
    const message = this.sender.proposeRemove(this.channelId, this.#epoch, leaf);
    this.#sent.set(refKey(proposalRef(message)), { kind: 'remove', userId, leaf });
    return message;
  }

  /** Forget revoked proposals; returns the op 27 revoke payload. */
  revoke(proposalMessages: Uint8Array[]): Uint8Array {
    const refs = proposalMessages.map(proposalRef);
    for (const ref of refs) this.#sent.delete(refKey(ref));
    return ExternalSender.revokePayload(refs);
  }

  /**
   * The commit the gateway announces (op 29): checks it is for this epoch and references only our
   * proposals, then moves the roster and the epoch forward. The commit that creates the group comes
   * from a member the roster does not know yet: name it with `committerUserId` (whose op 28 the
   * gateway chose). Throws a typed error otherwise.
   */
  applyCommit(commit: Uint8Array, committerUserId?: string): { added: string[]; removed: string[] } {
    const { message } = decodeMessageAt(commit, 0, 'commit');
    if (
      message.wireformat !== 'mls_public_message' ||
      message.publicMessage.content.contentType !== 'commit'
    ) {
      throw new DaveSessionError(DaveSessionErrorCode.UNEXPECTED_PROPOSAL, 'not a PublicMessage commit');
    }
    const content = message.publicMessage.content;
    if (content.epoch !== this.#epoch) {
      throw new DaveSessionError(
        DaveSessionErrorCode.WRONG_EPOCH,
        `commit for epoch ${content.epoch}, gateway is at ${this.#epoch}`,
      );
    }
    const sent: Sent[] = [];
    for (const p of content.commit.proposals) {
      const entry = p.proposalOrRefType === 'reference' ? this.#sent.get(refKey(p.reference)) : undefined;
      if (entry === undefined) {
        throw new DaveSessionError(
          DaveSessionErrorCode.UNKNOWN_PROPOSAL,
          'commit references a proposal the gateway did not send',
        );
      }
      sent.push(entry);
    }
    const removed: string[] = [];
    const added: string[] = [];
    if (this.#leaves.length === 0) {
      if (committerUserId === undefined) {
        throw new DaveSessionError(
          DaveSessionErrorCode.INVALID_ARGUMENT,
          'the creating commit needs its committer user id',
        );
      }
      this.#leaves.push(committerUserId); // the creator is leaf 0 of its pending group
    }
    for (const s of sent)
      if (s.kind === 'remove') {
        this.#leaves[s.leaf] = null;
        removed.push(s.userId);
      }
    while (this.#leaves.length > 0 && this.#leaves.at(-1) === null) this.#leaves.pop();
    for (const s of sent)
      if (s.kind === 'add') {
        const blank = this.#leaves.indexOf(null);
        if (blank < 0) this.#leaves.push(s.userId);
        else this.#leaves[blank] = s.userId;
        added.push(s.userId);
      }
    this.#epoch++;
    this.#sent.clear();
    return { added, removed };
  }

  /** Op 24 epoch 1: the group is being re-created. */
  reset(): void {
    this.#leaves = [];
    this.#epoch = 0n;
    this.#sent.clear();
  }
}
