import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '@cordwire/emulator';
import type { Shard } from '../src/index.js';
import { emulator, once, shardFor, waitFor } from './helpers.js';

let emu: Emulator | undefined;
let shard: Shard | undefined;
afterEach(async () => {
  shard?.destroy();
  await emu?.close();
  shard = undefined;
  emu = undefined;
});

describe('Shard against the emulator', () => {
  it('identifies, gets READY and dispatches', async () => {
    emu = await emulator();
    shard = shardFor(emu);
    const got: number[] = [];
    shard.on('dispatch', (e) => {
      if (e.t === 'MESSAGE_CREATE') got.push((e.d as { n: number }).n);
    });
    const ready = once(shard, 'ready');
    await shard.connect();
    const r = await ready;
    expect(r.sessionId).toMatch(/.+/);
    emu.control.startStream({ ratePerSecond: 1000, count: 50 });
    await waitFor(() => got.length === 50);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
