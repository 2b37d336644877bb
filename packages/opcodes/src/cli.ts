#!/usr/bin/env node
/**
 * `cordwire-opcodes`: look up opcodes and close codes, and explain captured payloads.
 * The logic lives in explain.ts; this file only does the I/O.
 */
import { runOpcodesCli } from './explain.js';

/** This is a tool for one payload, not a log file: stdin beyond this is not read. */
const MAX_STDIN_BYTES = 16 * 1024 * 1024;

/**
 * Reads stdin to its end (or the cap) asynchronously: a synchronous read of fd 0 fails with
 * EAGAIN when a pipe has not been filled yet, which lost large piped payloads.
 */
async function readStdin(): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      const room = MAX_STDIN_BYTES - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= MAX_STDIN_BYTES) break;
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

const argv = process.argv.slice(2);
const wantsStdin =
  argv[0] === 'decode' && (argv.includes('-') || argv.filter((a) => !a.startsWith('--')).length === 1);
// No top-level await: the CLI may be built as CommonJS too.
void (wantsStdin && !process.stdin.isTTY ? readStdin() : Promise.resolve(undefined)).then((stdin) => {
  const result = runOpcodesCli(argv, stdin);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.code;
});
