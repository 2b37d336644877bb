#!/usr/bin/env node
// Makes the soundboard's clips: under a second and a half of synthesised PCM each, encoded with
// @cordwire/audio's Opus encoder into Ogg Opus (sounds/*.opus, committed beside sounds.json).
// Run it again after changing a sound: `pnpm --filter @cordwire/soundboard run make-sounds`
// (needs a build of @cordwire/audio).
//
// Each sound has one dominant pitch, kept in sounds.json, so a test can tell by ear (a Goertzel
// filter) which sound a listener heard, even when two are mixed:
// - airhorn: a buzzy 370 Hz horn (fundamental plus weaker harmonics), 0.9 s;
// - chime: a bell at 1047 Hz (C6) with a quieter partial at 2.76x, decaying, 1.2 s;
// - bloop: a 587 Hz (D5) tone with a tremolo, 0.8 s.
import { mkdirSync, writeFileSync } from 'node:fs';
import { OggOpusMuxer, OpusEncoder } from '@cordwire/audio';

const RATE = 48_000;
const dir = new URL('../sounds/', import.meta.url);

/** Stereo s16 PCM from a mono sample function of time in seconds. */
function render(seconds, sample) {
  const n = Math.round(seconds * RATE);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.max(-1, Math.min(1, sample(i / RATE, seconds)));
    out[2 * i] = out[2 * i + 1] = Math.round(v * 32767);
  }
  return out;
}

/** 10 ms attack and 40 ms release, so a sound neither clicks in nor out. */
function edges(t, length) {
  return Math.min(1, t / 0.01, (length - t) / 0.04);
}

const sine = (f, t) => Math.sin(2 * Math.PI * f * t);

const sounds = [
  {
    name: 'airhorn',
    description: 'a buzzy horn',
    frequency: 370,
    seconds: 0.9,
    sample: (t, len) => 0.45 * edges(t, len) * (sine(370, t) + 0.45 * sine(740, t) + 0.25 * sine(1110, t)),
  },
  {
    name: 'chime',
    description: 'a bell that rings out',
    frequency: 1047,
    seconds: 1.2,
    sample: (t, len) => 0.6 * edges(t, len) * Math.exp(-2.2 * t) * (sine(1047, t) + 0.3 * sine(2890, t)),
  },
  {
    name: 'bloop',
    description: 'a wobbling tone',
    frequency: 587,
    seconds: 0.8,
    sample: (t, len) => 0.5 * edges(t, len) * (0.75 + 0.25 * sine(12, t)) * sine(587, t),
  },
];

function encode(pcm, name) {
  const encoder = new OpusEncoder({ channels: 2, bitrate: 64_000, application: 'audio' });
  // libopus's lookahead (312 samples at 48 kHz) is skipped at decode (RFC 7845 §4.2).
  const muxer = new OggOpusMuxer({
    channels: 2,
    preSkip: 312,
    serial: 0x736f756e,
    vendor: 'cordwire soundboard',
  });
  const pages = [];
  for (const packet of [...encoder.encode(pcm), ...encoder.flush()]) pages.push(...muxer.write(packet));
  pages.push(...muxer.end());
  encoder.destroy();
  const bytes = Buffer.concat(pages);
  writeFileSync(new URL(`${name}.opus`, dir), bytes);
  console.log(`${name}.opus: ${(pcm.length / 2 / RATE).toFixed(2)} s, ${bytes.length} bytes`);
}

mkdirSync(dir, { recursive: true });
for (const sound of sounds) encode(render(sound.seconds, sound.sample), sound.name);
const manifest = sounds.map(({ name, description, frequency, seconds }) => ({
  name,
  description,
  file: `${name}.opus`,
  frequency,
  seconds,
}));
writeFileSync(new URL('sounds.json', dir), `${JSON.stringify(manifest, null, 2)}\n`);
