import { inspect } from 'node:util';
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

/** op 4 leave from the main gateway: the member's voice session ends (4014). */
function leave(m: DaveMember) {
  server!.release({ guildId: GUILD, userId: m.userId, sessionId: `s-${m.userId}`, channelId: null });
}

const transitionOf = (payload: Uint8Array) => (payload[0]! << 8) | payload[1]!;

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
          m.impl.privacyCode() !== '' &&
          // op 22 (or transition 0) for the last transition has been handled by the member too.
          (s.lastExecutedTransition === null || m.executed.includes(s.lastExecutedTransition)),
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
      const announced = new Set(m.binaryOps(29).map((x) => transitionOf(x.payload)));
      for (const w of m.binaryOps(30)) expect(announced.has(transitionOf(w.payload))).toBe(false);
    }
    // Log lines name ops by the catalog.
    expect(log.some((l) => l.includes('DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION'))).toBe(true);
    expect(log.some((l) => l.includes('DAVE_EXECUTE_TRANSITION'))).toBe(true);
    // The gateway computes the verification code from public keys, equal to what both members see.
    const code = await server!.control.verificationCode(GUILD, CHANNEL, a.userId, b.userId);
    expect(code).toMatch(/^[0-9]{45}$/);
    expect(await a.impl!.verificationCode(b.userId)).toBe(code);
    expect(await b.impl!.verificationCode(a.userId)).toBe(code);
    // The DAVE state, stats and logs are plain data without any transport key.
    const key = (a.ops(4)[0]!.d as { secret_key: number[] }).secret_key;
    const dumps = [
      JSON.stringify(s),
      JSON.stringify(server!.stats()),
      JSON.stringify(server!.control.members()),
      inspect(server, { showHidden: true, getters: true, depth: 8 }),
      inspect(s, { showHidden: true, getters: true, depth: 8 }),
      log.join('\n'),
    ];
    for (const dump of dumps) {
      expect(dump).not.toContain(Buffer.from(key).toString('hex'));
      expect(dump).not.toContain(key.slice(0, 6).join(', '));
      expect(dump).not.toContain(key.slice(0, 6).join(','));
    }
  });

  it('a member leaves: op 27 Remove to the others, a commit with no Welcome, leaves renumbered', async () => {
    await start();
    const a = await join('ours');
    const b = await join('davey');
    const c = await join('ours');
    const before = await settled([a, b, c]);
    const cLeaf = before.members.find((m) => m.userId === c.userId)!.leafIndex;
    const welcomesBefore = a.binaryOps(30).length + b.binaryOps(30).length;
    leave(c);
    await poll(() => c.closeCode === 4014, 'c closed with 4014');
    const after = await settled([a, b]);
    expect(after.epoch).toBe(before.epoch + 1);
    expect(after.members.map((m) => m.userId).sort()).toEqual([a.userId, b.userId].sort());
    expect(after.members.every((m) => m.leafIndex !== cLeaf)).toBe(true);
    // The removal went out as op 27 append and was announced with op 29 only.
    expect(a.binaryOps(30).length + b.binaryOps(30).length).toBe(welcomesBefore);
    expect(log.some((l) => l.includes(`removed ${c.userId}`))).toBe(true);
  });

  it('sole-member reset: the last member gets op 24 epoch 1 and op 21 transition 0, then a newcomer forms a new group', async () => {
    await start();
    const a = await join('davey');
    const b = await join('ours');
    await settled([a, b]);
    leave(b);
    await poll(() => a.ops(24).length > 0 && a.ops(21).length > 0, 'op 24 and op 21 for a');
    expect(a.ops(24)[0]!.d).toEqual({ protocol_version: 1, epoch: 1 });
    expect(a.ops(21)[0]!.d).toEqual({ transition_id: 0, protocol_version: 1 });
    // op 24 comes before op 21 on the wire.
    expect(a.json.indexOf(a.ops(24)[0]!)).toBeLessThan(a.json.indexOf(a.ops(21)[0]!));
    await poll(() => state().members[0]?.keyPackagePending === true, 'a fresh key package from a');
    expect(state()).toMatchObject({ epoch: 0, pendingTransition: null });
    expect(state().members).toMatchObject([{ userId: a.userId, leafIndex: null }]);
    const c = await join('ours');
    const s = await settled([a, c]);
    expect(s.epoch).toBe(1);
  });

  it('epoch-1 reset: op 24 to everyone, new key packages, a new group with a new privacy code', async () => {
    await start();
    const a = await join('ours');
    const b = await join('davey');
    const c = await join('ours');
    await settled([a, b, c]);
    const oldCode = a.impl!.privacyCode();
    const oldTransition = state().lastExecutedTransition!;
    server!.control.resetDaveGroup(GUILD, CHANNEL);
    for (const m of [a, b, c]) expect(m.ops(24)).toHaveLength(0);
    await poll(() => [a, b, c].every((m) => m.ops(24).length === 1), 'op 24 for everyone');
    await poll(() => (state().lastExecutedTransition ?? 0) > oldTransition, 'the new group to execute');
    const s = await settled([a, b, c]);
    expect(s.epoch).toBeLessThanOrEqual(2);
    expect(a.impl!.privacyCode()).not.toBe(oldCode);
    for (const m of [a, b, c]) expect(m.ops(24)[0]!.d).toEqual({ protocol_version: 1, epoch: 1 });
  });

  it('op 31 recovery: a joiner whose Welcome fails and a member whose commit fails are removed and re-added', async () => {
    await start();
    const a = await join('ours');
    const b = await join('davey');
    await settled([a, b]);
    const c = await DaveMember.join(server!, {
      guildId: GUILD,
      channelId: CHANNEL,
      userId: (nextUser++).toString(),
      kind: 'ours',
    });
    members.push(c);
    c.failNext = 'welcome';
    await poll(() => c.binaryOps(30).length >= 2, 'a second Welcome for c');
    await settled([a, b, c]);
    expect(c.errors.some((e) => e.startsWith('welcome'))).toBe(true);
    expect(log.some((l) => l.includes('DAVE_MLS_INVALID_COMMIT_WELCOME'))).toBe(true);
    // Now an existing member fails to process the next commit.
    b.failNext = 'commit';
    const d = await join('ours');
    await poll(() => b.binaryOps(30).length >= 1, 'b welcomed back');
    const s = await settled([a, b, c, d]);
    expect(s.members.every((m) => m.leafIndex !== null && !m.recovering)).toBe(true);
    expect(new Set(s.members.map((m) => m.leafIndex)).size).toBe(4);
  });

  it('a pending joiner that leaves before any commit has its Add revoked (op 27 revoke)', async () => {
    await start();
    const a = await join('ours');
    const b = await join('davey');
    const before = await settled([a, b]);
    a.holdProposals();
    b.holdProposals();
    const c = await join('ours');
    await poll(() => state().pendingProposals.length === 1, 'the Add of c to be out');
    expect(state().pendingProposals).toEqual([{ kind: 'add', userId: c.userId }]);
    leave(c);
    await new Promise((r) => setTimeout(r, 300));
    console.log(log.join('\n'));
    await poll(() => a.binaryOps(27).some((x) => x.payload[0] === 1), 'a revoke for a');
    await poll(() => b.binaryOps(27).some((x) => x.payload[0] === 1), 'a revoke for b');
    expect(state().pendingProposals).toEqual([]);
    a.releaseProposals();
    b.releaseProposals();
    // Nothing is left to commit: the epoch stays and no transition starts.
    const after = await settled([a, b]);
    expect(after.epoch).toBe(before.epoch);
    expect(after.lastExecutedTransition).toBe(before.lastExecutedTransition);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('a member that never sends op 23: the transition executes after the timeout', async () => {
    await start({ daveTransitionTimeoutMs: 200 });
    const a = await join('ours');
    const b = await join('ours', { neverReady: true });
    await poll(() => (state()?.transitionTimeouts ?? 0) >= 1, 'a transition to time out');
    await poll(() => a.executed.length > 0 && b.executed.length > 0, 'op 22 for both');
    expect(b.ops(23)).toHaveLength(0);
    expect(a.executed[0]).toBe(b.executed[0]);
    expect(log.some((l) => /timed out waiting for DAVE_TRANSITION_READY/.test(l))).toBe(true);
    await settled([a, b]);
    // Its op 23 arriving after the timeout is late, not wrong.
    b.sendJson(23, { transition_id: b.executed[0] });
    await poll(() => log.some((l) => l.includes('late ready')), 'the late op 23 noted');
    expect(server!.stats().daveRejected).toEqual({});
  });

  it('a client offering no DAVE: 4017 in a required channel, joins an off channel with version 0 and no op 25', async () => {
    await start({ channels: { '1400000000000000099': 'off' } });
    const refused = await join('none');
    await poll(() => refused.closeCode !== undefined, 'the close');
    expect(refused.closeCode).toBe(4017);
    expect(server!.stats().closes[4017]).toBe(1);
    const plain = await join('none', { channelId: '1400000000000000099' });
    const dave = await join('ours', { channelId: '1400000000000000099' });
    await poll(() => plain.sessionDescribed && dave.sessionDescribed, 'both described');
    expect(plain.protocolVersion).toBe(0);
    expect(dave.protocolVersion).toBe(0);
    expect(dave.binaryOps(25)).toHaveLength(0);
    expect(server!.control.dave(GUILD, '1400000000000000099')).toMatchObject({
      e2ee: 'off',
      protocolVersion: 0,
    });
  });

  it('optional channel: a client without DAVE downgrades the call (op 21 version 0), its leaving upgrades it (op 24 epoch 1)', async () => {
    await start({ e2ee: 'optional' });
    const a = await join('ours');
    const b = await join('davey');
    await settled([a, b]);
    const c = await join('none');
    await poll(() => c.sessionDescribed, 'c described');
    expect(c.protocolVersion).toBe(0);
    await poll(() => a.ops(21).length === 1 && b.ops(21).length === 1, 'op 21 for a and b');
    const t = (a.ops(21)[0]!.d as { transition_id: number }).transition_id;
    expect(t).toBeGreaterThan(0);
    expect(a.ops(21)[0]!.d).toEqual({ transition_id: t, protocol_version: 0 });
    await poll(() => a.executed.includes(t) && b.executed.includes(t), 'the downgrade to execute');
    expect(state()).toMatchObject({ protocolVersion: 0, pendingTransition: null });
    expect(a.protocolVersion).toBe(0);
    leave(c);
    await poll(() => a.ops(24).length === 1 && b.ops(24).length === 1, 'op 24 for a and b');
    expect(a.ops(24)[0]!.d).toEqual({ protocol_version: 1, epoch: 1 });
    const s = await settled([a, b]);
    expect(s.protocolVersion).toBe(1);
    await poll(() => a.protocolVersion === 1, 'a back on DAVE');
  });

  it('the E2EE setting changes at run time: required drops a member without DAVE with 4017', async () => {
    await start({ e2ee: 'optional' });
    const a = await join('ours');
    const c = await join('none');
    await poll(() => c.sessionDescribed && a.sessionDescribed, 'both described');
    expect(state().protocolVersion).toBe(0);
    server!.control.setE2EE(GUILD, CHANNEL, 'required');
    expect(server!.control.e2ee(GUILD, CHANNEL)).toBe('required');
    await poll(() => c.closeCode === 4017, 'c dropped with 4017');
    await poll(() => a.ops(24).length === 1, 'the upgrade for a');
    expect(state()).toMatchObject({ e2ee: 'required', protocolVersion: 1 });
  });

  it('a member moved to another channel leaves the old group (sole-member reset there) and joins the new channel', async () => {
    await start();
    const a = await join('ours');
    const b = await join('davey');
    await settled([a, b]);
    const other = '1400000000000000005';
    server!.allocate({ guildId: GUILD, channelId: other, userId: b.userId, sessionId: `s-${b.userId}` });
    await poll(() => a.ops(24).length === 1, 'the sole-member reset of a');
    expect(state().members.map((m) => m.userId)).toEqual([a.userId]);
    expect(server!.control.dave(GUILD, other)?.members.map((m) => m.userId)).toEqual([b.userId]);
  });

  it('daveNewGroupTransitionZero: the creating commit goes out with transition 0, executed at once without op 23/22', async () => {
    await start({ daveNewGroupTransitionZero: true });
    const a = await join('ours');
    const b = await join('davey');
    const s = await settled([a, b]);
    expect(s.lastExecutedTransition).toBe(0);
    const zero = [...a.binaryOps(29), ...a.binaryOps(30), ...b.binaryOps(29), ...b.binaryOps(30)];
    expect(zero).toHaveLength(2);
    for (const x of zero) expect(transitionOf(x.payload)).toBe(0);
    for (const m of [a, b]) {
      expect(m.ops(23)).toHaveLength(0);
      expect(m.ops(22)).toHaveLength(0);
      expect(m.executed).toEqual([0]);
    }
    // Later commits are numbered again.
    const c = await join('ours');
    const s2 = await settled([a, b, c]);
    expect(s2.lastExecutedTransition).toBeGreaterThan(0);
  });

  it('SELECT_PROTOCOL again on the same session keeps the member in its group (no second op 25)', async () => {
    await start();
    const a = await join('ours');
    const b = await join('davey');
    const before = await settled([a, b]);
    a.sendJson(1, {
      protocol: 'udp',
      data: { address: '127.0.0.1', port: 5000, mode: 'aead_aes256_gcm_rtpsize' },
    });
    await poll(() => a.ops(4).length === 2, 'a second SESSION_DESCRIPTION');
    expect(a.ops(4)[1]!.d).toMatchObject({ dave_protocol_version: 1 });
    expect(a.binaryOps(25)).toHaveLength(1);
    expect(state().members.find((m) => m.userId === a.userId)?.leafIndex).toBe(
      before.members.find((m) => m.userId === a.userId)?.leafIndex,
    );
    expect(state().epoch).toBe(before.epoch);
    // The group still works: a newcomer joins it.
    const c = await join('ours');
    await settled([a, b, c]);
  });

  it('members that never commit: after the timeout the group is re-created (op 24) and forms again', async () => {
    await start({ daveTransitionTimeoutMs: 300 });
    const a = await join('ours');
    const b = await join('davey');
    await settled([a, b]);
    a.holdProposals();
    b.holdProposals();
    const c = await join('ours');
    await poll(() => state().commitTimeouts === 1, 'the commit timeout');
    await poll(() => c.ops(24).length === 1, 'op 24 for c');
    expect(log.some((l) => /no valid DAVE_MLS_COMMIT_WELCOME within 300 ms/.test(l))).toBe(true);
    a.releaseProposals();
    b.releaseProposals();
    const s = await settled([a, b, c]);
    expect(s.commitTimeouts).toBe(1);
    for (const m of [a, b]) expect(m.ops(24)).toHaveLength(1);
  });
});
