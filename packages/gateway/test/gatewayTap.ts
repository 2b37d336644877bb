/**
 * A WebSocket relay on 127.0.0.1 between a client and the emulator that records what the client
 * sent and how the server closed, so a test can assert what actually reached the server.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface GatewayTap {
  /** ws://127.0.0.1:PORT to give the client as its gateway URL. */
  readonly url: string;
  /** Opcodes of the client's JSON frames, in the order the tap forwarded them to the server. */
  readonly clientOps: number[];
  /** Opcodes of the server's JSON frames (uncompressed connections only). */
  readonly serverOps: number[];
  /** Close codes the server sent. */
  readonly serverCloses: number[];
  close(): Promise<void>;
}

/** Close codes an endpoint may put on the wire (RFC 6455 7.4.1); others become 1000. */
function sendable(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
}

export async function gatewayTap(upstreamUrl: string): Promise<GatewayTap> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const clientOps: number[] = [];
  const serverOps: number[] = [];
  const serverCloses: number[] = [];
  const sockets = new Set<WebSocket>();
  server.on('connection', (client, req) => {
    const upstream = new WebSocket(new URL(req.url ?? '/', upstreamUrl));
    sockets.add(client).add(upstream);
    const early: Array<[WebSocket.RawData, boolean]> = [];
    client.on('message', (data, isBinary) => {
      try {
        const op = (JSON.parse(String(data)) as { op?: unknown }).op;
        if (typeof op === 'number') clientOps.push(op);
      } catch {
        // not JSON (ETF): the tests using the tap speak JSON
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else early.push([data, isBinary]);
    });
    upstream.on('open', () => {
      for (const [data, binary] of early.splice(0)) upstream.send(data, { binary });
    });
    upstream.on('message', (data, isBinary) => {
      if (!isBinary) {
        try {
          const op = (JSON.parse(String(data)) as { op?: unknown }).op;
          if (typeof op === 'number') serverOps.push(op);
        } catch {
          // not JSON
        }
      }
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    upstream.on('close', (code, reason) => {
      serverCloses.push(code);
      if (client.readyState === WebSocket.OPEN) client.close(sendable(code), reason);
    });
    client.on('close', (code, reason) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.close(sendable(code), reason);
      else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    });
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    clientOps,
    serverOps,
    serverCloses,
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
