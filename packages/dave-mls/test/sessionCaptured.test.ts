// The real op 25 / op 27 payloads Discord sent to davey's test client (davey-node/test/session.test.ts,
// MIT; copied into fixtures/dave.json with their source note) processed by our pending group.
import { describe, expect, it } from 'vitest';
import { decodeMlsMessage } from 'ts-mls';
import { DaveSession, SessionStatus } from '../src/index.js';
import { proposalRef } from '../src/externalSender.js';
import { parseProposalMessages } from '../src/mlsWire.js';
import { hex, loadFixture, toHex } from './fixtures/helpers.js';

const captured = loadFixture('dave.json').captured;

async function pendingSession() {
  const session = new DaveSession(1, captured.userId, captured.channelId);
  await session.setExternalSender(hex(captured.externalSenderOp25Payload));
  return session;
}

describe('captured Discord payloads', () => {
  it('the captured Add has the captured ProposalRef', () => {
    const [only] = parseProposalMessages(hex(captured.proposalsOp27AppendAfterOpByte));
    expect(toHex(proposalRef(only!.bytes))).toBe(captured.expectedProposalRef);
  });

  it('our pending group processes the captured Add and commits it by reference', async () => {
    const session = await pendingSession();
    expect(session.status).toBe(SessionStatus.PENDING);
    expect(session.epoch).toBe(0n);
    expect(session.getUserIds()).toEqual([captured.userId]); // as davey reports its pending group
    expect(session.ownLeafIndex).toBe(0);
    expect(session.voicePrivacyCode).toBe('');
    const result = await session.processProposals(0, hex(captured.proposalsOp27AppendAfterOpByte), [
      captured.addedUserId,
    ]);
    expect(session.status).toBe(SessionStatus.AWAITING_RESPONSE);
    expect(result.welcome).toBeDefined();
    const [commit] = decodeMlsMessage(result.commit!, 0)!;
    if (commit.wireformat !== 'mls_public_message') throw new Error('commit must be a PublicMessage');
    const content = commit.publicMessage.content;
    if (content.contentType !== 'commit') throw new Error('not a commit');
    expect(toHex(content.groupId)).toBe('0cde77eadc823033');
    expect(content.commit.path).toBeUndefined(); // add-only: no UpdatePath, like mlspp and davey
    expect(content.commit.proposals).toHaveLength(1);
    const ref = content.commit.proposals[0]!;
    expect(ref.proposalOrRefType).toBe('reference');
    if (ref.proposalOrRefType === 'reference')
      expect(toHex(ref.reference)).toBe(captured.expectedProposalRef);

    // Our commit echoed by op 29 is adopted: epoch 1 with the captured user in the roster.
    await session.processCommit(result.commit!);
    expect(session.status).toBe(SessionStatus.ACTIVE);
    expect(session.epoch).toBe(1n);
    expect(session.getUserIds().sort()).toEqual([captured.userId, captured.addedUserId].sort());
    expect(session.voicePrivacyCode).toMatch(/^[0-9]{30}$/);
  });

  it('the captured revoke removes the captured Add and leaves nothing to commit', async () => {
    const session = await pendingSession();
    await session.processProposals(0, hex(captured.proposalsOp27AppendAfterOpByte), [captured.addedUserId]);
    expect(session.queuedProposalRefs).toHaveLength(1);
    const result = await session.processProposals(1, hex(captured.proposalsOp27RevokeAfterOpByte));
    expect(result).toEqual({});
    expect(session.queuedProposalRefs).toHaveLength(0);
    expect(session.status).toBe(SessionStatus.PENDING);
  });

  it('an Add for a user the gateway never announced is refused and nothing is queued', async () => {
    const session = await pendingSession();
    await expect(
      session.processProposals(0, hex(captured.proposalsOp27AppendAfterOpByte), ['1']),
    ).rejects.toMatchObject({
      code: 'DAVE_MLS_UNRECOGNISED_USER',
    });
    expect(session.queuedProposalRefs).toHaveLength(0);
    expect(session.status).toBe(SessionStatus.PENDING);
  });
});
