import { afterEach, describe, expect, it } from 'vitest';
import type { VoiceServer } from '@cordwire/emulator';
import { joinVoiceChannel, type VoiceConnection } from '../src/index.js';
import { fastClock, frameIndex, syntheticFrame, testAdapter, voiceServer, waitFor } from './helpers/harness.js';

const GUILD = '100';
const CHANNEL = '200';

describe('two of our clients in one emulated channel', () => {
  let server: VoiceServer | undefined;
  const conns: VoiceConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    await server?.close();
  });

  it('10 s of Opus frames from A reach B complete and in order on a clean link', async () => {
    server = await voiceServer();
    const clock = fastClock(4);
    const a = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: testAdapter(server, { userId: '1' }).creator, scheme: 'ws', sendClock: clock });
    const b = joinVoiceChannel({ guildId: GUILD, channelId: CHANNEL, adapterCreator: testAdapter(server, { userId: '2' }).creator, scheme: 'ws', sendClock: clock });
    conns.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const got: number[] = [];
    let lost = 0;
    b.on('frame', (f) => {
      if (f.userId !== '1') return;
      if (f.opus === null) lost++;
      else {
        const i = frameIndex(f.opus);
        if (i !== undefined) got.push(i);
      }
    });
    const frames = Array.from({ length: 500 }, (_, i) => syntheticFrame(i));
    await a.play(frames);
    await waitFor(() => got.length >= 500, 10_000, 'all frames at B');
    expect(got).toEqual(frames.map((_, i) => i));
    expect(lost).toBe(0);
    expect(b.playoutStats('1')?.lost).toBe(0);
  });
});
