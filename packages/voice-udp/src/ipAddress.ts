/**
 * Textual IP address checks for IP discovery replies, by the platform's own parser (node:net).
 * A hand-written parser here once accepted "1.2.3.4::" as IPv6; the platform's is the one the
 * socket will use to send to that address, so agreeing with it is the point. Zone ids ("%eth0")
 * are refused: they name an interface of the sender, not an address we could be reached at.
 */
import { isIP } from 'node:net';

export function isIPv4(text: string): boolean {
  return ipFamily(text) === 4;
}

export function isIPv6(text: string): boolean {
  return ipFamily(text) === 6;
}

/** 4, 6, or 0 when the text is neither. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (text.includes('%')) return 0;
  return isIP(text) as 0 | 4 | 6;
}
