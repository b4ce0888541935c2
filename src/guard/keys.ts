// Counter keys. Phone numbers, number ranges, users and IP addresses are personal data, so the
// guard never writes them to Redis: each becomes a keyed hash (HMAC-SHA-256, 128 bits kept). Every
// instance sharing a Redis must use the same hash key, or they would count under different keys.
import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export type KeyHash = (kind: string, value: string) => string;

export function keyHasher(secret: string | Buffer): KeyHash {
  return (kind, value) => createHmac('sha256', secret).update(`${kind}\0${value}`).digest('base64url').slice(0, 22);
}

/** Digits dropped from an E.164 number to name its range: 3, so a prefix covers 1,000 numbers. */
export const PREFIX_DROPPED_DIGITS = 3;

/** `+447700900123` → `+447700900`. */
export function numberPrefix(e164: string): string {
  return e164.slice(0, Math.max(2, e164.length - PREFIX_DROPPED_DIGITS));
}

/**
 * What an IP address is counted under: an IPv4 address as such (also when IPv4-mapped), an IPv6
 * address by its /64 network — one subscriber usually holds a whole /64 and can rotate inside it.
 */
export function ipIdentity(raw: string): string {
  const ip = raw.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare)) return ip;
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address (an embedded IPv4 tail becomes two). */
function expandIPv6(ip: string): string[] {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a, b, c, d] = v4[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((h) => (h.replace(/^0+(?=.)/, '') || '0'));
}
