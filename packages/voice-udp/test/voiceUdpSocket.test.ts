import { type Socket, createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ReceivedFrame,
  SendClock,
  VoiceReceiver,
  VoiceSender,
  VoiceUdpSocket,
  answerIpDiscovery,
  buildIpDiscoveryResponse,
  createTransportCipher,
  parseKeepalive,
} from '../src/index.js';

/** A minimal voice media server built from our own server-side helpers: answers IP discovery,
 * records keepalives, and reflects every other datagram back to its sender. */
async function startServer(options: { junkFirst?: boolean } = {}) {
  const socket: Socket = createSocket('udp4');
  const keepalives: number[] = [];
  let junkSent = !options.junkFirst;
  socket.on('message', (message, remote) => {
    const datagram = new Uint8Array(message);
    const keepalive = parseKeepalive(datagram);
    if (keepalive?.form === 'ssrc') {
      keepalives.push(keepalive.ssrc);
      return;
    }
    const reply = answerIpDiscovery(datagram, { address: remote.address, port: remote.port });
    if (reply.ok) {
      if (!junkSent) {
        junkSent = true;
        const oversized = new Uint8Array(200);
        oversized.set(reply.value, 0);
        const otherSsrc = buildIpDiscoveryResponse({ ssrc: 12345, address: '10.9.8.7', port: 1 });
        const notIp = reply.value.slice();
        notIp.set(new TextEncoder().encode('not-an-ip\0'), 8);
        for (const junk of [oversized, reply.value.subarray(0, 70), otherSsrc, notIp]) {
          socket.send(junk, remote.port, remote.address);
        }
      }
      socket.send(reply.value, remote.port, remote.address);
      return;
    }
    socket.send(datagram, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, keepalives };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function connectPair(options: { junkFirst?: boolean } = {}) {
  const server = await startServer(options);
  cleanups.push(() => new Promise<void>((resolve) => server.socket.close(() => resolve())));
  const client = await VoiceUdpSocket.connect({
    address: '127.0.0.1',
    port: server.port,
    bindAddress: '127.0.0.1',
    keepaliveIntervalMs: 10,
  });
  cleanups.push(() => client.close());
  return { server, client };
}

function waitFor(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (predicate()) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('VoiceUdpSocket on loopback', () => {
  it('discovers its address through a responder built from answerIpDiscovery, ignoring bad replies', async () => {
    const { client } = await connectPair({ junkFirst: true });
    const discovered = await client.discoverIp(0xabcdef01, { timeoutMs: 5_000 });
    expect(discovered).toEqual({
      ssrc: 0xabcdef01,
      address: '127.0.0.1',
      port: client.local.port,
      family: 4,
    });
    expect(client.stats.discoveryRejected).toBe(4);
  });

  it('times out with a typed error when nobody answers', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const client = await VoiceUdpSocket.connect({
      address: '127.0.0.1',
      port: silent.address().port,
      bindAddress: '127.0.0.1',
    });
    cleanups.push(() => client.close());
    await expect(client.discoverIp(1, { timeoutMs: 50, retryMs: 10 })).rejects.toMatchObject({
      code: 'IP_DISCOVERY_TIMEOUT',
    });
  });

  it('sends SSRC keepalives on its interval until stopped', async () => {
    const { server, client } = await connectPair();
    client.startKeepalive(77);
    await waitFor(() => server.keepalives.length >= 3);
    client.stopKeepalive();
    expect(server.keepalives.slice(0, 3)).toEqual([77, 77, 77]);
    expect(client.stats.keepalivesSent).toBeGreaterThanOrEqual(3);
  });

  it('carries encrypted Opus from a VoiceSender through the server back into a VoiceReceiver, in order', async () => {
    const { client } = await connectPair();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
    const ssrc = 4242;
    const frames: ReceivedFrame[] = [];
    const receiver = new VoiceReceiver({
      cipher: createTransportCipher('aead_xchacha20_poly1305_rtpsize', key),
      playout: { depth: 3 },
      onFrame: (frame) => frames.push(frame),
    });
    receiver.mapSsrc(ssrc, 'me');
    client.on('datagram', (datagram) => receiver.handleDatagram(datagram));
    const source = Array.from({ length: 30 }, (_, i) => Uint8Array.of(0x78, i));
    const speaking: boolean[] = [];
    const sender = new VoiceSender({
      ssrc,
      cipher: createTransportCipher('aead_xchacha20_poly1305_rtpsize', key),
      send: (datagram) => client.send(datagram),
      onSpeakingChange: (value) => speaking.push(value),
      source: () => source.shift() ?? null,
    });
    const clock = new SendClock({ intervalMs: 2 });
    cleanups.push(() => clock.stop());
    clock.add(sender);
    await waitFor(() => speaking.length === 2 && receiver.stats.rtp === 35);
    clock.stop();
    receiver.flush();
    expect(frames.map((f) => f.opus?.[1])).toEqual([
      ...Array.from({ length: 30 }, (_, i) => i),
      ...Array(5).fill(0xff),
    ]);
    expect(receiver.playoutStats(ssrc)).toMatchObject({ lost: 0, late: 0 });
  });
});

describe('VoiceUdpSocket errors', () => {
  it('counts ICMP port-unreachable errors instead of crashing when nobody listens for them', async () => {
    const gone = createSocket('udp4');
    await new Promise<void>((resolve) => gone.bind(0, '127.0.0.1', resolve));
    const port = gone.address().port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const client = await VoiceUdpSocket.connect({ address: '127.0.0.1', port, bindAddress: '127.0.0.1' });
    cleanups.push(() => client.close());
    for (let i = 0; i < 5 && client.stats.errors === 0; i++) {
      client.send(Uint8Array.of(1, 2, 3, 4));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(client.stats.errors).toBeGreaterThan(0);
    expect(client.closed).toBe(false);
  });
});
