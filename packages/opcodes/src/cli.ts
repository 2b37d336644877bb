#!/usr/bin/env node
/**
 * `cordwire-opcodes`: look up opcodes and close codes, and explain captured payloads.
 * The logic lives in explain.ts; this file only does the I/O.
 */
import { readFileSync } from 'node:fs';
import { runOpcodesCli } from './explain.js';

const argv = process.argv.slice(2);
const wantsStdin =
  argv[0] === 'decode' && (argv.includes('-') || argv.filter((a) => !a.startsWith('--')).length === 1);
let stdin: string | undefined;
if (wantsStdin && !process.stdin.isTTY) {
  try {
    // Cap what we read: this is a tool for one payload, not a log file.
    stdin = readFileSync(0, 'utf8').slice(0, 16 * 1024 * 1024);
  } catch {
    stdin = undefined;
  }
}
const result = runOpcodesCli(argv, stdin);
if (result.stdout) process.stdout.write(result.stdout);
if (result.stderr) process.stderr.write(result.stderr);
process.exitCode = result.code;
