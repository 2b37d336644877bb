/**
 * The emulator's only source of time. Tests may pass their own clock; everything that waits
 * (heartbeat deadlines, identify spacing, session expiry, fault scripts, streams) goes through it.
 */
export interface EmulatorClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: EmulatorClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A forgotten timer must never keep a test process or the CLI alive after close().
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function sleep(clock: EmulatorClock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
