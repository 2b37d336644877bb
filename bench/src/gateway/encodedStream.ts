/**
 * The recording turned into the exact WebSocket frames a server sends, per encoding and transport
 * compression, computed once and replayed byte for byte to every client:
 * - json: text frames (binary frames when compressed, as Discord does);
 * - etf: binary frames, snowflakes as Erlang integers (Discord's ETF form), via @cordwire/opcodes;
 * - zlib-stream: one deflate context for the whole connection, Z_SYNC_FLUSH after each message;
 * - zstd-stream: each message one complete zstd frame (a concatenation of frames is one valid
 *   zstd stream, RFC 8878 section 3.1), as @cordwire/emulator sends it.
 */
import { constants, createDeflate } from 'node:zlib';
import { encodeEtf } from '@cordwire/opcodes';
import * as zstd from '@bokuweb/zstd-wasm';
import { buildRecording, type GatewayMessage, HELLO, readyMessage } from './recording.js';

export type Encoding = 'json' | 'etf';
export type Compression = 'none' | 'zlib-stream' | 'zstd-stream';

export interface EncodedStream {
  /** frame 0 is HELLO, frame 1 READY, then the dispatches */
  readonly frames: readonly Uint8Array[];
  /** whether frames go out as binary WebSocket messages */
  readonly binary: boolean;
  readonly bytes: number;
}

const SNOWFLAKE = /^\d{17,20}$/;

/** Discord's ETF carries snowflakes as integers; JSON carries them as strings. */
function snowflakesToBigInt(value: unknown): unknown {
  if (typeof value === 'string') return SNOWFLAKE.test(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(snowflakesToBigInt);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = snowflakesToBigInt(v);
    return out;
  }
  return value;
}

function encode(messages: readonly GatewayMessage[], encoding: Encoding): Uint8Array[] {
  if (encoding === 'json') return messages.map((m) => Buffer.from(JSON.stringify(m)));
  return messages.map((m) => encodeEtf(snowflakesToBigInt(m)));
}

async function zlibStream(frames: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const deflate = createDeflate();
  const out: Uint8Array[] = [];
  let chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  for (const frame of frames) {
    await new Promise<void>((resolve) => {
      deflate.write(frame);
      deflate.flush(constants.Z_SYNC_FLUSH, () => resolve());
    });
    out.push(Buffer.concat(chunks));
    chunks = [];
  }
  deflate.destroy();
  return out;
}

async function zstdStream(frames: readonly Uint8Array[]): Promise<Uint8Array[]> {
  await zstd.init();
  return frames.map((f) => Buffer.from(zstd.compress(Buffer.from(f), 3)));
}

let recording: GatewayMessage[] | undefined;

export async function encodeStream(encoding: Encoding, compression: Compression): Promise<EncodedStream> {
  recording ??= [HELLO, readyMessage(), ...buildRecording()];
  const plain = encode(recording, encoding);
  const frames =
    compression === 'zlib-stream'
      ? await zlibStream(plain)
      : compression === 'zstd-stream'
        ? await zstdStream(plain)
        : plain;
  return {
    frames,
    binary: encoding === 'etf' || compression !== 'none',
    bytes: frames.reduce((n, f) => n + f.length, 0),
  };
}
