import { describe, expect, it } from 'vitest';
import { buildRecording, DISPATCH_COUNT, MESSAGE_COUNT, PRESENCE_COUNT } from '../src/gateway/recording.js';

describe('recorded gateway stream', () => {
  const recording = buildRecording();

  it('has one GUILD_CREATE first, then the message and presence counts, in sequence order', () => {
    expect(recording).toHaveLength(DISPATCH_COUNT);
    expect(recording[0]!.t).toBe('GUILD_CREATE');
    expect(recording.filter((d) => d.t === 'MESSAGE_CREATE')).toHaveLength(MESSAGE_COUNT);
    expect(recording.filter((d) => d.t === 'PRESENCE_UPDATE')).toHaveLength(PRESENCE_COUNT);
    expect(recording.every((d, i) => d.op === 0 && d.s === i + 2)).toBe(true);
  });

  it('is the same bytes on every build (fixed seed)', () => {
    const again = buildRecording();
    expect(JSON.stringify(again.slice(0, 50))).toBe(JSON.stringify(recording.slice(0, 50)));
    expect(JSON.stringify(again.at(-1))).toBe(JSON.stringify(recording.at(-1)));
  });
});
