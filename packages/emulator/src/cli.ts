#!/usr/bin/env node
/**
 * cordwire-emulator: a local Discord for bots under test.
 *
 *   cordwire-emulator [--port 0] [--seed world.json] [--scenario story.json] [--script faults.json] [--token T]
 *                     [--shards N] [--max-concurrency N] [--identify-interval ms]
 *                     [--heartbeat-interval ms] [--voice-endpoint host:port]
 *                     [--zstd-framing per-message|single-frame] [--max-connections N] [--verbose]
 *
 * Prints the REST and gateway URLs and only the first characters of the token.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator, type EmulatorOptions } from './emulator.js';
import { EmulatorError } from './errors.js';
import { parseFaultScript } from './gateway/faultScript.js';
import { parseScenario, runScenario, scenarioUsesVoice } from './scenario/index.js';

const USAGE = `usage: cordwire-emulator [--port N] [--seed file.json] [--scenario file.json] [--script file.json] [--token T]
  [--shards N] [--max-concurrency N] [--identify-interval ms] [--heartbeat-interval ms]
  [--voice-endpoint host:port] [--zstd-framing per-message|single-frame] [--max-connections N] [--verbose]`;

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EmulatorError('EMULATOR_BAD_OPTION', `cannot read the ${what} file ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EmulatorError(
      'EMULATOR_BAD_OPTION',
      `the ${what} file ${path} is not JSON: ${(err as Error).message}`,
    );
  }
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new EmulatorError('EMULATOR_BAD_OPTION', `--${name} must be an integer >= 0`);
  return n;
}

/** Shows enough of a token to tell two apart, never enough to use it: at most 6 characters, at most a quarter. */
export function maskToken(token: string): string {
  return `${token.slice(0, Math.min(6, Math.floor(token.length / 4)))}…`;
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<Emulator> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string' },
      script: { type: 'string' },
      token: { type: 'string' },
      shards: { type: 'string' },
      'max-concurrency': { type: 'string' },
      'identify-interval': { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      'voice-endpoint': { type: 'string' },
      'zstd-framing': { type: 'string' },
      'max-connections': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(USAGE);
    process.exit(0);
  }
  const options: EmulatorOptions = {};
  const port = int(values.port, 'port');
  if (port !== undefined) options.port = port;
  if (values.seed !== undefined) options.seed = readJson(values.seed, 'seed') as EmulatorOptions['seed'];
  if (values.token !== undefined) options.token = values.token;
  const shards = int(values.shards, 'shards');
  if (shards !== undefined) options.shards = shards;
  const mc = int(values['max-concurrency'], 'max-concurrency');
  if (mc !== undefined) options.maxConcurrency = mc;
  const ii = int(values['identify-interval'], 'identify-interval');
  if (ii !== undefined) options.identifyIntervalMs = ii;
  const hb = int(values['heartbeat-interval'], 'heartbeat-interval');
  if (hb !== undefined) options.heartbeatIntervalMs = hb;
  if (values['voice-endpoint'] !== undefined) options.voiceEndpoint = values['voice-endpoint'];
  const framing = values['zstd-framing'];
  if (framing !== undefined) {
    if (framing !== 'per-message' && framing !== 'single-frame')
      throw new EmulatorError('EMULATOR_BAD_OPTION', '--zstd-framing must be per-message or single-frame');
    options.zstdFraming = framing;
  }
  const maxConnections = int(values['max-connections'], 'max-connections');
  if (maxConnections !== undefined) options.maxConnections = maxConnections;
  if (values.verbose) options.logger = (line) => out(`[emulator] ${line}`);
  // Parse the script and scenario before starting, so a typo fails fast instead of after the server is up.
  const script =
    values.script !== undefined ? parseFaultScript(readJson(values.script, 'script')) : undefined;
  const scenario =
    values.scenario !== undefined ? parseScenario(readJson(values.scenario, 'scenario')) : undefined;
  if (scenario?.world !== undefined) {
    if (options.seed !== undefined) {
      throw new EmulatorError(
        'EMULATOR_BAD_OPTION',
        'give the world either in --seed or in the scenario, not both',
      );
    }
    options.seed = scenario.world;
  }
  if (scenario !== undefined && scenarioUsesVoice(scenario)) {
    // Members join with DAVE unless a step says `"dave": false`; those need a voice server
    // without required E2EE. Otherwise Discord's default: every channel requires it.
    const someoneWithoutDave = scenario.timeline.some((s) => s.do === 'joinVoice' && s.dave === false);
    options.voiceServer = someoneWithoutDave ? { e2ee: 'off' } : true;
  }

  const emu = await startEmulator(options);
  out(`cordwire emulator listening`);
  out(`  REST     ${emu.restUrl}`);
  out(`  gateway  ${emu.gatewayUrl}`);
  out(`  token    ${maskToken(emu.token)} (pass --token to choose it)`);
  if (emu.voice) out(`  voice    ${emu.voice.endpoint} (wss; its CA is in ${emu.voice.caPath})`);
  if (scenario) {
    out(`  scenario ${scenario.users.length} users, ${scenario.timeline.length} steps, starting now`);
    runScenario(emu, scenario, {
      baseDir: dirname(resolve(values.scenario!)),
      onStep: (r) =>
        out(
          `scenario +${r.ranAt}ms ${r.step.user} ${r.step.do}${r.heard ? ` ${JSON.stringify(r.heard)}` : ''}${
            r.error !== undefined ? ` failed: ${r.error}` : ''
          }`,
        ),
    }).then(
      () => out('scenario finished'),
      (err: unknown) => out(`scenario failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  if (script) {
    out(`  script   ${script.length} steps, starting now`);
    emu.control.runScript(script).then(
      () => out('script finished'),
      (err: unknown) => out(`script failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  return emu;
}

// Run main only when executed (also through the npm bin symlink), not when imported by a test.
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (emu) => {
      const stop = () => {
        void emu.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Keep the process alive: the emulator's own timers are unref'd.
      setInterval(() => {}, 1 << 30);
    },
    (err: unknown) => {
      console.error(err instanceof EmulatorError ? `error: ${err.message}` : err);
      console.error(USAGE);
      process.exit(2);
    },
  );
}
