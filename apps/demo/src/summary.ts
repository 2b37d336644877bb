/** The demo's closing summary as text (`--json` prints the same object as JSON). */
import { basename } from 'node:path';
import type { DemoSummary } from './world.js';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** 30 digits in groups of five, as Discord shows the voice privacy code. */
function grouped(code: string): string {
  return code.replace(/(\d{5})(?=\d)/g, '$1 ');
}

export function formatSummary(summary: DemoSummary): string {
  const lines: string[] = [''];
  const t = summary.timings;
  lines.push(
    `ready in ${s(t.readyMs)}; first song frame sent at ${s(t.firstFrameMs)}; done in ${s(t.totalMs)}`,
  );
  lines.push(
    `E2EE: DAVE protocol v${summary.e2ee.protocolVersion}, voice privacy code ${grouped(summary.e2ee.privacyCode) || '(none)'}`,
  );
  lines.push(
    `song: ${summary.song.file} (${summary.song.hz} Hz tonic), ${summary.song.framesSent} frames sent encrypted`,
  );
  lines.push('');
  lines.push('user    sent  bot got  bot decrypted  heard of the song           verification');
  for (const u of summary.users) {
    const heard = `${s(u.heard.durationMs)} at ${u.heard.dominantHz} Hz ${u.heard.matchesSong ? '(the song)' : '(NOT the song)'}`;
    lines.push(
      `${u.username.padEnd(7)} ${String(u.framesSent).padStart(4)}  ${String(u.framesReceivedByBot).padStart(7)}  ${String(
        u.framesDecryptedByBot,
      ).padStart(13)}  ${heard.padEnd(26)}  ${u.verified ? 'matches the server' : 'MISMATCH'}`,
    );
  }
  lines.push('');
  lines.push(`recordings in ${summary.recordings.directory}:`);
  for (const f of summary.recordings.files) {
    lines.push(
      `  ${basename(f.path).padEnd(26)} ${f.track.padEnd(6)} ${s(f.durationMs)}  rms ${f.rms.toFixed(3)}  peak ${f.dominantHz} Hz`,
    );
  }
  lines.push('');
  if (summary.ok) lines.push('everything checked out.');
  else for (const p of summary.problems) lines.push(`problem: ${p}`);
  return `${lines.join('\n')}\n`;
}
