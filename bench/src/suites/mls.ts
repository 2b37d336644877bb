/**
 * Suite 4: MLS at 10, 25, 50 and 99 members against davey (OpenMLS, native): create an Add
 * commit, process it as another member, join from its Welcome. Target: within 2x of davey.
 * Both sides run the same scenario (dave/mlsScenario.ts) against the same kind of external sender.
 */
import { daveyFactory } from '../anchors/davey.js';
import { ExternalSender } from '../dave/externalSender.js';
import { CHANNEL_ID, MlsGroupScenario } from '../dave/mlsScenario.js';
import { interleaveRecords } from '../harness.js';
import { ourFactory } from '../ours/daveMls.js';
import type { Row } from '../report.js';
import type { Suite } from '../suite.js';

const METRICS = [
  ['createCommit', 'create Add commit + Welcome (op 27 → op 28)'],
  ['processAddCommit', 'process Add commit, existing member (op 29)'],
  ['joinFromWelcome', 'join from Welcome (op 30)'],
] as const;

export const mlsSuite: Suite = {
  name: 'mls',
  async run(ctx) {
    const sizes = ctx.quick ? [10] : [10, 25, 50, 99];
    const rows: Row[] = [];
    for (const size of sizes) {
      ctx.log(`mls: building groups of ${size - 1}`);
      const oursGroup = await MlsGroupScenario.create(ourFactory, new ExternalSender(CHANNEL_ID), size);
      const daveyGroup = await MlsGroupScenario.create(daveyFactory, new ExternalSender(CHANNEL_ID), size);
      ctx.log(`mls: ${size} members, ${ctx.rounds} rounds`);
      const result = await interleaveRecords(
        async () => ({ ...(await oursGroup.round()) }),
        async () => ({ ...(await daveyGroup.round()) }),
        ctx.rounds,
      );
      for (const [key, label] of METRICS) {
        rows.push({
          suite: 'mls',
          metric: `${label}, ${size} members`,
          unit: 'ms',
          better: 'lower',
          ours: result[key].ours,
          anchor: result[key].anchor,
          anchorName: '@snazzah/davey',
          target: { kind: 'within', factor: 2 },
          notes: 'ours: @cordwire/dave-mls DaveSession (ts-mls); anchor: DAVESession (OpenMLS, native)',
        });
      }
    }
    return rows;
  },
};
