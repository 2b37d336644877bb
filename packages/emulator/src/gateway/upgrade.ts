/**
 * The HTTP side of the gateway: the upgrade request, before any WebSocket exists. Every input
 * here comes from an untrusted peer, so nothing may throw out of a handler: a request target
 * that does not parse gets a 400, a peer over a connection cap gets a 503, and the socket is
 * closed once the answer is flushed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { GatewayServer } from './gatewayServer.js';

/** What the gateway reads from the request target: the path and the query (v, encoding, compress). */
export interface GatewayTarget {
  path: string;
  query: URLSearchParams;
}

/** Request targets longer than this are refused before parsing (Node allows 16 KiB of headers). */
const MAX_TARGET_LENGTH = 2048;

/** Parses an origin-form request target; undefined when it is not one (`//x`, `*`, absolute URLs, junk). */
export function parseGatewayTarget(target: string | undefined): GatewayTarget | undefined {
  if (target === undefined || target.length > MAX_TARGET_LENGTH || !target.startsWith('/')) return undefined;
  if (target.startsWith('//')) return undefined;
  try {
    const url = new URL(target, 'ws://gateway.invalid');
    return { path: url.pathname, query: url.searchParams };
  } catch {
    return undefined;
  }
}

/** A plain HTTP answer in Discord's JSON error shape, then the socket is destroyed once it is flushed. */
const STATUS_TITLES = { 400: 'Bad Request', 408: 'Request Timeout', 503: 'Service Unavailable' } as const;

export function answerHttp(socket: Duplex, status: keyof typeof STATUS_TITLES, reason: string): void {
  if (socket.destroyed) return;
  const title = STATUS_TITLES[status];
  const body = JSON.stringify({ message: `${status}: ${title} (${reason})`, code: 0 });
  const retry = status === 503 ? 'Retry-After: 1\r\n' : '';
  try {
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\n${retry}` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  } catch {
    socket.destroy();
  }
}

export interface UpgradeOptions {
  gateway: GatewayServer;
  wss: WebSocketServer;
  /** Gateway sockets one remote address may hold (upgrading or open); beyond it, 503. */
  maxConnectionsPerAddress: number;
  log: (line: string) => void;
}

/**
 * The server's 'upgrade' listener. Counts each admitted socket against its address until the
 * TCP connection closes, and against the gateway's handshake slots until the WebSocket
 * handshake completes or fails (ws answers a bad handshake with 400 and never calls back).
 */
export function gatewayUpgradeHandler(
  opts: UpgradeOptions,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const perAddress = new Map<string, number>();
  return (req, socket, head) => {
    socket.on('error', () => {});
    try {
      const target = parseGatewayTarget(req.url);
      if (target === undefined) {
        opts.log('refused an upgrade: the request target does not parse');
        answerHttp(socket, 400, 'malformed request target');
        return;
      }
      if (target.path === '/api' || target.path.startsWith('/api/')) {
        answerHttp(socket, 400, 'the REST API does not upgrade');
        return;
      }
      const address = req.socket.remoteAddress ?? 'unknown';
      if ((perAddress.get(address) ?? 0) >= opts.maxConnectionsPerAddress) {
        opts.gateway.refusedUpgrades += 1;
        opts.log(
          `refused an upgrade: at most ${opts.maxConnectionsPerAddress} gateway connections per address`,
        );
        answerHttp(socket, 503, `at most ${opts.maxConnectionsPerAddress} gateway connections per address`);
        return;
      }
      const refusal = opts.gateway.admit();
      if (refusal !== undefined) {
        opts.log(`refused an upgrade: ${refusal}`);
        answerHttp(socket, 503, refusal);
        return;
      }
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      opts.gateway.upgrading += 1;
      let upgrading = true;
      const upgraded = () => {
        if (!upgrading) return;
        upgrading = false;
        opts.gateway.upgrading -= 1;
      };
      socket.once('close', () => {
        upgraded();
        const n = (perAddress.get(address) ?? 1) - 1;
        if (n <= 0) perAddress.delete(address);
        else perAddress.set(address, n);
      });
      opts.wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded();
        opts.gateway.accept(ws, target);
      });
    } catch (err) {
      // A bug here must cost one socket, never the process.
      opts.log(`upgrade failed: ${err instanceof Error ? err.message : String(err)}`);
      socket.destroy();
    }
  };
}
