/**
 * What a simulated user can speak, turned into the 20 ms Opus frames the voice client sends:
 * Opus frames as they are, or (through @cordwire/audio) an Ogg Opus file, 48 kHz PCM, or a
 * generated sine tone. Discord carries one 20 ms Opus packet per RTP packet, so Ogg packets of
 * another length (opusenc --framesize 10/40/60) are decoded and re-encoded into 20 ms frames;
 * 20 ms packets go out untouched.
 */
import { createReadStream } from 'node:fs';
import { EmulatorError } from '../errors.js';
import { type AudioModule, loadAudio } from './audioModule.js';

/** Opus frames to speak: an iterable, an async iterable, or a pull function (null at the end). */
export type OpusFrames = Iterable<Uint8Array> | AsyncIterable<Uint8Array> | (() => Uint8Array | null);

/** A sine tone: `tone` Hz for `seconds`, at `volume` (0..1, default 0.5) on both channels. */
export interface ToneSource {
  tone: number;
  seconds: number;
  volume?: number;
}

/** 48 kHz PCM, interleaved; Float32Array is -1..1. `channels` 1 or 2 (default 2). */
export interface PcmSource {
  pcm: Int16Array | Float32Array;
  channels?: 1 | 2;
}

/** An Ogg Opus file: its path or its bytes. */
export interface OggSource {
  ogg: string | Uint8Array;
}

/**
 * Anything `speak()` takes: Opus frames, an Ogg Opus file (a path, its bytes, or `{ ogg }`),
 * `{ pcm }`, or `{ tone, seconds }`.
 */
export type SpeakSource = OpusFrames | string | Uint8Array | OggSource | PcmSource | ToneSource;

/** Frames for the voice client, and what to release once playing ended. */
export interface SpeakFrames {
  frames: OpusFrames;
  close(): void;
}

const SAMPLE_RATE = 48_000;
const FRAME_SAMPLES = 960;
/** A tone longer than this is a mistake in a test (an hour of audio), not a test. */
const MAX_TONE_SECONDS = 3600;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The source itself when it already is Opus frames (no codec needed). */
export function asOpusFrames(source: SpeakSource): OpusFrames | undefined {
  if (typeof source === 'function') return source;
  if (typeof source === 'string' || source instanceof Uint8Array || !isObject(source)) return undefined;
  return Symbol.iterator in source || Symbol.asyncIterator in source ? (source as OpusFrames) : undefined;
}

/** Turns a speak source into frames; loads @cordwire/audio only for sources that need a codec. */
export async function speakFrames(source: SpeakSource): Promise<SpeakFrames> {
  const opus = asOpusFrames(source);
  if (opus) return { frames: opus, close: () => {} };
  if (typeof source === 'string' || source instanceof Uint8Array) return oggFrames(await loadAudio(), source);
  if (isObject(source) && 'ogg' in source) return oggFrames(await loadAudio(), (source as OggSource).ogg);
  if (isObject(source) && 'tone' in source) return toneFrames(await loadAudio(), source as ToneSource);
  if (isObject(source) && 'pcm' in source) return pcmFrames(await loadAudio(), source as PcmSource);
  throw new EmulatorError(
    'EMULATOR_BAD_AUDIO',
    'speak() takes Opus frames, an Ogg Opus path or bytes, { ogg }, { pcm, channels? } or { tone, seconds }',
  );
}

function toneFrames(audio: AudioModule, t: ToneSource): SpeakFrames {
  const volume = t.volume ?? 0.5;
  if (!Number.isFinite(t.tone) || t.tone <= 0 || t.tone >= SAMPLE_RATE / 2)
    throw new EmulatorError('EMULATOR_BAD_AUDIO', `tone ${t.tone} Hz: give a frequency between 0 and 24000`);
  if (!Number.isFinite(t.seconds) || t.seconds <= 0 || t.seconds > MAX_TONE_SECONDS)
    throw new EmulatorError(
      'EMULATOR_BAD_AUDIO',
      `tone seconds ${t.seconds}: give 0 < seconds <= ${MAX_TONE_SECONDS}`,
    );
  if (!Number.isFinite(volume) || volume < 0 || volume > 1)
    throw new EmulatorError('EMULATOR_BAD_AUDIO', `tone volume ${volume}: give 0..1`);
  const total = Math.round(t.seconds * SAMPLE_RATE);
  const step = (2 * Math.PI * t.tone) / SAMPLE_RATE;
  const encoder = new audio.OpusEncoder({ channels: 2 });
  function* frames(): Generator<Uint8Array> {
    const pcm = new Float32Array(FRAME_SAMPLES * 2);
    for (let at = 0; at < total; at += FRAME_SAMPLES) {
      const n = Math.min(FRAME_SAMPLES, total - at);
      pcm.fill(0);
      for (let i = 0; i < n; i++) {
        const v = volume * Math.sin(step * (at + i));
        pcm[2 * i] = v;
        pcm[2 * i + 1] = v;
      }
      yield* encoder.encode(pcm);
    }
  }
  return { frames: frames(), close: () => encoder.destroy() };
}

function pcmFrames(audio: AudioModule, p: PcmSource): SpeakFrames {
  const channels = p.channels ?? 2;
  if (channels !== 1 && channels !== 2)
    throw new EmulatorError('EMULATOR_BAD_AUDIO', `pcm channels ${String(channels)}: give 1 or 2`);
  if (!(p.pcm instanceof Int16Array) && !(p.pcm instanceof Float32Array))
    throw new EmulatorError(
      'EMULATOR_BAD_AUDIO',
      'pcm: give an Int16Array or a Float32Array of 48 kHz samples',
    );
  const encoder = new audio.OpusEncoder({ channels });
  const frameLength = FRAME_SAMPLES * channels;
  function* frames(): Generator<Uint8Array> {
    for (let at = 0; at < p.pcm.length; at += frameLength)
      yield* encoder.encode(p.pcm.subarray(at, at + frameLength));
    yield* encoder.flush();
  }
  return { frames: frames(), close: () => encoder.destroy() };
}

function oggFrames(audio: AudioModule, file: string | Uint8Array): SpeakFrames {
  let encoder: InstanceType<AudioModule['OpusEncoder']> | undefined;
  let decoder: InstanceType<AudioModule['OpusDecoder']> | undefined;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (typeof file !== 'string') {
      yield file;
      return;
    }
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) yield chunk as Uint8Array;
  }
  function* framesOf(events: Iterable<{ type: string; packet?: Uint8Array }>): Generator<Uint8Array> {
    for (const e of events) {
      if (e.type !== 'packet' || !e.packet) continue;
      const packet = e.packet;
      const samples = audio.opusPacketSamples(packet);
      if (samples === 0) continue;
      if (samples === FRAME_SAMPLES && (encoder?.pending ?? 0) === 0) {
        yield packet;
        continue;
      }
      encoder ??= new audio.OpusEncoder({ channels: 2 });
      decoder ??= new audio.OpusDecoder({ channels: 2 });
      let pcm: Int16Array;
      try {
        pcm = decoder.decode(packet);
      } catch {
        continue; // a packet libopus rejects costs its own audio, not the stream
      }
      yield* encoder.encode(pcm);
    }
  }
  async function* frames(): AsyncGenerator<Uint8Array> {
    const demuxer = new audio.OggOpusDemuxer();
    for await (const chunk of chunks()) yield* framesOf(demuxer.push(chunk));
    yield* framesOf(demuxer.end());
    if (encoder) yield* encoder.flush();
  }
  return {
    frames: frames(),
    close: () => {
      encoder?.destroy();
      decoder?.destroy();
    },
  };
}
