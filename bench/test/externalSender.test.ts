import { describe, expect, it } from 'vitest';
import { DaveyMember } from '../src/anchors/davey.js';
import { ExternalSender } from '../src/dave/externalSender.js';
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
      const scenario = await MlsGroupScenario.create(factory, new ExternalSender(CHANNEL_ID), 4);
      const first = await scenario.round();
      const second = await scenario.round();
      for (const times of [first, second]) {
        expect(times.createCommit).toBeGreaterThan(0);
        expect(times.processAddCommit).toBeGreaterThan(0);
        expect(times.joinFromWelcome).toBeGreaterThan(0);
      }
    }
  });
});
