// Transitions (ops 21, 22, 24; research/dave.md 2.4): our sender key switches at execute, old keys
// stay usable for 10 s on an injected clock, transition 0 executes at once, downgrade and upgrade
// open and close passthrough windows.
import { describe, expect, it } from 'vitest';
import { DaveFrameError, DaveSessionErrorCode, ExternalSender } from '../src/index.js';
import { ManualClock } from './fixtures/helpers.js';
import { DaveyPeer, MixedGroup, TsPeer } from './fixtures/mixedGroup.js';

const CHANNEL = '3333';
const opus = (n: number) => Uint8Array.of(0x78, n, n, n);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function group(clock: ManualClock) {
  const g = new MixedGroup(CHANNEL);
  const a = new TsPeer('2001', CHANNEL, { clock });
  const b = new DaveyPeer('2002', CHANNEL);
  const c = new TsPeer('2003', CHANNEL, { clock });
  await g.create([a, b, c], b.uid);
  return { g, a, b, c };
}

describe('transitions', () => {
  it('a commit with transition id holds our new sender key until execute; old keys expire after 10 s', async () => {
    const clock = new ManualClock();
    const { g, a, b, c } = await group(clock);
    const d = new DaveyPeer('2004', CHANNEL);
    await g.connect([d]);
    const op27 = ExternalSender.appendPayload([
      g.externalSender.proposeAdd(CHANNEL, g.epoch, await d.keyPackage()),
    ]);
    let commit: Uint8Array | undefined;
    let welcome: Uint8Array | undefined;
    for (const m of [a, b, c]) {
      const r = await m.processProposals(op27, [...g.recognized]);
      if (m === b) ({ commit, welcome } = r);
    }
    expect(await a.session.processCommit(commit!, 7)).toEqual({ removed: false, readyForTransition: 7 });
    expect(await c.session.processCommit(commit!, 7)).toEqual({ removed: false, readyForTransition: 7 });
    await b.processCommit(commit!);
    await d.processWelcome(welcome!);

    // Before execute a still sends with the old epoch's key; c keeps a's old ratchet for 10 s.
    expect(hex(c.decrypt(a.uid, a.encryptOpus(opus(1))))).toBe(hex(opus(1)));
    clock.advance(10_001);
    expect(() => c.decrypt(a.uid, a.encryptOpus(opus(2)))).toThrow(DaveFrameError);
    a.session.executeTransition(7);
    c.session.executeTransition(7);
    for (const receiver of [b, c, d])
      expect(hex(receiver.decrypt(a.uid, a.encryptOpus(opus(3))))).toBe(hex(opus(3)));
  });

  it('transition 0 executes at once and asks for no op 23; others ask for op 23', async () => {
    const clock = new ManualClock();
    const { a } = await group(clock);
    expect(a.session.prepareTransition(0, 1)).toBe(false);
    expect(a.session.prepareTransition(3, 1)).toBe(true);
    a.session.executeTransition(3); // nothing staged: a no-op
    expect(a.session.ready).toBe(true);
  });

  it('bad op 21 / op 24 input: staged transitions are capped, a non-integer epoch is a typed error', async () => {
    const clock = new ManualClock();
    const { a } = await group(clock);
    // 20 downgrades the gateway never executes: only the newest 8 stay staged.
    for (let id = 1; id <= 20; id++) expect(a.session.prepareTransition(id, 0)).toBe(true);
    a.session.executeTransition(12); // evicted: a no-op, still encrypting
    expect(hex(a.encryptOpus(opus(1)))).not.toBe(hex(opus(1)));
    a.session.executeTransition(13); // the oldest one kept
    expect(hex(a.encryptOpus(opus(1)))).toBe(hex(opus(1)));
    for (const epoch of [1.5, Number.NaN, 2 ** 60])
      await expect(a.session.prepareEpoch(epoch)).rejects.toMatchObject({
        code: DaveSessionErrorCode.INVALID_ARGUMENT,
      });
    expect(a.session.epoch).toBeGreaterThan(0n); // the group is untouched
  });

  it('downgrade to protocol 0 opens passthrough at prepare and stops encryption at execute; upgrade closes it after 10 s', async () => {
    const clock = new ManualClock();
    const { g, a, b, c } = await group(clock);
    expect(() => c.decrypt(a.uid, opus(4))).toThrow(DaveFrameError);
    expect(c.session.prepareTransition(9, 0)).toBe(true);
    expect(hex(c.decrypt(a.uid, opus(4)))).toBe(hex(opus(4))); // plaintext accepted already
    expect(c.session.canPassthrough(a.uid)).toBe(true);
    expect(a.session.prepareTransition(9, 0)).toBe(true);
    expect(hex(a.encryptOpus(opus(5)))).not.toBe(hex(opus(5))); // still encrypting until execute
    a.session.executeTransition(9);
    c.session.executeTransition(9);
    expect(hex(a.encryptOpus(opus(5)))).toBe(hex(opus(5)));

    // Upgrade: the next commit (transition 11) brings keys back; passthrough lasts 10 s more.
    const e = new TsPeer('2005', CHANNEL, { clock });
    await g.connect([e]);
    const op27 = ExternalSender.appendPayload([
      g.externalSender.proposeAdd(CHANNEL, g.epoch, await e.keyPackage()),
    ]);
    let commit: Uint8Array | undefined;
    let welcome: Uint8Array | undefined;
    for (const m of [a, b, c]) {
      const r = await m.processProposals(op27, [...g.recognized]);
      if (m === c) ({ commit, welcome } = r);
    }
    for (const m of [a, c]) await m.session.processCommit(commit!, 11);
    await b.processCommit(commit!);
    await e.session.processWelcome(welcome!, 11);
    for (const m of [a, c, e]) m.session.executeTransition(11);
    expect(hex(c.decrypt(a.uid, a.encryptOpus(opus(6))))).toBe(hex(opus(6)));
    expect(hex(c.decrypt(a.uid, opus(7)))).toBe(hex(opus(7))); // still inside the window
    clock.advance(10_001);
    expect(c.session.canPassthrough(a.uid)).toBe(false);
    expect(() => c.decrypt(a.uid, opus(8))).toThrow(DaveFrameError);
  });
});
