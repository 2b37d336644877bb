import { DaveSession, ExternalSender } from '@cordwire/dave-mls';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { DaveChannel, type DaveLink } from '../src/voice/dave/daveChannel.js';
import { DaveInputError } from '../src/voice/dave/daveInputError.js';

const CHANNEL = '1400000000000000007';
const USERS = ['1500000000000000301', '1500000000000000302', '1500000000000000303', '1500000000000000304'];
const keyPackages = new Map<string, Uint8Array[]>();

beforeAll(async () => {
  for (const u of USERS) {
    const s = new DaveSession(1, u, CHANNEL);
    keyPackages.set(u, [await s.getSerializedKeyPackage(), await s.getSerializedKeyPackage()]);
  }
});

type Action =
  | { kind: 'admit'; user: number; dave: boolean }
  | { kind: 'leave'; user: number }
  | { kind: 'keyPackage'; user: number; which: number }
  | { kind: 'junk'; user: number; op: 26 | 28; bytes: Uint8Array }
  | { kind: 'ready' | 'invalid'; user: number; id: unknown }
  | { kind: 'setting'; setting: 'required' | 'optional' | 'off' }
  | { kind: 'reset' }
  | { kind: 'tick' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('admit' as const), user: fc.nat(3), dave: fc.boolean() }),
  fc.record({ kind: fc.constant('leave' as const), user: fc.nat(3) }),
  fc.record({ kind: fc.constant('keyPackage' as const), user: fc.nat(3), which: fc.nat(1) }),
  fc.record({
    kind: fc.constant('junk' as const),
    user: fc.nat(3),
    op: fc.constantFrom(26 as const, 28 as const),
    bytes: fc.uint8Array({ maxLength: 80 }),
  }),
  fc.record({
    kind: fc.constantFrom('ready' as const, 'invalid' as const),
    user: fc.nat(3),
    id: fc.oneof(fc.nat(6), fc.constant(-1), fc.constant('x'), fc.constant(null)),
  }),
  fc.record({
    kind: fc.constant('setting' as const),
    setting: fc.constantFrom('required', 'optional', 'off'),
  }),
  fc.record({ kind: fc.constant('reset' as const) }),
  fc.record({ kind: fc.constant('tick' as const) }),
);

it('property: any sequence of joins, leaves, key packages, junk and answers keeps the channel consistent', async () => {
  const sender = new ExternalSender();
  // Which server ops the runs produced, to show the fuzz reaches rounds, revokes and resets.
  const seen = new Set<number>();
  await fc.assert(
    fc.asyncProperty(fc.array(action, { maxLength: 40 }), async (actions) => {
      const sent: Array<{ user: string; op: number }> = [];
      const rejected: DaveInputError[] = [];
      const channel = new DaveChannel({
        guildId: '1',
        channelId: CHANNEL,
        setting: 'required',
        sender,
        transitionTimeoutMs: 60_000,
        log: () => {},
        onRejected: (_u, e) => rejected.push(e),
      });
      const links = new Map<string, DaveLink>();
      const link = (user: string): DaveLink => {
        let l = links.get(user);
        if (!l) {
          l = {
            userId: user,
            sendJson: (op) => sent.push({ user, op }),
            sendBinary: (op) => sent.push({ user, op }),
            drop: () => {
              channel.leave(links.get(user)!);
              links.delete(user);
            },
          };
          links.set(user, l);
        }
        return l;
      };
      try {
        for (const a of actions) {
          if (a.kind === 'tick') await new Promise((r) => setImmediate(r));
          else if (a.kind === 'setting') channel.setSetting(a.setting);
          else if (a.kind === 'reset') channel.resetGroup();
          else {
            const user = USERS[a.user]!;
            if (a.kind === 'admit') {
              if (!(channel.refuses(a.dave ? 1 : 0) && !a.dave)) channel.admit(link(user), a.dave ? 1 : 0);
              channel.started(user);
            } else if (a.kind === 'leave') {
              const l = links.get(user);
              if (l) channel.leave(l);
              links.delete(user);
            } else if (a.kind === 'keyPackage')
              channel.onKeyPackage(link(user), keyPackages.get(user)![a.which]!);
            else if (a.kind === 'junk') {
              if (a.op === 26) channel.onKeyPackage(link(user), a.bytes);
              else channel.onCommitWelcome(link(user), a.bytes);
            } else if (a.kind === 'ready') channel.onReadyForTransition(link(user), { transition_id: a.id });
            else channel.onInvalidCommitWelcome(link(user), { transition_id: a.id });
          }
          const s = channel.state();
          JSON.stringify(s);
          const ids = new Set(s.members.map((m) => m.userId));
          const leaves = s.members.flatMap((m) => (m.leafIndex === null ? [] : [m.leafIndex]));
          expect(new Set(leaves).size).toBe(leaves.length);
          for (const u of s.pendingTransition?.awaiting ?? []) expect(ids.has(u)).toBe(true);
          if (s.protocolVersion === 0) expect(s.pendingProposals).toEqual([]);
          for (const p of s.pendingProposals) if (p.kind === 'add') expect(ids.has(p.userId)).toBe(true);
        }
        await new Promise((r) => setImmediate(r));
        for (const e of rejected) expect(e).toBeInstanceOf(DaveInputError);
        for (const m of sent) expect([21, 22, 24, 25, 27, 29, 30]).toContain(m.op);
        for (const m of sent) seen.add(m.op);
      } finally {
        channel.dispose();
      }
    }),
    { numRuns: 150, seed: 2026 },
  );
  expect([...seen]).toEqual(expect.arrayContaining([21, 24, 25, 27]));
});
