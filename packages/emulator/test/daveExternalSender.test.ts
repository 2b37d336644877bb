import { afterEach, describe, expect, it } from 'vitest';
import { startVoiceServer, type VoiceServer, type VoiceServerOptions } from '../src/voice/index.js';
import { DaveMember, type MemberKind, poll } from './helpers/daveMember.js';

const GUILD = '1400000000000000001';
const CHANNEL = '1400000000000000002';
let nextUser = 1500000000000000000n;

let server: VoiceServer | undefined;
let members: DaveMember[] = [];
let log: string[] = [];

afterEach(async () => {
  for (const m of members) m.close();
  members = [];
  await server?.close();
  server = undefined;
  log = [];
});

async function start(options: VoiceServerOptions = {}): Promise<VoiceServer> {
  server = await startVoiceServer({ plainWs: true, logger: (l) => log.push(l), ...options });
  return server;
}

async function join(kind: MemberKind, extra: { channelId?: string; neverReady?: boolean } = {}) {
  const m = await DaveMember.join(server!, {
    guildId: GUILD,
    channelId: extra.channelId ?? CHANNEL,
    userId: (nextUser++).toString(),
    kind,
    neverReady: extra.neverReady,
  });
  members.push(m);
  return m;
}

const state = () => server!.control.dave(GUILD, CHANNEL)!;

/** Everyone in `group` is in one established group at the same epoch with the same privacy code. */
async function settled(group: DaveMember[]) {
  const ids = group.map((m) => m.userId).sort();
  await poll(() => {
    const s = server!.control.dave(GUILD, CHANNEL);
    return (
      s !== undefined &&
      s.pendingTransition === null &&
      s.pendingProposals.length === 0 &&
      group.every(
        (m) =>
          m.impl?.epoch() === BigInt(s.epoch) &&
          [...m.impl.userIds()].sort().join() === ids.join() &&
          m.impl.privacyCode() !== '',
      )
    );
  }, `group of ${ids.length} to settle`);
  const codes = new Set(group.map((m) => m.impl!.privacyCode()));
  expect(codes.size).toBe(1);
  return state();
}

describe('DAVE external sender', () => {
  it('three members (ours, davey, ours) form one group; op 25/27/28/29/30/23/22 in order', async () => {
    await start({ daveTransitionTimeoutMs: 60_000 });
    const a = await join('ours');
    const b = await join('davey');
    const c = await join('ours');
    const s = await settled([a, b, c]);
    expect(s.e2ee).toBe('required');
    expect(s.protocolVersion).toBe(1);
    expect(s.members.map((m) => m.leafIndex).sort()).toEqual([0, 1, 2]);
    expect(s.privacyCode).toBeNull();
    for (const m of [a, b, c]) {
      expect(m.ops(4)[0]!.d).toMatchObject({ dave_protocol_version: 1 });
      expect(m.binaryOps(25)).toHaveLength(1);
      expect(m.errors).toEqual([]);
      // Every transition it took part in was executed by op 22 after its op 23.
      expect(m.executed.length).toBeGreaterThan(0);
    }
    // Welcomes only go to the joiners of that commit: nobody gets both op 29 and op 30 for one transition.
    for (const m of [a, b, c]) {
      const announced = new Set(m.binaryOps(29).map((x) => (x.payload[0]! << 8) | x.payload[1]!));
      for (const w of m.binaryOps(30))
        expect(announced.has((w.payload[0]! << 8) | w.payload[1]!)).toBe(false);
    }
    // Log lines name ops by the catalog.
    expect(log.some((l) => l.includes('DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION'))).toBe(true);
    expect(log.some((l) => l.includes('DAVE_EXECUTE_TRANSITION'))).toBe(true);
    // The gateway computes the verification code from public keys, equal to what both members see.
    const code = await server!.control.verificationCode(GUILD, CHANNEL, a.userId, b.userId);
    expect(code).toMatch(/^[0-9]{45}$/);
    expect(await a.impl!.verificationCode(b.userId)).toBe(code);
    expect(await b.impl!.verificationCode(a.userId)).toBe(code);
  });
});
