#!/usr/bin/env node
// Makes the demo's audio clips: a few seconds of synthesised PCM each, encoded with
// @cordwire/audio's Opus encoder into Ogg Opus files (clips/*.opus, committed). Run it again
// after changing a clip: `pnpm --filter @cordwire/demo run make-clips` (needs a build of audio).
//
// - music.opus: the bot's song, a little melody on A major whose tonic A4 (440 Hz) sounds half of
//   the time, over a quiet A2 drone, so its dominant frequency is 440 Hz.
// - <user>.opus: what each simulated user "says": a voice-like tone at the user's own pitch
//   (alice 300 Hz, bob 500 Hz, carol 700 Hz) in syllables of 150-250 ms with short pauses.
// The frequencies are in clips.json, which the demo and its tests read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { OggOpusMuxer, OpusEncoder } from '@cordwire/audio';

const RATE = 48_000;
const dir = new URL('../clips/', import.meta.url);

/** Stereo s16 PCM from a mono sample function of time in seconds. */
function render(seconds, sample) {
  const n = Math.round(seconds * RATE);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.max(-1, Math.min(1, sample(i / RATE)));
    out[2 * i] = out[2 * i + 1] = Math.round(v * 32767);
  }
  return out;
}

/** A note's loudness over its length: 10 ms attack, 40 ms release, no clicks. */
function envelope(t, length) {
  return Math.min(1, t / 0.01, (length - t) / 0.04);
}

function music() {
  const notes = [440, 554.37, 659.25, 440, 440, 659.25, 554.37, 440]; // A4 C#5 E5 A4 A4 E5 C#5 A4
  const NOTE = 0.5;
  return render(notes.length * NOTE, (t) => {
    const k = Math.min(notes.length - 1, Math.floor(t / NOTE));
    const f = notes[k];
    const local = t - k * NOTE;
    const tone = Math.sin(2 * Math.PI * f * t) + 0.25 * Math.sin(4 * Math.PI * f * t);
    const drone = Math.sin(2 * Math.PI * 110 * t);
    return 0.45 * envelope(local, NOTE) * tone + 0.08 * drone;
  });
}

/** Syllables at one pitch with a little vibrato, like a voice saying something. */
function talk(frequency, seconds, seed) {
  const syllables = [];
  let at = 0.05;
  let s = seed;
  const random = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  while (at < seconds - 0.3) {
    const length = 0.15 + 0.1 * random();
    syllables.push([at, length]);
    at += length + 0.04 + 0.06 * random();
  }
  return render(seconds, (t) => {
    const syl = syllables.find(([start, length]) => t >= start && t < start + length);
    if (!syl) return 0;
    const phase = 2 * Math.PI * frequency * t + 0.6 * Math.sin(2 * Math.PI * 5 * t);
    return 0.5 * envelope(t - syl[0], syl[1]) * (Math.sin(phase) + 0.2 * Math.sin(2 * phase));
  });
}

function encode(pcm, name, application) {
  const encoder = new OpusEncoder({
    channels: 2,
    bitrate: application === 'voip' ? 32_000 : 64_000,
    application,
  });
  // libopus's lookahead (312 samples at 48 kHz) is skipped at decode (RFC 7845 §4.2).
  const muxer = new OggOpusMuxer({ channels: 2, preSkip: 312, serial: 0x636f7264, vendor: 'cordwire demo' });
  const pages = [];
  for (const packet of [...encoder.encode(pcm), ...encoder.flush()]) pages.push(...muxer.write(packet));
  pages.push(...muxer.end());
  encoder.destroy();
  const bytes = Buffer.concat(pages);
  writeFileSync(new URL(`${name}.opus`, dir), bytes);
  console.log(`${name}.opus: ${(pcm.length / 2 / RATE).toFixed(2)} s, ${bytes.length} bytes`);
}

const clips = {
  music: { file: 'music.opus', frequency: 440 },
  users: [
    { username: 'alice', file: 'alice.opus', frequency: 300 },
    { username: 'bob', file: 'bob.opus', frequency: 500 },
    { username: 'carol', file: 'carol.opus', frequency: 700 },
  ],
};

mkdirSync(dir, { recursive: true });
encode(music(), 'music', 'audio');
for (const [i, user] of clips.users.entries())
  encode(talk(user.frequency, 3.6, 7 + i), user.username, 'voip');
writeFileSync(new URL('clips.json', dir), `${JSON.stringify(clips, null, 2)}\n`);
