import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The README promises an example that runs: run its first code block and check what it prints.
describe('README example', () => {
  afterEach(() => vi.restoreAllMocks());
  it('runs and prints what its comments say', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(block.trim().split('\n').length).toBeLessThanOrEqual(12);
    const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'cordwire-readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, block.replace("'@cordwire/opcodes'", JSON.stringify(src)));
      const lines: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
      await import(pathToFileURL(file).href);
      expect(lines).toEqual(['heartbeat every 13750 ms', 'INVALID_FIELD d.secret_key', '18 10', 'fatal']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
