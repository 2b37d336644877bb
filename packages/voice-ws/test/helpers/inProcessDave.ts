/**
 * A voice gateway's DAVE role in process, for controller tests without sockets: the external sender
 * (dave-mls's ExternalSenderGroup, which holds no media key), proposals on op 26, the first commit per
 * round announced as op 29 with Welcomes as op 30, op 22 once every member answered op 23. Frames move
 * between controllers through their transforms, as voice-udp would move them.
 */
import { ExternalSender, ExternalSenderGroup, splitCommitWelcome } from '@cordwire/dave-mls';
import { VoiceOpcodes } from '@cordwire/opcodes';
import { DaveController, type DaveSessionFactory } from '../../src/index.js';

export const CHANNEL = '1100000000000000001';

export interface Member {
  readonly userId: string;
  readonly dave: DaveController;
  readonly json: Array<{ op: number; d: unknown }>;
  readonly binaryOps: number[];
}

export class InProcessDaveGateway {
  readonly sender = new ExternalSender();
  readonly group = new ExternalSenderGroup(this.sender, CHANNEL);
  readonly members = new Map<string, Member>();
  #nextTransition = 1;
  /** The round waiting for a commit: who proposals went to, who gets added. */
  #round: { committers: Set<string>; adds: string[]; removes: string[] } | undefined;
  #readyWaiting = new Map<number, Set<string>>();
  /** Deliver op 29/30 with transition id 0 (the field case for recovery). */
  zeroTransitions = false;
  /** Corrupt the next Welcome sent (to drive op 31). */
  corruptNextWelcome = false;
  readonly invalid: Array<{ userId: string; transitionId: number }> = [];
  /** Added to the controllers' clock: lets a test step past the post-transition grace without sleeping. */
  skewMs = 0;

