/**
 * A deliberately raw gateway client for protocol tests: it does exactly what a test tells it,
 * decodes what the emulator sends (json, zlib-stream, zstd-stream, payload compression) and
 * records every frame and the close code.
 */
import { inflateSync, createInflate, constants as zc } from 'node:zlib';
import { decodeEtf, encodeEtf } from '@cordwire/opcodes';
import { Decompress } from 'fzstd';
import WebSocket from 'ws';

export interface Frame {
  op: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary payload fields
  d: any;
  s: number | null;
  t: string | null;
}

export interface RawClientOptions {
  query?: string;
  /** Identify with compress: true; frames after READY arrive as zlib streams. */
  payloadCompression?: boolean;
}

export class RawClient {
  readonly frames: Frame[] = [];
  readonly rawFrames: Buffer[] = [];
  /** Frames that were not valid JSON (or zlib): garbage injected by a test. */
  undecodable = 0;
  closeInfo: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  private inflateChunks: Buffer[] = [];
  private readonly inflate = createInflate();
  /**
   * fzstd hands over one chunk per block, and holds a frame back until 18 bytes have arrived,
   * so a chunk is not a message: chunks are joined until they parse as a payload.
   */
  private zstdPending: Buffer[] = [];
  private readonly zstd = new Decompress((chunk) => {
    this.zstdPending.push(Buffer.from(chunk));
    if (this.push(Buffer.concat(this.zstdPending), false)) this.zstdPending = [];
  });
  private zlibQueue: Promise<void> = Promise.resolve();

  private constructor(
    readonly ws: WebSocket,
    readonly compress: string | null,
    readonly encoding: string,
  ) {
    this.inflate.on('data', (c: Buffer) => this.inflateChunks.push(c));
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary));
  }

  static async connect(url: string, opts: RawClientOptions = {}): Promise<RawClient> {
    const query = opts.query ?? 'v=10&encoding=json';
    const compress = new URLSearchParams(query).get('compress');
    const target = new URL(url);
    target.search = query;
    const ws = new WebSocket(target);
    const client = new RawClient(ws, compress, new URLSearchParams(query).get('encoding') ?? 'json');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => resolve());
    });
    return client;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.rawFrames.push(data);
    if (this.compress === 'zlib-stream') {
      this.zlibQueue = this.zlibQueue.then(
        () =>
          new Promise<void>((resolve) => {
            this.inflate.write(data);
            this.inflate.flush(zc.Z_SYNC_FLUSH, () => {
              const bytes = Buffer.concat(this.inflateChunks);
              this.inflateChunks = [];
              this.push(bytes);
              resolve();
            });
          }),
      );
    } else if (this.compress === 'zstd-stream') {
      try {
        this.zstd.push(new Uint8Array(data));
      } catch {
        this.undecodable += 1;
        this.wake();
      }
    } else if (isBinary && !(this.encoding === 'etf' && data[0] === 131)) {
      // Binary JSON, or ETF under payload compression: a complete zlib stream per message.
      let bytes: Buffer;
      try {
        bytes = inflateSync(data);
      } catch {
        this.undecodable += 1;
        return;
      }
      this.push(bytes);
    } else {
      this.push(data);
    }
  }

  /** Records one decoded payload; false (and, if `countFailure`, one more undecodable) if it is none. */
  private push(bytes: Buffer, countFailure = true): boolean {
    try {
      if (this.encoding === 'etf') {
        const r = decodeEtf(new Uint8Array(bytes));
        if (!r.ok) throw r.error;
        this.frames.push(r.value as Frame);
      } else {
        this.frames.push(JSON.parse(bytes.toString('utf8')));
      }
    } catch {
      if (countFailure) {
        this.undecodable += 1;
        this.wake();
      }
      return false;
    }
    this.wake();
    return true;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** Resolves with the first frame (from index `from`) that matches; rejects if the socket closes first. */
  async waitFor(pred: (f: Frame) => boolean, from = 0): Promise<Frame> {
    for (;;) {
      const found = this.frames.slice(from).find(pred);
      if (found) return found;
      if (this.closeInfo) throw new Error(`closed with ${this.closeInfo.code} before the frame arrived`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  waitDispatch(t: string, from = 0): Promise<Frame> {
    return this.waitFor((f) => f.op === 0 && f.t === t, from);
  }

  dispatches(): Frame[] {
    return this.frames.filter((f) => f.op === 0);
  }

  send(payload: unknown): void {
    this.ws.send(this.encoding === 'etf' ? encodeEtf(payload) : JSON.stringify(payload));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  identify(token: string, extra: Record<string, unknown> = {}): void {
    this.send({
      op: 2,
      d: { token, intents: 513, properties: { os: 'linux', browser: 'test', device: 'test' }, ...extra },
    });
  }

  async ready(token: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    this.identify(token, extra);
    return this.waitDispatch('READY');
  }

  close(code = 4100): void {
    this.ws.close(code);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
