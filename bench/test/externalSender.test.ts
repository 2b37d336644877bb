import { describe, expect, it } from 'vitest';
import { DaveyMember } from '../src/anchors/davey.js';
import { ExternalSender } from '../src/dave/externalSender.js';
import type { MlsMember, MlsMemberFactory } from '../src/dave/mlsMember.js';
import { CHANNEL_ID, MlsGroupScenario } from '../src/dave/mlsScenario.js';
import { ourFactory } from '../src/ours/daveMls.js';
import { daveyFactory } from '../src/anchors/davey.js';

describe("bench's external sender", () => {
  it('drives davey: its Add proposals are committed and the joiner reaches the same epoch', async () => {
    const sender = new ExternalSender(CHANNEL_ID);
    const a = new DaveyMember('123456789012345001', CHANNEL_ID, sender.serialized);
    const b = new DaveyMember('123456789012345002', CHANNEL_ID, sender.serialized);
    const out = a.processProposals(sender.add(a.epoch(), [b.keyPackage()]), [a.userId, b.userId]);
    expect(out.commit).toBeDefined();
    a.processCommit(out.commit!);
    b.processWelcome(out.welcome!);
    expect(b.epoch()).toBe(a.epoch());
    expect(a.session.voicePrivacyCode).toBe(b.session.voicePrivacyCode);
  });

  it('keeps the MLS scenario at a fixed size across rounds, for davey and for ours', async () => {
    for (const factory of [daveyFactory, ourFactory]) {
      // Keep every member the scenario creates: committer, observer, 1 filler, then one joiner a round.
      const members: MlsMember[] = [];
      const recording: MlsMemberFactory = async (...args) => {
        const member = await factory(...args);
        members.push(member);
        return member;
      };
      const scenario = await MlsGroupScenario.create(recording, new ExternalSender(CHANNEL_ID), 4);
      const [committer, observer] = members;
      expect(members).toHaveLength(3);
      expect(committer!.epoch()).toBe(1n);
      for (let round = 1; round <= 2; round++) {
        const times = await scenario.round();
        const joiner = members[2 + round]!;
        // Each round adds the joiner into the one free leaf (3 of 0..3) and removes it again: two
        // epochs, and the next round starts from the same 3-member tree.
        expect(joiner.ownLeafIndex()).toBe(3);
        expect(joiner.epoch()).toBe(BigInt(2 * round));
        expect(committer!.epoch()).toBe(BigInt(1 + 2 * round));
        expect(observer!.epoch()).toBe(committer!.epoch());
        expect(Object.keys(times).sort()).toEqual(['createCommit', 'joinFromWelcome', 'processAddCommit']);
        for (const ms of Object.values(times)) expect(Number.isFinite(ms)).toBe(true);
      }
      expect(members).toHaveLength(5);
    }
  });
});
