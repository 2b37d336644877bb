/**
 * The soundboard's clips: sounds/sounds.json names each Ogg Opus file beside it, with the pitch
 * that dominates it (scripts/make-sounds.mjs writes both).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Sound {
  readonly name: string;
  readonly description: string;
  /** Absolute path of the Ogg Opus file. */
  readonly path: string;
  /** The pitch that dominates the clip, in Hz. */
  readonly frequency: number;
  readonly seconds: number;
}

const DIR = new URL('../sounds/', import.meta.url);

/** The shipped sounds, in the manifest's order. */
export function loadSounds(): Sound[] {
  const manifest = JSON.parse(readFileSync(new URL('sounds.json', DIR), 'utf8')) as Array<
    Omit<Sound, 'path'> & { file: string }
  >;
  return manifest.map(({ file, ...sound }) => ({ ...sound, path: fileURLToPath(new URL(file, DIR)) }));
}
