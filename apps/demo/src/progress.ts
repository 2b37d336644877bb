/**
 * Progress while the demo runs: on a terminal one live line (the phase, what it waits for, and
 * the time so far) that turns into a finished line when the next phase starts; elsewhere (CI,
 * a pipe) plain lines, one per phase.
 */
export interface Progress {
  /** A new phase (or news within the current one). */
  phase(name: string, detail?: string): void;
  /** A plain line above the live one. */
  line(text: string): void;
  /** Ends the live line. */
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream): Progress {
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
  const tty = stream.isTTY === true;
  let current: { name: string; detail: string; since: number } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const live = () => {
    if (!current) return;
    const width = stream.columns ?? 100;
    const text = `  ${elapsed().padStart(6)}  ${current.name}: ${current.detail}`;
    stream.write(`\r\x1b[K${text.slice(0, width - 1)}`);
  };
  const finish = () => {
    if (!current || !tty) return;
    const took = ((performance.now() - current.since) / 1000).toFixed(1);
    stream.write(`\r\x1b[K  ✓ ${current.name} (${took}s)\n`);
  };

  return {
    phase(name, detail = '') {
      if (!tty) {
        stream.write(`[demo] ${elapsed().padStart(6)} ${name}${detail ? `: ${detail}` : ''}\n`);
        return;
      }
      if (current?.name !== name) {
        finish();
        current = { name, detail, since: performance.now() };
      } else current.detail = detail;
      timer ??= setInterval(live, 100);
      live();
    },
    line(text) {
      if (tty) stream.write(`\r\x1b[K${text}\n`);
      else stream.write(`[demo] ${text}\n`);
      if (tty) live();
    },
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      finish();
      current = undefined;
    },
  };
}
