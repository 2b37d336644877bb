/**
 * cordwire's DAVE session (@cordwire/dave-mls `DaveSession`, public exports only) behind bench's
 * MlsMember interface. Its API has davey's shape, with promises where MLS work happens.
 */
import { DaveSession, ProposalsOperationType } from '@cordwire/dave-mls';
import type { MlsMember } from '../dave/mlsMember.js';

const PROTOCOL_VERSION = 1;

export class OurMember implements MlsMember {
  private constructor(
    readonly userId: string,
    readonly session: DaveSession,
  ) {}

  static async create(userId: string, channelId: string, externalSender: Uint8Array): Promise<OurMember> {
    const session = new DaveSession(PROTOCOL_VERSION, userId, channelId);
    await session.setExternalSender(externalSender);
    return new OurMember(userId, session);
  }

  keyPackage(): Promise<Uint8Array> {
    return this.session.getSerializedKeyPackage();
  }
  processProposals(proposals: Uint8Array, recognizedUserIds: readonly string[]) {
    return this.session.processProposals(ProposalsOperationType.APPEND, proposals, recognizedUserIds);
  }
  async processCommit(commit: Uint8Array): Promise<void> {
    await this.session.processCommit(commit);
  }
  async processWelcome(welcome: Uint8Array): Promise<void> {
    await this.session.processWelcome(welcome);
  }
  epoch(): bigint {
    return this.session.epoch ?? -1n;
  }
  ownLeafIndex(): number {
    return this.session.ownLeafIndex ?? -1;
  }
}

export const ourFactory = (
  userId: string,
  channelId: string,
  externalSender: Uint8Array,
): Promise<OurMember> => OurMember.create(userId, channelId, externalSender);
