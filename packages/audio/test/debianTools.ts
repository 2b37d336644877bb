/**
 * Independent judges from Debian: opus-tools (opusenc, opusinfo, opusdec) and ffmpeg. A test
 * that needs one fails, never skips, saying which package to install.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGE_OF: Record<string, string> = {
  opusenc: 'opus-tools',
  opusinfo: 'opus-tools',
  opusdec: 'opus-tools',
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffmpeg',
};

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export function runTool(tool: string, args: string[], input?: Uint8Array): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      tool,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          const pkg = PACKAGE_OF[tool] ?? tool;
          reject(new Error(`${tool} not found: install ${pkg} (apt-get install ${pkg})`));
          return;
        }
        resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 });
      },
    );
    if (input) child.stdin?.end(input);
  });
}

/** A scratch directory removed by the returned function. */
export function scratchDir(): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cordwire-audio-'));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
