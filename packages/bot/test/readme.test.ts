import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// Each ```js example of the README, followed by "prints" and a block, runs as written and prints it.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```\n\nprints\n\n```\n([\s\S]*?)```/g)];

it('the README has its two runnable examples (offline, and against the emulator)', () => {
  expect(examples).toHaveLength(2);
});

for (const [i, [, code, printed]] of examples.entries()) {
  it(`README example ${i + 1} runs, prints what the README says, and exits 0`, () => {
    // Inside the package so that bare imports resolve through its node_modules.
    const file = fileURLToPath(new URL(`../.readme-example-${i}.mjs`, import.meta.url));
    writeFileSync(file, code as string);
    try {
      const run = spawnSync(process.execPath, ['--conditions=cordwire-source', '--import', 'tsx', file], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(printed);
      expect(run.status).toBe(0);
    } finally {
      rmSync(file, { force: true });
    }
  });
}
