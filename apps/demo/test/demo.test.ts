import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

// The main job end to end, as `npm run demo` runs it, for one second of audio.
it('the demo bot joins, plays, and the listener records every packet in order', () => {
  const run = spawnSync(
    process.execPath,
    ['--conditions=cordwire-source', '--import', 'tsx', main, '--seconds', '1'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.stderr).not.toMatch(/failed/);
  expect(run.stdout).toContain('listener recorded 50/50 packets, 0 lost slots: complete, in order, intact');
  expect(run.stdout).toContain('closed everything');
  expect(run.status).toBe(0);
});
