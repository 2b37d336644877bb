/** @snazzah/davey through its public API only, behind bench's MlsMember interface. */
import { DAVESession, type ProposalsOperationType } from '@snazzah/davey';
import type { MlsMember } from '../dave/mlsMember.js';

/** DAVE protocol version 1, the one davey 0.1.12 and Discord speak. */
const PROTOCOL_VERSION = 1;
/** op 27 operation_type 0 = append (davey's const enum cannot be read under isolatedModules). */
const APPEND = 0 as ProposalsOperationType;

export class DaveyMember implements MlsMember {
  readonly session: DAVESession;
  constructor(
    readonly userId: string,
    channelId: string,
    externalSender: Uint8Array,
  ) {
    this.session = new DAVESession(PROTOCOL_VERSION, userId, channelId);
    this.session.setExternalSender(Buffer.from(externalSender));
  }
  keyPackage(): Uint8Array {
    return this.session.getSerializedKeyPackage();
  }
  processProposals(proposals: Uint8Array, recognizedUserIds: readonly string[]) {
    return this.session.processProposals(APPEND, Buffer.from(proposals), [...recognizedUserIds]);
  }
  processCommit(commit: Uint8Array): void {
    this.session.processCommit(Buffer.from(commit));
  }
  processWelcome(welcome: Uint8Array): void {
    this.session.processWelcome(Buffer.from(welcome));
  }
  epoch(): bigint {
    return this.session.epoch ?? -1n;
  }
  ownLeafIndex(): number {
    return this.session.ownLeafIndex ?? -1;
  }
}

export const daveyFactory = (userId: string, channelId: string, externalSender: Uint8Array): DaveyMember =>
  new DaveyMember(userId, channelId, externalSender);
