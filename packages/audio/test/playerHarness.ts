import { setTimeout as sleep, setImmediate as yieldToIo } from 'node:timers/promises';
import { type AudioPlayer, OpusDecoder } from '../src/index.js';

/**
 * Drive a player like a send clock, without real time: call nextFrame(), let the event loop
 * run (so async sources can fill; a tick with nothing to send waits 2 ms), repeat. Stops after `idleTicks` ticks in a row with nothing
 * to send once something was sent, or after `maxTicks`.
 */
export async function runPlayer(
  player: AudioPlayer,
  options: { maxTicks?: number; idleTicks?: number; onTick?: (tick: number) => void } = {},
): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  let idle = 0;
  for (let tick = 0; tick < (options.maxTicks ?? 5000); tick++) {
    options.onTick?.(tick);
    const frame = player.nextFrame();
    if (frame) {
      frames.push(frame);
      idle = 0;
      await yieldToIo();
    } else {
      if (frames.length > 0 && ++idle >= (options.idleTicks ?? 20)) break;
      // Nothing ready: give file reads and child processes (ffmpeg) real time to deliver.
      await sleep(2);
    }
  }
  return frames;
}

export function decodeFrames(frames: Uint8Array[]): Int16Array {
  const decoder = new OpusDecoder({ backend: 'wasm' });
  const out = new Int16Array(frames.length * 1920);
  for (const [i, f] of frames.entries()) out.set(decoder.decode(f).subarray(0, 1920), i * 1920);
  decoder.destroy();
  return out;
}

export function pcmBytes(pcm: Int16Array): Uint8Array {
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}
