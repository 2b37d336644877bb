import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../src/testing.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.close();
});

it('the README example runs against a real redis-server and prints what the README says', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  const printed = /prints \(in either order\)\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  expect(printed).toBeDefined();
  const file = fileURLToPath(new URL('../.readme-example.mjs', import.meta.url));
  writeFileSync(file, block as string);
  try {
    const run = spawnSync(process.execPath, ['--conditions=cordwire-source', '--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, REDIS_URL: server.url },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n').sort()).toEqual((printed as string).split('\n').sort());
    expect(run.status).toBe(0);
  } finally {
    rmSync(file, { force: true });
  }
});
