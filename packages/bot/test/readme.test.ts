import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The README's first example is plain JavaScript that runs as written: run it and check its output.
it('the README example runs, prints what the README says, and exits 0', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const printed = /prints\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(printed).toBeDefined();
  // Inside the package so that bare imports resolve through its node_modules.
  const file = fileURLToPath(new URL('../.readme-example.mjs', import.meta.url));
  writeFileSync(file, block as string);
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
