/**
 * Worker-thread entry: a WebSocket server on 127.0.0.1 (port 0) that replays the recorded stream.
 * It runs on its own thread so that, like a real remote gateway, producing frames does not take
 * CPU from the client being measured on the main thread.
 *
 * Per connection: the encoding and compression come from the URL query (`encoding`, `compress`)
 * as a Discord client sends them; HELLO goes out at once; on IDENTIFY (op 2) or RESUME (op 6)
 * READY and all dispatches go out back to back. Heartbeats are ignored: HELLO asks for one an
 * hour, and no round lasts that long. On the path `/idle` only READY follows IDENTIFY: an idle
 * shard, for the memory suite.
 */
import { parentPort } from 'node:worker_threads';
import { decodeEtf } from '@cordwire/opcodes';
import { WebSocketServer } from 'ws';
import { type Compression, type EncodedStream, type Encoding, encodeStream } from './encodedStream.js';

if (!parentPort) throw new Error('replayServer.ts must run as a worker thread');
const port = parentPort;

const streams = new Map<string, Promise<EncodedStream>>();
function streamFor(encoding: Encoding, compression: Compression): Promise<EncodedStream> {
  const key = `${encoding}/${compression}`;
  let stream = streams.get(key);
  if (!stream) {
    stream = encodeStream(encoding, compression);
    streams.set(key, stream);
  }
  return stream;
}

function opOf(data: Buffer, isBinary: boolean): number | undefined {
  try {
    if (!isBinary) return (JSON.parse(data.toString('utf8')) as { op?: number }).op;
    const decoded = decodeEtf(data);
    return decoded.ok ? (decoded.value as { op?: number }).op : undefined;
  } catch {
    return undefined;
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (socket, request) => {
  const requestUrl = new URL(request.url ?? '/', 'ws://127.0.0.1');
  const query = requestUrl.searchParams;
  const idle = requestUrl.pathname.startsWith('/idle');
  const encoding: Encoding = query.get('encoding') === 'etf' ? 'etf' : 'json';
  const compress = query.get('compress');
  const compression: Compression =
    compress === 'zlib-stream' ? 'zlib-stream' : compress === 'zstd-stream' ? 'zstd-stream' : 'none';
  let started = false;
  socket.on('error', () => {});
  void streamFor(encoding, compression).then((stream) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(stream.frames[0]!, { binary: stream.binary });
    socket.on('message', (data: Buffer, isBinary) => {
      const op = opOf(data, isBinary);
      if (started || (op !== 2 && op !== 6)) return;
      started = true;
      const end = idle ? 2 : stream.frames.length;
      for (let i = 1; i < end; i++) socket.send(stream.frames[i]!, { binary: stream.binary });
    });
  });
});

port.on('message', async (message: { type: string; encoding?: Encoding; compression?: Compression }) => {
  if (message.type === 'prepare') {
    const stream = await streamFor(message.encoding!, message.compression!);
    port.postMessage({ type: 'prepared', bytes: stream.bytes, frames: stream.frames.length });
  } else if (message.type === 'close') {
    for (const client of wss.clients) client.terminate();
    wss.close(() => port.close());
  }
});

wss.on('listening', () => {
  const address = wss.address();
  port.postMessage({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
