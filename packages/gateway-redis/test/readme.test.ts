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

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = [
  ...readme.matchAll(/```js\n([\s\S]*?)```\n\nprints( \(in either order\))?\n\n```\n([\s\S]*?)```/g),
];

it('the README has its two runnable examples', () => {
  expect(examples).toHaveLength(2);
});

for (const [i, [, code, anyOrder, printed]] of examples.entries()) {
  it(`README example ${i + 1} runs against a real redis-server and prints what the README says`, () => {
    const file = fileURLToPath(new URL(`../.readme-example-${i}.mjs`, import.meta.url));
    writeFileSync(file, code as string);
    try {
      const run = spawnSync(process.execPath, ['--conditions=cordwire-source', '--import', 'tsx', file], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, REDIS_URL: server.url },
      });
      expect(run.stderr).toBe('');
      const lines = (s: string) => (anyOrder ? s.split('\n').sort() : s.split('\n'));
      expect(lines(run.stdout)).toEqual(lines(printed as string));
      expect(run.status).toBe(0);
    } finally {
      rmSync(file, { force: true });
    }
  });
}
