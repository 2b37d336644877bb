/**
 * Client IP discovery over the connected UDP socket (research/anchors.md 3.2): send the 74-byte
 * request a few times until a valid answer for our SSRC comes back. Oversized, short, forged
 * or foreign answers are ignored and reported through `onRejected`, never trusted.
 */
import type { Socket } from 'node:dgram';
import {
  buildIpDiscoveryRequest,
  IP_DISCOVERY_PACKET_LENGTH,
  parseIpDiscoveryResponse,
} from '@cordwire/voice-udp';
import { VoiceConnectionError } from './errors.js';

export function discoverAddress(
  socket: Socket,
  ssrc: number,
  timeoutMs: number,
  onRejected: () => void,
): Promise<{ address: string; port: number }> {
  const request = buildIpDiscoveryRequest(ssrc);
  return new Promise((resolve, reject) => {
    let tries = 0;
    const send = () => {
      tries++;
      socket.send(request);
    };
    // UDP may drop the first request; resend up to five times within the timeout.
    const retry = setInterval(() => (tries < 5 ? send() : undefined), Math.max(50, timeoutMs / 5));
    const timer = setTimeout(() => {
      done();
      reject(
        new VoiceConnectionError('IP_DISCOVERY_TIMEOUT', `no IP discovery answer within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onMessage = (msg: Buffer) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      if (bytes.length !== IP_DISCOVERY_PACKET_LENGTH || bytes[1] !== 2) {
        onRejected();
        return;
      }
      const parsed = parseIpDiscoveryResponse(bytes, ssrc);
      if (!parsed.ok) {
        onRejected();
        return;
      }
      done();
      resolve({ address: parsed.value.address, port: parsed.value.port });
    };
    const done = () => {
      clearInterval(retry);
      clearTimeout(timer);
      socket.off('message', onMessage);
    };
    socket.on('message', onMessage);
    send();
  });
}
