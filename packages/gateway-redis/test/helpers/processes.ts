/** Child processes (tsx) whose stdout lines a test can read and wait on. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly lines: string[];
  waitFor(pred: (line: string) => boolean, what: string, ms?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startChild(name: string, fixture: string, env: Record<string, string>): Child {
  const file = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
  const proc = spawn(process.execPath, ['--conditions=cordwire-source', '--import', 'tsx', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  proc.stdout!.on('data', (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  proc.stderr!.on('data', (b: Buffer) => lines.push(`[stderr] ${b.toString().trim()}`));
  return {
    name,
    process: proc,
    lines,
    async waitFor(pred, what, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = lines.find(pred);
        if (hit !== undefined) return hit;
        if (proc.exitCode !== null)
          throw new Error(
            `${name} exited (${proc.exitCode}) before ${what}:\n${lines.slice(-20).join('\n')}`,
          );
        if (Date.now() > deadline)
          throw new Error(`${name}: timed out waiting for ${what}:\n${lines.slice(-20).join('\n')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill(signal);
      await exited;
    },
  };
}
