/**
 * UDP keepalive (research/anchors.md 3.9). Discord's docs do not define one; a voice server drops
 * a client's NAT mapping after silence, so something must reach it every few seconds. Three
 * forms are in use and Discord accepts all of them:
 *   songbird   4 bytes: the SSRC, u32 BE, every 5 s          <- what we send
 *   discord.js 8 bytes: u32 LE counter + 4 zero bytes, every 5 s and once at start
 *   JDA        9 bytes: 0xC9 then 8 zero bytes, on each WS heartbeat
 * We send the SSRC form because it names the sender: a server (our emulator) can map it to the
 * member even when NAT rebinding changed the source port. `parseKeepalive` recognises all three.
 */
export const KEEPALIVE_INTERVAL_MS = 5_000;

export function buildKeepalive(ssrc: number): Uint8Array {
  return Uint8Array.of(ssrc >>> 24, (ssrc >>> 16) & 0xff, (ssrc >>> 8) & 0xff, ssrc & 0xff);
}

export type Keepalive =
  | { readonly form: 'ssrc'; readonly ssrc: number }
  | { readonly form: 'counter'; readonly counter: number }
  | { readonly form: 'jda' };

/** Recognise a keepalive datagram, or null when it is something else (RTP, RTCP, discovery). */
export function parseKeepalive(bytes: Uint8Array): Keepalive | null {
  if (bytes.length === 4) {
    return {
      form: 'ssrc',
      ssrc: ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0,
    };
  }
  if (bytes.length === 8 && bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) {
    return {
      form: 'counter',
      counter: (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0,
    };
  }
  if (bytes.length === 9 && bytes[0] === 0xc9 && bytes.subarray(1).every((byte) => byte === 0)) {
    return { form: 'jda' };
  }
  return null;
}
