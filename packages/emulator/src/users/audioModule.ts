/**
 * @cordwire/audio, loaded when a simulated user first needs to encode, decode or read Ogg (speaking
 * a tone, a file or PCM; analysing what she heard). It is not imported: its own tests run against
 * this package's voice server, so a build dependency on it would be a cycle. It is an optional peer
 * dependency; without it those calls fail with a typed error saying what to install, and Opus
 * frames still go in and out untouched.
 */
import { EmulatorError } from '../errors.js';

/** The part of @cordwire/audio's public API the emulator uses. */
export interface AudioModule {
  OpusEncoder: new (options?: {
    channels?: number;
    bitrate?: number;
  }) => {
    readonly pending: number;
    encode(pcm: Int16Array | Float32Array): Uint8Array[];
    flush(): Uint8Array[];
    destroy(): void;
  };
  OpusDecoder: new (options?: {
    channels?: number;
  }) => {
    decode(packet: Uint8Array): Int16Array;
    destroy(): void;
  };
  OggOpusDemuxer: new () => {
    push(bytes: Uint8Array): AudioOggEvent[];
    end(): AudioOggEvent[];
  };
  OggOpusMuxer: new (options?: {
    channels?: number;
  }) => {
    write(packet: Uint8Array): Uint8Array[];
    end(): Uint8Array[];
  };
  opusPacketSamples(packet: Uint8Array): number;
}

export type AudioOggEvent =
  | { readonly type: 'head'; readonly head: { readonly channels: number } }
  | { readonly type: 'tags' }
  | { readonly type: 'packet'; readonly packet: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'error'; readonly error: Error };

const AUDIO = '@cordwire/audio';
let audio: Promise<AudioModule> | undefined;
let loaded: AudioModule | undefined;

/** Loads @cordwire/audio once; rejects with EMULATOR_NO_AUDIO when it is not installed. */
export function loadAudio(): Promise<AudioModule> {
  audio ??= (import(/* @vite-ignore */ AUDIO) as Promise<AudioModule>).then(
    (m) => {
      loaded = m;
      return m;
    },
    (err: unknown) => {
      audio = undefined;
      throw noAudio(err instanceof Error ? err.message : String(err));
    },
  );
  return audio;
}

/** The module if an earlier `loadAudio()` got it (synchronous users: analysis of what was heard). */
export function audioIfLoaded(): AudioModule {
  if (!loaded) throw noAudio('it was not loaded: join voice first');
  return loaded;
}

function noAudio(why: string): EmulatorError {
  return new EmulatorError(
    'EMULATOR_NO_AUDIO',
    `simulated users encode, decode and read Ogg with @cordwire/audio; install it next to @cordwire/emulator (${why})`,
  );
}
