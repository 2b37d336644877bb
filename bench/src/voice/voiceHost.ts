/** Forks voiceClients.ts with the bench's node flags and waits for its one answer (bounded). */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function runVoiceClients<T>(
  request: Record<string, unknown>,
  reply: string,
  options: { caPath: string; timeoutMs: number },
): Promise<T> {
  const child = fork(fileURLToPath(new URL('./voiceClients.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--conditions=source', '--import', 'tsx'],
    // @discordjs/voice can only be told to trust the emulator's self-signed certificate this way.
    env: { ...process.env, NODE_EXTRA_CA_CERTS: options.caPath },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`voice clients gave no ${reply} in ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      child.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'started') child.send(request);
        else if (m.type === reply) {
          clearTimeout(timer);
          resolve(m as T);
        } else if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`voice clients: ${m.message}`));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`voice clients exited with code ${code} before ${reply}`));
      });
    });
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(kill);
    }
  }
}
