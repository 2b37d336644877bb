#!/usr/bin/env node
// One entry point for a fresh machine (Node >= 20 and npm present, pnpm possibly absent):
//   npm test       installs pnpm and the locked dependencies, builds, runs every package's tests
//   npm run demo   the same set-up, then runs apps/demo against the embedded emulator
// It prints a closing line "N passed, N failed" summed from every package's vitest JSON report.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const PNPM_VERSION = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).packageManager.split('@')[1];
const root = new URL('..', import.meta.url).pathname;
const mode = process.argv[2] ?? 'test';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status ?? 1;
}

function ensurePnpm() {
  if (pnpmVersionOnPath() === PNPM_VERSION) return 'pnpm';
  // No pnpm, or another version: install the pinned one into .tools/ inside the checkout. That
  // needs no writable global prefix, and turbo finds it because .tools/.bin goes first on PATH.
  const prefix = join(root, '.tools');
  const bin = join(prefix, 'node_modules', '.bin');
  if (!existsSync(join(bin, 'pnpm'))) {
    console.log(`[cordwire] installing pnpm@${PNPM_VERSION} into .tools/ with npm`);
    const code = run('npm', [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefix',
      prefix,
      `pnpm@${PNPM_VERSION}`,
    ]);
    if (code !== 0) setupFailed('installing pnpm');
  }
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
  if (pnpmVersionOnPath() !== PNPM_VERSION) setupFailed('installing pnpm');
  return 'pnpm';
}

function pnpmVersionOnPath() {
  try {
    return execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function setupFailed(what) {
  console.error(`[cordwire] ${what} failed`);
  // CI reads only the closing line; a broken set-up is one failure, not silence.
  if (mode === 'test') console.log('0 passed, 1 failed');
  process.exit(1);
}

function setup(pnpm) {
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  if (run(pnpm, ['install', ...frozen]) !== 0) setupFailed('pnpm install');
  if (run(pnpm, ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) setupFailed('build');
}

function workspaceDirs() {
  const dirs = [];
  for (const group of ['packages', 'apps', 'tests']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base)) dirs.push(join(base, d));
  }
  dirs.push(join(root, 'bench'));
  return dirs.filter((d) => existsSync(join(d, 'package.json')));
}

function summarize(exitCode, benchRan) {
  let passed = benchRan ? 1 : 0;
  let failed = benchRan ? 0 : 1;
  for (const dir of workspaceDirs()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (!pkg.scripts?.test) continue;
    const file = join(dir, '.vitest-result.json');
    if (!existsSync(file)) {
      console.log(`[cordwire] ${pkg.name}: no test report (crashed or did not run): counted as 1 failure`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    // Suites that failed to load count as failures even when they hold no test.
    const suiteFailures = (r.testResults ?? []).filter(
      (t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0,
    ).length;
    failed += r.numFailedTests + suiteFailures;
    console.log(
      `[cordwire] ${pkg.name}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteFailures} failed`,
    );
  }
  if (exitCode !== 0 && failed === 0) failed = 1;
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && exitCode === 0 ? 0 : 1;
}

const pnpm = ensurePnpm();
setup(pnpm);
if (mode === 'test') {
  for (const dir of workspaceDirs()) rmSync(join(dir, '.vitest-result.json'), { force: true });
  const code = run(pnpm, ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue'], {
    env: { ...process.env, CORDWIRE_RESULT_JSON: '1' },
  });
  const lint = run(pnpm, ['run', 'lint']);
  if (lint !== 0) console.log('[cordwire] lint failed');
  // The benchmarks are not tests, but CI proves they still run: --quick, results to a temp dir.
  const benchOut = mkdtempSync(join(tmpdir(), 'cordwire-bench-'));
  const bench = run(pnpm, ['--filter', '@cordwire/bench', 'run', 'bench:quick', `--out=${benchOut}`]);
  console.log(`[cordwire] bench --quick: ${bench === 0 ? 'ran' : 'FAILED'} (results in ${benchOut})`);
  process.exit(summarize(code | lint, bench === 0));
} else if (mode === 'demo') {
  if (existsSync(join(root, 'apps/demo/package.json'))) {
    process.exit(run(pnpm, ['--filter', '@cordwire/demo', 'run', 'demo', ...process.argv.slice(3)]));
  }
  // Until apps/demo exists the main job is the opcodes CLI's summary.
  process.exit(run('node', ['packages/opcodes/dist/cli.js', ...process.argv.slice(3)]));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
