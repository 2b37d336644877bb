import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The root README's bot example is plain JavaScript that runs as written. It runs from this app's
// folder, whose dependencies (@cordwire/bot, @cordwire/emulator, @cordwire/audio) it imports.
it("the root README's bot example runs, prints what the README says, and exits 0", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const match = /## A bot in a few lines[\s\S]*?```js\n([\s\S]*?)```\n\nprints\n\n```\n([\s\S]*?)```/.exec(
    readme,
  );
  expect(match).not.toBeNull();
  const file = fileURLToPath(new URL('../.readme-example-root.mjs', import.meta.url));
  writeFileSync(file, match?.[1] as string);
  try {
    const run = spawnSync(process.execPath, ['--conditions=cordwire-source', '--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(match?.[2]);
    expect(run.status).toBe(0);
  } finally {
    rmSync(file, { force: true });
  }
});
