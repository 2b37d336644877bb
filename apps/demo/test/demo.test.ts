import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

// The main job end to end, as `npm run demo` runs it, for one second of audio, with E2EE on.
it('the demo bot joins an E2EE channel, prints the privacy code, plays, and the listener records every packet in order', () => {
  const run = spawnSync(
    process.execPath,
    ['--conditions=cordwire-source', '--import', 'tsx', main, '--seconds', '1'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.stderr).not.toMatch(/failed/);
  expect(run.stdout).toContain('E2EE on: DAVE protocol v1');
  expect(run.stdout).toMatch(/voice privacy code: \d{5}( \d{5}){5}\n/);
  expect(run.stdout).toMatch(/verification code: \d{5}( \d{5}){8}\n/);
  expect(run.stdout).toContain('listener recorded 50/50 packets, 0 lost slots: complete, in order, intact');
  expect(run.stdout).toMatch(/DAVE: bot encrypted 50 frames; listener decrypted 50, failed 0/);
  expect(run.stdout).toContain('closed everything');
  expect(run.status).toBe(0);
});