  join(userId: string, createSession: DaveSessionFactory, tolerance?: number): Member {
    const json: Member['json'] = [];
    const binaryOps: number[] = [];
    const dave = new DaveController({
      createSession,
      decryptFailureTolerance: tolerance,
      now: () => performance.now() + this.skewMs,
      sendJson: (op, d) => {
        json.push({ op, d });
        queueMicrotask(() => this.#onJson(userId, op, d));
      },
      sendBinary: (op, payload) => {
        binaryOps.push(op);
        const copy = payload.slice();
        queueMicrotask(() => this.#onBinary(userId, op, copy));
      },
    });
    const member = { userId, dave, json, binaryOps };
    dave.reset(userId, CHANNEL);
    dave.clientsConnect([...this.members.keys()]);
    for (const other of this.members.values()) other.dave.clientsConnect([userId]);
    this.members.set(userId, member);
    dave.binary(VoiceOpcodes.DAVE_MLS_EXTERNAL_SENDER, this.sender.package);
    dave.sessionDescription(1);
    return member;
  }

  leave(userId: string): void {
    this.members.delete(userId);
    for (const m of this.members.values()) m.dave.clientDisconnect(userId);
    if (this.group.leafOf(userId) === undefined) return;
    const remaining = this.group.userIds.filter((u) => u !== userId && this.members.has(u));
    if (remaining.length === 0) return;
    const proposal = this.group.proposeRemove(userId);
    this.#round = { committers: new Set(remaining), adds: [], removes: [userId] };
    for (const u of remaining) this.members.get(u)!.dave.binary(27, ExternalSender.appendPayload([proposal]));
  }

  /** Downgrade (op 21 version 0) then let every member answer; op 22 follows. */
  prepareTransition(protocolVersion: number): number {
    const t = this.#nextTransition++;
    this.#readyWaiting.set(t, new Set(this.members.keys()));
    for (const m of this.members.values()) m.dave.prepareTransition(t, protocolVersion);
    return t;
  }

  /** Op 24 epoch 1 to everyone: the group is re-created from fresh key packages. */
  prepareEpochOne(): void {
    this.group.reset();
    this.#round = undefined;
    this.#keyPackages.clear();
    for (const m of this.members.values()) m.dave.prepareEpoch(1, 1);
  }

  readonly #keyPackages = new Map<string, Uint8Array>();

  #onBinary(userId: string, op: number, payload: Uint8Array): void {
    if (!this.members.has(userId)) return;
    if (op === VoiceOpcodes.DAVE_MLS_KEY_PACKAGE) {
      this.#keyPackages.set(userId, payload);
      // A member recovering (op 31) still has a leaf: remove it and add the fresh package in one round.
      const inGroup = this.group.userIds.filter((u) => this.members.has(u) && u !== userId);
      if (inGroup.length > 0) {
        const proposals = [this.group.proposeAdd(userId, payload)];
        const removes: string[] = [];
        if (this.group.leafOf(userId) !== undefined) {
          proposals.unshift(this.group.proposeRemove(userId));
          removes.push(userId);
        }
        this.#round = { committers: new Set(inGroup), adds: [userId], removes };
        for (const u of inGroup)
          this.members.get(u)!.dave.binary(27, ExternalSender.appendPayload(proposals));
        return;
      }
      // No group yet: the first other member waiting with a key package creates it.
      const creator = [...this.#keyPackages.keys()].find((u) => u !== userId && this.members.has(u));
      if (creator === undefined) return;
      const proposal = this.group.proposeAdd(userId, payload);
      this.#round = { committers: new Set([creator]), adds: [userId], removes: [] };
      this.members.get(creator)!.dave.binary(27, ExternalSender.appendPayload([proposal]));
      return;
    }
    if (op === VoiceOpcodes.DAVE_MLS_COMMIT_WELCOME) {
      const round = this.#round;
      if (!round?.committers.has(userId)) return; // late: another commit won
      this.#round = undefined;
      const { commit, welcome } = splitCommitWelcome(payload);
      this.group.applyCommit(commit, userId);
      const t = this.zeroTransitions ? 0 : this.#nextTransition++;
      const tid = Uint8Array.of(t >> 8, t & 0xff);
      const existing = this.group.userIds.filter((u) => !round.adds.includes(u) && this.members.has(u));
      const everyone = this.group.userIds.filter((u) => this.members.has(u));
      if (t !== 0) this.#readyWaiting.set(t, new Set(everyone));
      for (const u of existing) this.members.get(u)!.dave.binary(29, concat(tid, commit));
      for (const u of round.adds) {
        if (!welcome) continue;
        let w = welcome;
        if (this.corruptNextWelcome) {
          this.corruptNextWelcome = false;
          w = welcome.slice();
          w[w.length - 5]! ^= 0xff;
        }
        this.members.get(u)?.dave.binary(30, concat(tid, w));
      }
    }
  }

  #onJson(userId: string, op: number, d: unknown): void {
    if (op === VoiceOpcodes.DAVE_TRANSITION_READY) {
      this.#answered((d as { transition_id: number }).transition_id, userId);
    } else if (op === VoiceOpcodes.DAVE_MLS_INVALID_COMMIT_WELCOME) {
      const t = (d as { transition_id: number }).transition_id;
      this.invalid.push({ userId, transitionId: t });
      // A member that could not process the transition will not answer it: do not wait for it.
      this.#answered(t, userId);
    }
  }

  #answered(t: number, userId: string): void {
    const waiting = this.#readyWaiting.get(t);
    if (!waiting) return;
    waiting.delete(userId);
    if ([...waiting].every((u) => !this.members.has(u))) {
      this.#readyWaiting.delete(t);
      for (const m of this.members.values()) m.dave.executeTransition(t);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Send one frame from `from` to `to` through both transforms, as voice-udp would. */
export function carry(from: Member, to: Member, opus: Uint8Array): Uint8Array | null | 'not-sent' {
  let wire: Uint8Array;
  try {
    wire = from.dave.transform.transformOutbound!(opus);
  } catch {
    return 'not-sent';
  }
  const out = to.dave.transform.transformInbound!(from.userId, wire);
  // Plain Uint8Array whatever the implementation returns (davey and ours hand out Buffers).
  return out && new Uint8Array(out);
}

export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
