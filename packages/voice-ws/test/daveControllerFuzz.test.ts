/**
 * Whatever a voice gateway sends (any DAVE op with any payload, in any order, before or after the
 * session exists) and whatever arrives as media, the controller never throws out of its entry
 * points, keeps what it holds bounded, and answers only with the ops it may send (23, 26, 28, 31).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cordwireDaveSessionFactory, DaveController, DaveNotReadyError } from '../src/index.js';

const CHANNEL = '1100000000000000009';
const USER = '2000000000000000099';

const op = fc.oneof(
  fc.record({
    kind: fc.constant('binary' as const),
    op: fc.constantFrom(25, 27, 29, 30, 26, 28, 99),
    payload: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('json' as const),
    op: fc.constantFrom(21, 22, 24),
    id: fc.integer({ min: 0, max: 65_535 }),
    version: fc.integer({ min: -1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('version' as const), version: fc.integer({ min: 0, max: 2 }) }),
  fc.record({
    kind: fc.constant('users' as const),
    ids: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('frame' as const),
    from: fc.string({ maxLength: 20 }),
    payload: fc.uint8Array({ maxLength: 80 }),
  }),
);

describe('DAVE controller against hostile input', () => {
  it('never throws, stays bounded, and only sends client ops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const sent: number[] = [];
        const dave = new DaveController({
          createSession: cordwireDaveSessionFactory,
          sendJson: (o) => sent.push(o),
          sendBinary: (o) => sent.push(o),
        });
        dave.reset(USER, CHANNEL);
        for (const o of ops) {
          if (o.kind === 'binary') dave.binary(o.op, o.payload);
          else if (o.kind === 'json') {
            if (o.op === 21) dave.prepareTransition(o.id, o.version);
            else if (o.op === 22) dave.executeTransition(o.id);
            else dave.prepareEpoch(o.id, o.version);
          } else if (o.kind === 'version') dave.sessionDescription(o.version);
          else if (o.kind === 'users') {
            dave.clientsConnect(o.ids);
            if (o.ids[0] !== undefined) dave.clientDisconnect(o.ids[0]);
          } else {
            const out = dave.transform.transformInbound!(o.from, o.payload);
            expect(out === null || out instanceof Uint8Array).toBe(true);
            try {
              dave.transform.transformOutbound!(o.payload);
            } catch (error) {
              // Only "no send key yet" or the implementation's own typed frame error.
              expect(
                error instanceof DaveNotReadyError || typeof (error as { code?: unknown }).code === 'string',
              ).toBe(true);
            }
          }
        }
        // Let queued MLS work finish: failures are logged and counted, never thrown.
        await new Promise((r) => setTimeout(r, 0));
        for (let i = 0; i < 20; i++) await Promise.resolve();
        expect(sent.every((o) => [23, 26, 28, 31].includes(o))).toBe(true);
        expect(dave.pendingTransitions.length).toBeLessThanOrEqual(16);
      }),
      { numRuns: 60 },
    );
  });

  it('holds at most 64 early binary ops before a session exists and counts the rest', () => {
    const dave = new DaveController({
      createSession: cordwireDaveSessionFactory,
      sendJson: () => {},
      sendBinary: () => {},
    });
    dave.reset(USER, CHANNEL);
    for (let i = 0; i < 100; i++) dave.binary(27, Uint8Array.of(0, 0));
    expect(dave.stats.earlyOpsDropped).toBe(36);
  });

  it('remembers at most 16 prepared transitions from a gateway that never executes them', async () => {
    const dave = new DaveController({
      createSession: cordwireDaveSessionFactory,
      sendJson: () => {},
      sendBinary: () => {},
    });
    dave.reset(USER, CHANNEL);
    dave.sessionDescription(1);
    for (let i = 1; i <= 200; i++) dave.prepareTransition(i, 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(dave.pendingTransitions).toHaveLength(16);
    expect(dave.pendingTransitions.at(-1)).toBe(200);
  });
});
