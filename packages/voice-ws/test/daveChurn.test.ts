/**
 * Churn in a required-E2EE channel of the emulator: a bot and 8 members (our DaveSession and
 * davey-backed, alternating) join and leave every 1-2 s while everyone sends numbered frames on the
 * real 20 ms clock. Per sender-receiver pair it prints frames sent, received (decrypted), failed and
 * passed through, and checks:
 *   - every frame sent after both ends executed the same (their last) transition arrived, unless
 *     one of them left within LEAVE_MARGIN_MS of sending (frames in flight to a leaver are lost);
 *   - every decrypt failure happened inside a transition window (a transition pending at the
 *     receiver or executed less than 2 s before), as the controller reports it.
 * Duration: CORDWIRE_DAVE_CHURN_SECONDS (default 60).
 */
import type { VoiceServer } from '@cordwire/emulator';
import * as davey from '@snazzah/davey';
import { SendClock } from '@cordwire/voice-udp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DaveDecryptFailure,
  daveyDaveSessionFactory,
  joinVoiceChannel,
  type VoiceConnection,
} from '../src/index.js';
import { testAdapter, voiceServer, waitFor } from './helpers/harness.js';

const GUILD = '400';
const CHANNEL = '401';
const BOT = '1';
const MEMBERS = ['2', '3', '4', '5', '6', '7', '8', '9'];
const SECONDS = Number(process.env.CORDWIRE_DAVE_CHURN_SECONDS ?? 60);
/** Frames sent this close before either end left may still be in flight when it goes. */
const LEAVE_MARGIN_MS = 500;

interface Instance {
  readonly userId: string;
  readonly conn: VoiceConnection;
  readonly joinedAt: number;
  leftAt: number;
  /** Executed transitions, in order. */
  readonly transitions: Array<{ at: number; id: number }>;
  /** When each transition became pending here (commit/Welcome processed, or op 21). */
  readonly prepared: Array<{ at: number; id: number }>;
  /** Frames sent: index -> time. */
  readonly sent: Map<number, number>;
  /** Frames received: sender -> indexes. */
  readonly received: Map<string, Set<number>>;
  readonly failures: Array<DaveDecryptFailure & { at: number }>;
}

/** 40 bytes: a CELT TOC byte, the sender, the sender's frame index. Opaque to DAVE. */
function frame(sender: number, index: number): Uint8Array {
  const f = new Uint8Array(40);
  f[0] = 0xfc;
  f[1] = sender;
  new DataView(f.buffer).setUint32(2, index);
  for (let k = 6; k < 40; k++) f[k] = (index + k * 13) & 0xff;
  return f;
}
function parse(opus: Uint8Array): { sender: string; index: number } | undefined {
  if (opus.length !== 40 || opus[0] !== 0xfc) return undefined;
  return {
    sender: String(opus[1]),
    index: new DataView(opus.buffer, opus.byteOffset, opus.length).getUint32(2),
  };
}

