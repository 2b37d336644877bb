/**
 * A deliberately raw gateway client for protocol tests: it does exactly what a test tells it,
 * decodes what the emulator sends (json, zlib-stream, zstd-stream, payload compression) and
 * records every frame and the close code.
 */
import { inflateSync, createInflate, constants as zc } from 'node:zlib';
import { Decompress } from 'fzstd';
import WebSocket from 'ws';

export interface Frame {
  op: number;
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
  private readonly zstd = new Decompress((chunk) => this.push(Buffer.from(chunk).toString('utf8')));
  private zlibQueue: Promise<void> = Promise.resolve();

  private constructor(
    readonly ws: WebSocket,
    readonly compress: string | null,
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
    const ws = new WebSocket(`${url}/?${query}`);
    const client = new RawClient(ws, compress);
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
              const text = Buffer.concat(this.inflateChunks).toString('utf8');
              this.inflateChunks = [];
              this.push(text);
              resolve();
            });
          }),
      );
    } else if (this.compress === 'zstd-stream') {
      this.zstd.push(new Uint8Array(data));
    } else if (isBinary) {
      let text: string;
      try {
        text = inflateSync(data).toString('utf8');
      } catch {
        this.undecodable += 1;
        return;
      }
      this.push(text);
    } else {
      this.push(data.toString('utf8'));
    }
  }

  private push(text: string): void {
    try {
      this.frames.push(JSON.parse(text));
    } catch {
      this.undecodable += 1;
    }
    this.wake();
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
    this.ws.send(JSON.stringify(payload));
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
