/**
 * cordwire's DAVE package as bench sees it: loaded through its public exports only, and
 * feature-checked, so that a missing or renamed export becomes a "not yet measured" row with the
 * reason instead of a crash or a made-up number.
 */
import type { FramePair, MlsMemberFactory } from '../dave/mlsMember.js';

type DaveModule = Record<string, unknown>;

async function load(): Promise<DaveModule | string> {
  try {
    // A specifier in a variable: bench type-checks even while the package has no entry point yet.
    const specifier = '@cordwire/dave-mls';
    return (await import(specifier)) as DaveModule;
  } catch (e) {
    return `@cordwire/dave-mls did not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
}

function missing(mod: DaveModule, names: readonly string[]): string | undefined {
  const absent = names.filter((n) => mod[n] === undefined);
  return absent.length ? `@cordwire/dave-mls does not export ${absent.join(', ')} yet` : undefined;
}

interface FrameEncryptorLike {
  setKeyRatchet(ratchet: unknown): void;
  encrypt(mediaType: number, codec: number, frame: Uint8Array): Uint8Array;
}
interface FrameDecryptorLike {
  transitionToKeyRatchet(ratchet: unknown): void;
  decrypt(mediaType: number, frame: Uint8Array): Uint8Array;
}

/** DAVE media only: sender and receiver share one 16-byte per-sender secret, as after an MLS epoch. */
export async function loadOurFramePair(secret: Uint8Array): Promise<FramePair | string> {
  const mod = await load();
  if (typeof mod === 'string') return mod;
  const why = missing(mod, ['FrameEncryptor', 'FrameDecryptor', 'HashRatchet', 'MediaType', 'Codec']);
  if (why) return why;
  const Encryptor = mod.FrameEncryptor as new () => FrameEncryptorLike;
  const Decryptor = mod.FrameDecryptor as new () => FrameDecryptorLike;
  const Ratchet = mod.HashRatchet as new (secret: Uint8Array) => unknown;
  const audio = (mod.MediaType as { AUDIO: number }).AUDIO;
  const opus = (mod.Codec as { OPUS: number }).OPUS;
  const encryptor = new Encryptor();
  const decryptor = new Decryptor();
  encryptor.setKeyRatchet(new Ratchet(secret));
  decryptor.transitionToKeyRatchet(new Ratchet(secret));
  return {
    encrypt: (frame) => encryptor.encrypt(audio, opus, frame),
    decrypt: (frame) => decryptor.decrypt(audio, frame),
  };
}

/** MLS: filled in when @cordwire/dave-mls exports its session. */
export async function loadOurMls(): Promise<{ factory: MlsMemberFactory; notes?: string } | string> {
  const mod = await load();
  if (typeof mod === 'string') return mod;
  return '@cordwire/dave-mls does not export an MLS session yet';
}
