/**
 * Test plumbing for tests that play the voice server by hand (to say exactly what a server sends):
 * a UDP socket and a WebSocket server, both on 127.0.0.1 with a port the system picks.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface HandWrittenServer {
  readonly udp: Socket;
  readonly wss: WebSocketServer;
  /** The UDP port, for the Ready payload. */
  udpPort(): number;
  /** The WebSocket endpoint as VOICE_SERVER_UPDATE gives it (host:port). */
  endpoint(): string;
}

/** Binds both sockets and registers closing them in `cleanup` (run by the test's afterEach). */
export async function handWrittenServer(cleanup: Array<() => void>): Promise<HandWrittenServer> {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  cleanup.push(() => {
    wss.close();
    udp.close();
  });
  return {
    udp,
    wss,
    udpPort: () => (udp.address() as AddressInfo).port,
    endpoint: () => `127.0.0.1:${(wss.address() as AddressInfo).port}`,
  };
}
