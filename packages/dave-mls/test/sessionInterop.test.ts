// Interop with @snazzah/davey 0.1.12 (OpenMLS inside) over real bytes: mixed groups of 2, 3 and 10.
import { describe, expect, it } from 'vitest';
import { DaveyPeer, MixedGroup, TsPeer } from './fixtures/mixedGroup.js';

const CHANNEL = '927310423890473011';
let nextUid = 400000000000000000n;
const uid = () => (nextUid++).toString();

describe('DAVE group with davey', () => {
  it('2 members: ours commits, then davey commits', async () => {
    for (const winnerIsOurs of [true, false]) {
      const g = new MixedGroup(CHANNEL);
      const ours = new TsPeer(uid(), CHANNEL);
      const theirs = new DaveyPeer(uid(), CHANNEL);
      await g.create([ours, theirs], winnerIsOurs ? ours.uid : theirs.uid);
      expect(g.epoch).toBe(1n);
      await g.checkAgreement({ verificationCodes: true });
    }
  });
});
