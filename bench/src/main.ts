/**
 * `pnpm bench` / `pnpm bench:quick`: runs every suite, prints the markdown table on stdout and
 * writes bench/results/latest.md and latest.json.
 *
 *   --quick        short rounds and sizes (< 2 min in total); what CI runs
 *   --only=a,b     run only these suites (names as in the table)
 *   --out=DIR      write results somewhere else than bench/results
 *   --readme       also put the table into README.md (between the latest-table markers)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { machineInfo, type Row, toJson, toMarkdown } from './report.js';
import { notMeasuredRow, type Suite, type SuiteContext } from './suite.js';
import { botSuite } from './suites/bot.js';
import { brokerSuite } from './suites/broker.js';
import { audioSuite } from './suites/audio.js';
import { daveFramesSuite } from './suites/daveFrames.js';
import { emulatorCapacitySuite } from './suites/emulatorCapacity.js';
import { gatewaySuite } from './suites/gateway.js';
import { memorySuite } from './suites/memory.js';
import { mlsSuite } from './suites/mls.js';
import { sendClockSuite } from './suites/sendClock.js';
import { transportSuite } from './suites/transport.js';
import { voiceE2eeSuite } from './suites/voiceE2ee.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = resolve(here, '..');

const README_START = '<!-- latest-table -->';
const README_END = '<!-- /latest-table -->';

const suites: readonly Suite[] = [
  gatewaySuite,
  transportSuite,
  daveFramesSuite,
  mlsSuite,
  sendClockSuite,
  emulatorCapacitySuite,
  memorySuite,
  brokerSuite,
  voiceE2eeSuite,
  audioSuite,
  botSuite,
];

function argValue(args: readonly string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

function versionOf(pkg: string): string {
  try {
    const require = createRequire(join(benchRoot, 'package.json'));
    const path = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    // Packages whose exports hide package.json: read it from bench's node_modules directly.
    try {
      return (
        JSON.parse(readFileSync(join(benchRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return 'unknown';
    }
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = argValue(args, 'only')?.split(',');
  const outDir = resolve(argValue(args, 'out') ?? join(benchRoot, 'results'));
  const rounds = quick ? 3 : 7;
  const started = performance.now();
  // Taken before any suite runs: the load average then says how busy the machine already was.
  const machine = machineInfo();
  const ctx: SuiteContext = {
    quick,
    rounds,
    log: (message) =>
      process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`),
  };
  if (!(globalThis as { gc?: unknown }).gc) ctx.log('note: run node with --expose-gc for the memory suite');

  const rows: Row[] = [];
  let failedSuites = 0;
  for (const suite of suites) {
    if (only && !only.includes(suite.name)) continue;
    ctx.log(`suite ${suite.name}`);
    try {
      rows.push(...(await suite.run(ctx)));
    } catch (e) {
      // A suite that breaks (a package API changed, a socket failed) becomes a visible row, never
      // a silent gap and never a made-up number.
      const message = e instanceof Error ? e.message : String(e);
      ctx.log(`suite ${suite.name} failed: ${e instanceof Error ? (e.stack ?? message) : message}`);
      rows.push(notMeasuredRow(suite.name, '(whole suite)', `suite failed: ${message}`));
      failedSuites++;
    }
  }

  const run = {
    mode: quick ? ('quick' as const) : ('full' as const),
    rounds,
    durationSeconds: (performance.now() - started) / 1000,
    versions: Object.fromEntries(
      ['@discordjs/ws', '@discordjs/voice', '@snazzah/davey', 'ws'].map((p) => [p, versionOf(p)]),
    ),
  };
  const markdown = toMarkdown(rows, machine, run);
  process.stdout.write(`${markdown}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.md'), markdown);
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(toJson(rows, machine, run), null, 2)}\n`);
  ctx.log(`wrote ${join(outDir, 'latest.md')} and latest.json`);
  if (args.includes('--readme')) {
    const readmePath = join(benchRoot, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start < 0 || end < start) throw new Error('README.md has no latest-table markers');
    const table = markdown.replace(/^# .*\n\n/, '');
    writeFileSync(
      readmePath,
      `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`,
    );
    ctx.log('updated README.md');
  }
  // A suite that threw means bench itself is broken (CI runs --quick to catch exactly this);
  // a row that is "not yet measured" because a package lacks an export is not a failure.
  if (failedSuites > 0) {
    ctx.log(`${failedSuites} suite(s) failed`);
    process.exitCode = 1;
  }
}

main().then(
  // Every suite closes what it opened; exit explicitly anyway so that a stray handle in a
  // package under test cannot keep the run alive.
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
