/**
 * Real Opus packets for interop tests: a tone encoded by opusenc (Debian package opus-tools) in
 * 20 ms frames, taken out of its Ogg pages (RFC 3533 lacing; RFC 7845: the first two packets are
 * OpusHead and OpusTags). A missing opusenc is a failure that says what to install, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function toneWav(seconds: number, hz: number): Buffer {
  const rate = 48_000;
  const samples = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 12_000), 44 + i * 2);
  return wav;
}

/** The audio packets of an Ogg Opus file, in order. */
export function oggOpusPackets(ogg: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let at = 0;
  while (at + 27 <= ogg.length) {
    if (ogg[at] !== 0x4f || ogg[at + 1] !== 0x67 || ogg[at + 2] !== 0x67 || ogg[at + 3] !== 0x53)
      throw new Error(`not an Ogg page at ${at}`);
    const segments = ogg[at + 26]!;
    const table = ogg.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const lace of table) {
      partial.push(ogg.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = body;
  }
  return packets.slice(2);
}

/** `seconds` of a tone as 20 ms Opus packets (48 kHz mono). */
export function encodeTone(seconds: number, hz = 440): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'cordwire-opus-'));
  try {
    writeFileSync(join(dir, 'in.wav'), toneWav(seconds, hz));
    try {
      execFileSync('opusenc', ['--quiet', '--framesize', '20', join(dir, 'in.wav'), join(dir, 'out.opus')]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(
          'opusenc not found: install the Debian package opus-tools (apt-get install -y opus-tools)',
        );
      throw error;
    }
    return oggOpusPackets(readFileSync(join(dir, 'out.opus')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
