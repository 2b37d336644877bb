/**
 * Op 28 as far as the external sender reads it: `MLSMessage commit` (a PublicMessage) followed by an
 * optional raw Welcome (research/dave.md 2.2). The gateway is not a member and holds no group
 * secrets, so it checks what is public: the group id, the epoch, the committing leaf and the proposal
 * references (RFC 9420 6, 12.4). Signature and confirmation tag need the group's key schedule; the
 * members verify those when they process op 29.
 */
import { splitCommitWelcome } from '@cordwire/dave-mls';
import { DaveInputError, DaveInputErrorCode } from './daveInputError.js';
import { MlsReader } from './mlsReader.js';

const WIRE_FORMAT_PUBLIC_MESSAGE = 1;
const SENDER_MEMBER = 1;
const CONTENT_TYPE_COMMIT = 3;
const PROPOSAL_OR_REF_REFERENCE = 2;

export interface CommitHeader {
  readonly commit: Uint8Array;
  readonly welcome: Uint8Array | undefined;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly senderLeaf: number;
  /** Hex of each ProposalRef the commit names; `inline` counts proposals carried by value. */
  readonly refs: string[];
  readonly inline: number;
}

export function readCommit(payload: Uint8Array): CommitHeader {
  let parts: { commit: Uint8Array; welcome?: Uint8Array };
  try {
    parts = splitCommitWelcome(payload);
  } catch {
    throw new DaveInputError(DaveInputErrorCode.COMMIT_MALFORMED, 'op 28 does not start with an MLSMessage');
  }
  const r = new MlsReader(parts.commit, DaveInputErrorCode.COMMIT_MALFORMED);
  if (r.u16('version') !== 1) r.fail('MLS version is not mls10');
  if (r.u16('wire_format') !== WIRE_FORMAT_PUBLIC_MESSAGE) r.fail('commit is not a PublicMessage');
  const groupId = r.vector('group_id');
  const epoch = r.u64('epoch');
  const senderType = r.u8('sender_type');
  if (senderType !== SENDER_MEMBER) r.fail(`sender type ${senderType}, want member`);
  const senderLeaf = r.u32('leaf_index');
  r.vector('authenticated_data');
  if (r.u8('content_type') !== CONTENT_TYPE_COMMIT) r.fail('content is not a commit');
  const proposals = new MlsReader(r.vector('proposals'), DaveInputErrorCode.COMMIT_MALFORMED);
  const refs: string[] = [];
  let inline = 0;
  while (!proposals.done) {
    const kind = proposals.u8('proposal_or_ref_type');
    if (kind === PROPOSAL_OR_REF_REFERENCE)
      refs.push(Buffer.from(proposals.vector('reference')).toString('hex'));
    else {
      // An inline proposal cannot be skipped without its full grammar; stop here, it is rejected anyway.
      inline++;
      break;
    }
  }
  return {
    commit: parts.commit,
    welcome: parts.welcome,
    groupId: Uint8Array.from(groupId),
    epoch,
    senderLeaf,
    refs,
    inline,
  };
}