describe('DAVE under churn', () => {
  let server: VoiceServer | undefined;
  const live: Instance[] = [];
  afterAll(async () => {
    for (const i of live) i.conn.destroy();
    await server?.close();
  });

  it(
    `a bot and 8 members (ours and davey) joining and leaving every 1-2 s for ${SECONDS} s`,
    async () => {
      // Discord's heartbeat interval (13.75 s), not the harness's 1 s: a member answering a
      // transition every 1-2 s (op 28 + op 23) plus a beat a second would pass the emulator's
      // 120 messages per minute and be closed with 4021.
      server = await voiceServer({ e2ee: 'required', heartbeatIntervalMs: 13_750 });
      const clock = new SendClock();
      const instances: Instance[] = [];
      let nextIndex = 0;
      const t0 = performance.now();
      const events: string[] = [];
      const recoveries: string[] = [];
      /** Connections that ended without the test leaving (a close code, a rejoin limit). */
      const dropped: string[] = [];
      let session = 0;

      const start = (userId: string): Instance => {
        // The bot is ours; members alternate: even ids ours, odd ids davey.
        const useDavey = userId !== BOT && Number(userId) % 2 === 1;
        const conn = joinVoiceChannel({
          guildId: GUILD,
          channelId: CHANNEL,
          adapterCreator: testAdapter(server!, { userId, sessionId: `s-${userId}-${session++}` }).creator,
          scheme: 'ws',
          sendClock: clock,
          dave: useDavey ? { createSession: daveyDaveSessionFactory(davey) } : true,
        });
        const inst: Instance = {
          userId,
          conn,
          joinedAt: performance.now(),
          leftAt: Number.POSITIVE_INFINITY,
          transitions: [],
          prepared: [],
          sent: new Map(),
          received: new Map(),
          failures: [],
        };
        conn.on('daveTransition', (t) =>
          inst.transitions.push({ at: performance.now(), id: t.transitionId }),
        );
        conn.on('daveTransitionPrepared', (t) =>
          inst.prepared.push({ at: performance.now(), id: t.transitionId }),
        );
        conn.on('stateChange', (_o, n) => {
          events.push(`${(performance.now() - t0).toFixed(0)} ${userId} state ${n.status}`);
          if (n.status === 'disconnected')
            dropped.push(
              `${userId} disconnected (${n.reason ?? ''} ${n.closeCode ?? ''}) at ${(performance.now() - t0).toFixed(0)} ms`,
            );
        });
        conn.on('debug', (line) => {
          if (/closed|resum|udp|rejoin|recover/i.test(line))
            events.push(`${(performance.now() - t0).toFixed(0)} ${userId} ${line}`);
        });
        conn.on('daveRecovery', (r) =>
          recoveries.push(
            `${(performance.now() - t0).toFixed(0)} ${userId} op 31 for transition ${r.transitionId}: ${r.reason}`,
          ),
        );
        conn.on('daveDecryptFailure', (f) => inst.failures.push({ ...f, at: performance.now() }));
        conn.on('frame', (f) => {
          const p = f.opus && parse(f.opus);
          if (!p) return;
          let set = inst.received.get(p.sender);
          if (!set) {
            set = new Set();
            inst.received.set(p.sender, set);
          }
          set.add(p.index);
        });
        // Send for as long as the instance lives; each pull is the moment the frame goes out.
        void conn.play(() => {
          if (inst.leftAt !== Number.POSITIVE_INFINITY) return null;
          const index = nextIndex++;
          inst.sent.set(index, performance.now());
          return frame(Number(userId), index);
        });
        instances.push(inst);
        live.push(inst);
        return inst;
      };
      const stop = (inst: Instance) => {
        inst.leftAt = performance.now();
        inst.conn.destroy();
        live.splice(live.indexOf(inst), 1);
      };

      start(BOT);
      const present = new Map<string, Instance>();
      for (const id of MEMBERS.slice(0, 4)) present.set(id, start(id));
      const end = performance.now() + SECONDS * 1000;
      let churns = 0;
      while (performance.now() < end) {
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
        const id = MEMBERS[Math.floor(Math.random() * MEMBERS.length)]!;
        const inst = present.get(id);
        events.push(`${(performance.now() - t0).toFixed(0)} ${id} ${inst ? 'leaves' : 'joins'}`);
        if (inst) {
          stop(inst);
          present.delete(id);
        } else present.set(id, start(id));
        churns++;
      }
      // Let the last transition settle and in-flight frames arrive, then stop everyone.
      await waitFor(
        () => server!.control.dave(GUILD, CHANNEL)?.pendingTransition == null,
        15_000,
        'last transition executed',
      );
      await new Promise((r) => setTimeout(r, 1000));
      for (const inst of [...live]) {
        inst.conn.flushReceive();
        stop(inst);
      }

      // ---- per pair accounting
      const lastTransitionBefore = (inst: Instance, t: number) => {
        let id: number | undefined;
        for (const x of inst.transitions) if (x.at <= t) id = x.id;
        return id;
      };
      /**
       * Inside a transition window at `t`: before its first executed transition, or between a
       * transition becoming pending and its execution (plus `slackMs` after, for frames in flight).
       */
      const windowsOverlap = (inst: Instance, from: number, to: number) => {
        const first = inst.transitions[0];
        if (!first || first.at > from) return true;
        return inst.prepared.some((p) => {
          const done = inst.transitions.find((x) => x.id === p.id && x.at >= p.at);
          return p.at <= to && (done?.at ?? Number.POSITIVE_INFINITY) >= from;
        });
      };
      const inWindow = (inst: Instance, t: number) => windowsOverlap(inst, t, t);
      type Row = {
        sent: number;
        settled: number;
        received: number;
        /** Settled frames that did not arrive while DAVE failed frames from this sender. */
        missed: number;
        /** Settled frames that did not arrive with no DAVE failure near: lost before DAVE saw them. */
        lost: number;
        failed: number;
        passedThrough: number;
      };
      const rows = new Map<string, Row>();
      const missedExamples: string[] = [];
      const lostExamples: string[] = [];
      for (const s of instances)
        for (const r of instances) {
          if (s === r || s.userId === r.userId) continue;
          const key = `${s.userId}->${r.userId}`;
          const row = rows.get(key) ?? {
            sent: 0,
            settled: 0,
            received: 0,
            missed: 0,
            lost: 0,
            failed: 0,
            passedThrough: 0,
          };
          rows.set(key, row);
          const got = r.received.get(s.userId);
          for (const [index, at] of s.sent) {
            if (at < r.joinedAt || at > r.leftAt) continue;
            row.sent++;
            if (got?.has(index)) row.received++;
            const idS = lastTransitionBefore(s, at);
            const idR = lastTransitionBefore(r, at);
            // Settled: both executed the same transition and neither has a newer one pending (davey
            // switches its send key when it processes a commit, before op 22: research/dave.md 7).
            const settled =
              idS !== undefined &&
              idS === idR &&
              !inWindow(s, at) &&
              !inWindow(r, at) &&
              at + LEAVE_MARGIN_MS < Math.min(s.leftAt, r.leftAt);
            if (!settled) continue;
            row.settled++;
            if (!got?.has(index)) {
              // A failed decrypt of this sender's frames at this receiver between the send and
              // 1.5 s later (arrival on a busy loop) means DAVE dropped it; otherwise it never
              // reached DAVE (transport, a leaver's last frames, the send clock).
              const near = r.failures
                .filter((f) => f.userId === s.userId && f.at >= at - 50 && f.at <= at + 1500)
                .map((f) => `${f.reason}${f.inTransition ? '*' : ''}`);
              if (near.length > 0) row.missed++;
              else row.lost++;
              const examples = near.length > 0 ? missedExamples : lostExamples;
              if (examples.length < 10)
                examples.push(
                  `${key} frame ${index} at ${(at - t0).toFixed(0)} ms (transition ${idS}; failures near: ${near.slice(0, 4).join(' ') || 'none'})`,
                );
            }
          }
        }
      // Receive counters once per receiving instance and sending user.
      for (const r of instances)
        for (const [sender, stats] of r.conn.daveStats?.receive ?? []) {
          const row = rows.get(`${sender}->${r.userId}`);
          if (!row) continue;
          row.failed += stats.failed;
          row.passedThrough += stats.passedThrough;
        }

      const lines = [...rows].map(
        ([k, r]) =>
          `${k.padEnd(6)} sent ${String(r.sent).padStart(5)}  settled ${String(r.settled).padStart(5)}  decrypted ${String(r.received).padStart(5)}  missed ${r.missed}  lost ${r.lost}  failed ${r.failed}  passed-through ${r.passedThrough}`,
      );
      const totals = [...rows.values()].reduce(
        (a, r) => ({
          sent: a.sent + r.sent,
          settled: a.settled + r.settled,
          received: a.received + r.received,
          missed: a.missed + r.missed,
          lost: a.lost + r.lost,
          failed: a.failed + r.failed,
        }),
        { sent: 0, settled: 0, received: 0, missed: 0, lost: 0, failed: 0 },
      );
      const failures = instances.flatMap((i) => i.failures);
      // A failure is inside a transition window when the receiver said so, or when the receiver or
      // the sender (the instance of that user alive then) was in a window during the second before.
      const senderAt = (userId: string, t: number) =>
        instances.filter((i) => i.userId === userId && i.joinedAt <= t && t <= i.leftAt + 1000);
      const outside = instances.flatMap((r) =>
        r.failures.filter(
          (f) =>
            !f.inTransition &&
            !windowsOverlap(r, f.at - 1000, f.at) &&
            !senderAt(f.userId, f.at).some((s) => windowsOverlap(s, f.at - 1000, f.at)),
        ),
      );
      console.log(
        [
          `churn: ${SECONDS} s, ${churns} joins/leaves, ${instances.length} connections, ${server!.control.dave(GUILD, CHANNEL)?.transitionsExecuted ?? '?'} transitions`,
          ...lines,
          `total: sent ${totals.sent}, settled ${totals.settled}, decrypted ${totals.received}, missed by DAVE ${totals.missed}, lost before DAVE ${totals.lost}, failed ${totals.failed}, failures outside transition windows ${outside.length}`,
          ...missedExamples.map((e) => `missed by DAVE: ${e}`),
          ...lostExamples.map((e) => `lost before DAVE: ${e}`),
          ...outside
            .slice(0, 10)
            .map((f) => `failure outside a transition: ${f.userId} ${f.reason} (#${f.count})`),
          ...recoveries,
          ...(missedExamples.length + lostExamples.length > 0 ? events : []),
          `failure reasons: ${JSON.stringify(
            failures.reduce<Record<string, number>>((a, f) => {
              a[f.reason] = (a[f.reason] ?? 0) + 1;
              return a;
            }, {}),
          )}`,
        ].join('\n'),
      );

      expect(churns).toBeGreaterThanOrEqual(Math.floor(SECONDS / 2) - 1);
      expect(totals.settled).toBeGreaterThan(0);
      expect(dropped).toEqual([]);
      expect(missedExamples).toEqual([]);
      expect(totals.missed).toBe(0);
      // Not a DAVE property, but bounded: a link that lost more would hide DAVE misses.
      expect(totals.lost).toBeLessThanOrEqual(Math.ceil(totals.settled * 0.01));
      expect(outside).toEqual([]);
      expect(instances.reduce((n, i) => n + (i.conn.daveStats?.recoveries ?? 0), 0)).toBe(0);
    },
    (SECONDS + 90) * 1000,
  );
});
