import { createHash, timingSafeEqual } from 'node:crypto';
import { CallbackRejected } from './types.js';

/** Constant-time equality of two strings of any length (compares SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Name–value pairs sorted by name, then by value, in code-unit order (JavaScript's default sort, as Plivo's SDK signs). */
export function sortedPairs(pairs: Iterable<[string, string]>): [string, string][] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...pairs].sort(([a, av], [b, bv]) => compare(a, b) || compare(av, bv));
}

/** The status callback URL with the secret token as its last segment, when both are known. */
export function tokenCallbackUrl(callbackUrl: string | undefined, token: string | undefined): string | undefined {
  return callbackUrl !== undefined && token !== undefined ? `${callbackUrl}/${token}` : undefined;
}

/** Checks the secret path segment of a callback: 401 when absent, 403 when wrong. */
export function verifyPathToken(given: string | undefined, expected: string): void {
  if (given === undefined || given === '') throw new CallbackRejected(401, 'callback token missing');
  if (!safeEqual(given, expected)) throw new CallbackRejected(403, 'callback token does not match');
}
