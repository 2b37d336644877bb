/**
 * Test plumbing for the REST tests: a fresh emulator per test with the REST rate limiter off and
 * no identify spacing (those are tested on their own), a @discordjs/rest client holding the bot
 * token, and clean-up after each test of the emulator and of any gateway clients the test tracked.
 */
import { REST } from '@discordjs/rest';
import { afterEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/index.js';
import type { RawClient } from '../gatewayClient.js';

export interface RestEmulatorPerTest {
  /** Gateway clients to terminate after the test. */
  readonly clients: RawClient[];
  /** The running test's emulator, once started. */
  readonly emu: Emulator | undefined;
  start(options?: EmulatorOptions): Promise<{ emu: Emulator; rest: REST }>;
}

/** Registers the afterEach clean-up; call once at the top of a test file. */
export function restEmulatorPerTest(): RestEmulatorPerTest {
  let emu: Emulator | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await emu?.close();
    emu = undefined;
  });
  return {
    clients,
    get emu() {
      return emu;
    },
    async start(options = {}) {
      emu = await startEmulator({ restRateLimits: { enabled: false }, identifyIntervalMs: 0, ...options });
      return { emu, rest: new REST({ api: emu.apiUrl, version: '10' }).setToken(emu.token) };
    },
  };
}
