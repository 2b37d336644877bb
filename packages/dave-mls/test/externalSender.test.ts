// The gateway-side helpers: op 25 bytes, signed proposals, op 27 payloads, commit bookkeeping, and
// the wire splitters, including what they do with garbage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DaveSession,
  DaveSessionError,
  ExternalSender,
  ExternalSenderGroup,
  proposalRef,
  splitCommitWelcome,
} from '../src/index.js';
import { parseProposalMessages, parseProposalRefs } from '../src/mlsWire.js';
import { hex, loadFixture, toHex } from './fixtures/helpers.js';

const captured = loadFixture('dave.json').captured;

describe('ExternalSender', () => {
  it('makes op 25 bytes shaped like Discord’s (65-byte key, basic credential, identity 0x00)', () => {
    const sender = new ExternalSender();
    expect(sender.package).toHaveLength(hex(captured.externalSenderOp25Payload).length);
    expect(toHex(sender.package.subarray(0, 3))).toBe('404104');
    expect(toHex(sender.package.subarray(-4))).toBe('00010100');
  });

  it('op 27 payloads round-trip through the parsers, refs included', () => {
    const sender = new ExternalSender();
    const messages = [sender.proposeRemove('42', 3n, 1), sender.proposeRemove('42', 3n, 4)];
    const append = ExternalSender.appendPayload(messages);
    expect(append[0]).toBe(0);
    expect(parseProposalMessages(append.subarray(1)).map((m) => toHex(m.bytes))).toEqual(messages.map(toHex));
    const revoke = ExternalSender.revokePayload(messages.map(proposalRef));
    expect(revoke[0]).toBe(1);
    expect(parseProposalRefs(revoke.subarray(1)).map(toHex)).toEqual(
      messages.map((m) => toHex(proposalRef(m))),
    );
  });

  it('the captured revoke payload parses to the captured ref', () => {
    expect(parseProposalRefs(hex(captured.proposalsOp27RevokeAfterOpByte)).map(toHex)).toEqual([
      captured.expectedProposalRef,
    ]);
  });
});

describe('ExternalSenderGroup', () => {
  it('tracks leaves and epochs from commits, and refuses commits it cannot account for', async () => {
    const gateway = new ExternalSenderGroup(new ExternalSender(), '42');
    const a = new DaveSession(1, '1001', '42');
    const b = new DaveSession(1, '1002', '42');
    for (const s of [a, b]) await s.setExternalSender(gateway.sender.package);
    const add = gateway.proposeAdd('1002', await b.getSerializedKeyPackage());
    const { commit } = await a.processProposals(0, ExternalSender.appendPayload([add]).subarray(1), null);
    expect(() => gateway.applyCommit(commit!)).toThrow(DaveSessionError); // creating commit needs its committer
    expect(gateway.applyCommit(commit!, '1001')).toEqual({ added: ['1002'], removed: [] });
    expect(gateway.epoch).toBe(1n);
    expect([gateway.leafOf('1001'), gateway.leafOf('1002')]).toEqual([0, 1]);
    expect(() => gateway.applyCommit(commit!)).toThrow(/epoch 0/);
    expect(() => gateway.proposeRemove('999')).toThrow(DaveSessionError);
    await a.processCommit(commit!);

    // A commit referencing a proposal the gateway revoked is refused.
    const c = new DaveSession(1, '1003', '42');
    await c.setExternalSender(gateway.sender.package);
    const addC = gateway.proposeAdd('1003', await c.getSerializedKeyPackage());
    const r = await a.processProposals(0, ExternalSender.appendPayload([addC]).subarray(1), null);
    gateway.revoke([addC]);
    expect(() => gateway.applyCommit(r.commit!)).toThrow(/did not send/);
  });
});

describe('wire decoders under fuzz', () => {
  it('splitCommitWelcome, the op 27 parsers and applyCommit throw only DaveSessionError', () => {
    const gateway = new ExternalSenderGroup(new ExternalSender(), '42');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        for (const f of [
          splitCommitWelcome,
          parseProposalMessages,
          parseProposalRefs,
          (x: Uint8Array) => gateway.applyCommit(x, '1'),
        ]) {
          try {
            f(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DaveSessionError);
          }
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('a malformed op 25 is refused with a typed error', async () => {
    const s = new DaveSession(1, '1001', '42');
    const good = new ExternalSender().package;
    for (const bad of [good.subarray(0, 10), Uint8Array.of(...good, 0), new Uint8Array(0)]) {
      await expect(s.setExternalSender(bad)).rejects.toMatchObject({ code: 'DAVE_MLS_DECODE' });
    }
    expect(s.status).toBe(0);
  });
});
