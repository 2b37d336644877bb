// zlib-stream as Discord sends it, made with node:zlib for the tests to decode: one deflate
// context per connection and a sync flush after every message (each frame ends 00 00 ff ff).
import { constants, createDeflate, type ZlibOptions } from 'node:zlib';

export async function zlibStream(messages: Buffer[], options: ZlibOptions = {}): Promise<Buffer[]> {
  const deflate = createDeflate(options);
  const frames: Buffer[] = [];
  let current: Buffer[] = [];
  deflate.on('data', (c: Buffer) => current.push(c));
  for (const m of messages) {
    await new Promise<void>((resolve) => {
      deflate.write(m);
      deflate.flush(constants.Z_SYNC_FLUSH, () => resolve());
    });
    frames.push(Buffer.concat(current));
    current = [];
  }
  deflate.close();
  return frames;
}
