import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildRecording, DISPATCH_COUNT, MESSAGE_COUNT, PRESENCE_COUNT } from '../src/gateway/recording.js';

/**
 * SHA-256 over every dispatch's JSON text in order. Anchor baselines and our own results are only
 * comparable while every client is fed this exact stream: a change to the generator must be made on
 * purpose, with this digest and the baselines updated together.
 */
const RECORDING_SHA256 = 'e0dc2e6fba8a57713313373ed6f03734fdc0810f602888f478a5f4f9eff517f1';

describe('recorded gateway stream', () => {
  const recording = buildRecording();
  const frames = recording.map((d) => JSON.stringify(d));

  it('has one GUILD_CREATE first, then the message and presence counts, in sequence order', () => {
    expect(recording).toHaveLength(DISPATCH_COUNT);
    expect(recording[0]!.t).toBe('GUILD_CREATE');
    expect(recording.filter((d) => d.t === 'MESSAGE_CREATE')).toHaveLength(MESSAGE_COUNT);
    expect(recording.filter((d) => d.t === 'PRESENCE_UPDATE')).toHaveLength(PRESENCE_COUNT);
    expect(recording.every((d, i) => d.op === 0 && d.s === i + 2)).toBe(true);
  });

  it('has the frame sizes of research/anchor-baselines.md 4 (~200 KB, ~860 B, ~400 B)', () => {
    const averageBytes = (t: string) => {
      const sizes = frames.filter((_, i) => recording[i]!.t === t).map((f) => Buffer.byteLength(f));
      return sizes.reduce((a, b) => a + b, 0) / sizes.length;
    };
    // Measured 222,144 / 966 / 389 bytes.
    expect(averageBytes('GUILD_CREATE')).toBeGreaterThan(150_000);
    expect(averageBytes('GUILD_CREATE')).toBeLessThan(300_000);
    expect(averageBytes('MESSAGE_CREATE')).toBeGreaterThan(700);
    expect(averageBytes('MESSAGE_CREATE')).toBeLessThan(1_100);
    expect(averageBytes('PRESENCE_UPDATE')).toBeGreaterThan(300);
    expect(averageBytes('PRESENCE_UPDATE')).toBeLessThan(500);
  });

  it('is the same bytes on every build and in every version (fixed seed, pinned digest)', () => {
    const again = buildRecording().map((d) => JSON.stringify(d));
    // The index of the first frame that differs between two builds (-1: none).
    expect(again).toHaveLength(frames.length);
    expect(again.findIndex((frame, i) => frame !== frames[i])).toBe(-1);
    const hash = createHash('sha256');
    for (const frame of frames) hash.update(frame);
    expect(hash.digest('hex')).toBe(RECORDING_SHA256);
  });
});
