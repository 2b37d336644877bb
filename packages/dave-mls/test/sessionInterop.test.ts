// Interop with @snazzah/davey 0.1.12 (OpenMLS inside) over real bytes: mixed groups of 2, 3 and 10,
// with each implementation winning commits in turn, joins, removals, revokes and an epoch-1 reset.
import { describe, expect, it } from 'vitest';
import { ExternalSender } from '../src/index.js';
import { DaveyPeer, MixedGroup, type Peer, TsPeer } from './fixtures/mixedGroup.js';

const CHANNEL = '927310423890473011';
let nextUid = 400000000000000000n;
const uid = () => (nextUid++).toString();
const ts = () => new TsPeer(uid(), CHANNEL);
const dv = () => new DaveyPeer(uid(), CHANNEL);

describe('DAVE group with davey', () => {
  it('2 members: ours commits, then davey commits', async () => {
    for (const winnerIsOurs of [true, false]) {
      const g = new MixedGroup(CHANNEL);
      const ours = ts();
      const theirs = dv();
      await g.create([ours, theirs], winnerIsOurs ? ours.uid : theirs.uid);
      expect(g.epoch).toBe(1n);
      await g.checkAgreement({ verificationCodes: true });
    }
  });

  it('3 members: join, revoke, removal, each implementation winning in turn', async () => {
    const g = new MixedGroup(CHANNEL);
    const a = ts();
    const b = dv();
    await g.create([a, b], b.uid);
    await g.checkAgreement();

    // A third (ours) joins through davey's commit; then a fourth (davey) through ours.
    const c = ts();
    await g.round({ joiners: [c], winner: b.uid });
    await g.checkAgreement({ verificationCodes: true });

    // An Add the gateway revokes: nobody commits and nothing stays queued.
    const d = dv();
    await g.connect([d]);
    const add = g.externalSender.proposeAdd(CHANNEL, g.epoch, await d.keyPackage());
    for (const m of g.members.values())
      await m.processProposals(ExternalSender.appendPayload([add]), [...g.recognized]);
    await g.revoke([add]);
    expect(a.session.queuedProposalRefs).toHaveLength(0);

    await g.round({ joiners: [dv()], winner: c.uid });
    await g.checkAgreement();
    // Removal (commit with an UpdatePath) by ours, then by davey.
    await g.round({ removes: [b.uid], winner: a.uid });
    await g.checkAgreement({ verificationCodes: true });
    const davey = [...g.members.values()].find((m) => m.kind === 'davey')!;
    await g.round({ removes: [c.uid], winner: davey.uid });
    await g.checkAgreement();
    expect(g.members.size).toBe(2);
  });

  it('10 members: mixed joins and removals, winners alternating between implementations', async () => {
    const g = new MixedGroup(CHANNEL);
    const peers: Peer[] = [ts(), dv(), ts(), dv(), dv()];
    await g.create(peers.slice(0, 2), peers[0]!.uid);
    await g.round({ joiners: peers.slice(2), winner: peers[1]!.uid });
    await g.checkAgreement();
    await g.round({ joiners: [dv(), ts(), dv(), dv(), ts()], winner: peers[2]!.uid });
    expect(g.members.size).toBe(10);
    await g.checkAgreement({ verificationCodes: true });
    const members = () => [...g.members.values()];
    await g.round({
      removes: [members()[3]!.uid, members()[6]!.uid],
      joiners: [dv()],
      winner: members().find((m) => m.kind === 'davey')!.uid,
    });
    await g.checkAgreement();
    await g.round({
      removes: [members()[1]!.uid],
      joiners: [ts(), dv()],
      winner: members().find((m) => m.kind === 'ts')!.uid,
    });
    expect(g.members.size).toBe(10);
    await g.checkAgreement();
  });

  it('our member reconnects: old leaf removed and new key package added in one commit', async () => {
    const g = new MixedGroup(CHANNEL);
    const a = ts();
    const b = dv();
    const c = dv();
    await g.create([a, b, c], c.uid);
    await g.round({ rejoin: a, winner: b.uid });
    await g.checkAgreement();
    expect(a.session.ownLeafIndex).not.toBeNull();
  });

  it('op 24 epoch 1 resets the group; media keys keep working until the new group is made', async () => {
    const g = new MixedGroup(CHANNEL);
    const a = ts();
    const b = dv();
    const c = ts();
    await g.create([a, b, c], a.uid);
    await g.checkAgreement();
    const fromB = b.encryptOpus(Uint8Array.of(0x78, 1, 2, 3));

    // The gateway re-creates the group (epoch 1): ours via prepareEpoch, davey via reinit, which is
    // what discord.js does; the external sender stays the same.
    const kpA = await a.session.prepareEpoch(1, 1);
    const kpC = await c.session.prepareEpoch(1, 1);
    expect(kpA?.length).toBeGreaterThan(300);
    expect(kpC?.length).toBeGreaterThan(300);
    expect(a.session.status).toBe(1);
    expect(a.session.epoch).toBe(0n);
    // Media keys of the old group still work both ways between our members, and for davey's last frame.
    expect(Buffer.from(a.decrypt(b.uid, fromB))).toEqual(Buffer.from([0x78, 1, 2, 3]));
    expect(Buffer.from(c.decrypt(a.uid, a.encryptOpus(Uint8Array.of(0x78, 9))))).toEqual(
      Buffer.from([0x78, 9]),
    );
    expect(await a.session.prepareEpoch(5, 1)).toBeNull(); // only epoch 1 resets

    const b2 = new DaveyPeer(b.uid, CHANNEL);
    const fresh = new MixedGroup(CHANNEL, g.externalSender);
    await fresh.create([a, b2, c], b2.uid);
    expect(fresh.epoch).toBe(1n);
    await fresh.checkAgreement({ verificationCodes: true });
    await fresh.round({ joiners: [ts()], winner: c.uid });
    await fresh.checkAgreement();
  });

  it('op 31 recovery: a joiner that cannot process its Welcome rejoins with a fresh key package', async () => {
    const g = new MixedGroup(CHANNEL);
    const a = ts();
    const b = dv();
    await g.create([a, b], a.uid);
    const j = ts();
    await g.round({ joiners: [j], winner: b.uid, corruptWelcomeFor: [j.uid] });
    expect(j.session.status).toBe(1); // still pending: nothing changed
    // The client sent op 31; the gateway removes the stale leaf and adds the fresh key package.
    await g.round({ rejoin: j, winner: a.uid });
    await g.checkAgreement({ verificationCodes: true });
  });
});
