import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

// The README's guide "Testing your bot against the emulator" shows test/guide.test.ts, which runs
// in this suite: the two must not drift apart. Only the import differs (the package name there,
// the source here, so typechecking does not need a build of this package).
test('the README guide shows test/guide.test.ts verbatim', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('## Testing your bot against the emulator')[1];
  expect(section, 'the README has the guide section').toBeDefined();
  const block = /```ts\n([\s\S]*?)```/.exec(section!)?.[1];
  expect(block, 'the guide has a ts code block').toBeDefined();
  const test = readFileSync(new URL('./guide.test.ts', import.meta.url), 'utf8');
  expect(block!.replace("from '@cordwire/emulator';", "from '../src/index.js';")).toBe(test);
});

test("the README's scenario example is a valid scenario", async () => {
  const { parseScenario } = await import('../src/index.js');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('### Scenario files')[1];
  const block = /```json\n([\s\S]*?)```/.exec(section ?? '')?.[1];
  expect(block, 'the scenario section has a json block').toBeDefined();
  const scenario = parseScenario(JSON.parse(block!));
  expect(scenario.timeline.map((s) => s.do)).toEqual([
    'say',
    'command',
    'joinVoice',
    'joinVoice',
    'speak',
    'heard',
    'click',
    'status',
  ]);
});
