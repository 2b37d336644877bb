import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const bot = fileURLToPath(new URL('./fixtures/signalBot.ts', import.meta.url));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  it(`${signal}: shutdown hooks run while the shards are still open, then the process exits 0`, async () => {
    const child = spawn(process.execPath, ['--conditions=cordwire-source', '--import', 'tsx', bot], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => {
      out += b;
      if (out.includes('ready\n') && !child.killed) child.kill(signal);
    });
    child.stderr.on('data', (b) => {
      err += b;
    });
    const [code, sig] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect(err).toBe('');
    expect(out).toBe('ready\nflushed; shards open: 1\nshutdown\n');
    expect([code, sig]).toEqual([0, null]);
  });
}
