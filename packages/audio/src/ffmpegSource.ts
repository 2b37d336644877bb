import { spawn } from 'node:child_process';
import { FfmpegError } from './errors.js';
import { pcmSource } from './pcmSource.js';
import type { AudioInput } from './trackInput.js';
import type { TrackUnit } from './trackUnit.js';

/**
 * Anything that is not Ogg Opus, raw Opus or PCM (MP3, AAC, WebM, a URL…) goes through an
 * ffmpeg child process that writes 48 kHz stereo s16le PCM. ffmpeg is optional and never a
 * dependency: it is looked up once per path, and a missing one is a typed error that says how to
 * install it. Seeking restarts the process with `-ss` at the offset. The child is killed when
 * the track stops, so no process outlives its track.
 */
export const FFMPEG_INSTALL_HINT =
  'install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or pass its path as `ffmpegPath`';

const probes = new Map<string, Promise<void>>();

/** Resolves when `ffmpegPath` runs; rejects with FfmpegError FFMPEG_NOT_FOUND. Checked once per path. */
export function probeFfmpeg(ffmpegPath = 'ffmpeg'): Promise<void> {
  let probe = probes.get(ffmpegPath);
  if (!probe) {
    probe = new Promise<void>((resolve, reject) => {
      const child = spawn(ffmpegPath, ['-hide_banner', '-version'], {
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      child.once('error', (error) =>
        reject(
          new FfmpegError('FFMPEG_NOT_FOUND', `ffmpeg not found at "${ffmpegPath}": ${FFMPEG_INSTALL_HINT}`, {
            cause: error,
          }),
        ),
      );
      child.once('exit', (code) =>
        code === 0
          ? resolve()
          : reject(
              new FfmpegError(
                'FFMPEG_NOT_FOUND',
                `"${ffmpegPath} -version" exited with ${code}: ${FFMPEG_INSTALL_HINT}`,
              ),
            ),
      );
    });
    probes.set(ffmpegPath, probe);
  }
  return probe;
}

export async function* ffmpegSource(
  input: AudioInput,
  bytes: () => AsyncIterable<Uint8Array>,
  ffmpegPath: string,
  startMs: number,
): AsyncGenerator<TrackUnit[]> {
  await probeFfmpeg(ffmpegPath);
  const fromPath = typeof input === 'string';
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (startMs > 0) args.push('-ss', (startMs / 1000).toFixed(3));
  args.push('-i', fromPath ? input : 'pipe:0', '-vn', '-f', 's16le', '-ar', '48000', '-ac', '2', 'pipe:1');
  if (!fromPath) args.splice(args.indexOf('-nostdin'), 1);
  const child = spawn(ffmpegPath, args, { stdio: [fromPath ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code));
  });
  if (!fromPath && child.stdin) {
    const stdin = child.stdin;
    stdin.on('error', () => {}); // ffmpeg may stop reading early (seek past the end, bad input)
    void (async () => {
      try {
        for await (const chunk of bytes()) {
          if (!stdin.write(chunk)) await new Promise((resolve) => stdin.once('drain', resolve));
        }
      } catch {
        // The track reports ffmpeg's own failure below.
      } finally {
        stdin.end();
      }
    })();
  }
  try {
    yield* pcmSource(child.stdout!, { sample: 's16', channels: 2 }, 0);
    const code = await exited;
    if (code !== 0) {
      throw new FfmpegError(
        'FFMPEG_FAILED',
        `ffmpeg exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
