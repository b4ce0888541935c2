// The authorization server's signing keys, fetched and kept. A key set older than `maxAgeMs` is
// refreshed in the background while it goes on verifying; when the server cannot be reached (a hang,
// a 5xx) the last good set keeps working for `graceMs`, and fetches back off after each failure, so
// neither an outage nor a flood of tokens with unknown key ids turns into a flood of fetches.
import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface KeySetOptions {
  url: URL;
  /** Longest a fetch may take. */
  timeoutMs: number;
  /** Least time between two fetches; doubled after each failed one (up to `maxBackoffMs`). */
  cooldownMs: number;
  /** How long the last good set is used when it cannot be refreshed. */
  graceMs: number;
  /** Age from which a set is refreshed. */
  maxAgeMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export interface KeySet {
  /** The key for a token's header, for jwtVerify. */
  readonly getKey: JWTVerifyGetKey;
  /** Fetch now (start-up); throws when the fetch fails. */
  reload(): Promise<void>;
}

/** Okta caches its own key sets for hours; ten minutes picks up a rotation soon enough. */
const DEFAULT_MAX_AGE_MS = 10 * 60_000;
const DEFAULT_MAX_BACKOFF_MS = 10 * 60_000;

export function keySet(opts: KeySetOptions): KeySet {
  const now = opts.now ?? Date.now;
  const maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const maxBackoffMs = Math.max(opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, opts.cooldownMs);
  let good: { resolve: ReturnType<typeof createLocalJWKSet>; fetchedAt: number } | undefined;
  let lastFetch = -Infinity;
  let failures = 0;
  let pending: Promise<void> | undefined;

  const waitBeforeNext = (): number => (failures === 0 ? opts.cooldownMs : Math.min(opts.cooldownMs * 2 ** (failures - 1), maxBackoffMs));
  const mayFetch = (): boolean => now() - lastFetch >= waitBeforeNext();

  function fetchOnce(): Promise<void> {
    pending ??= (async () => {
      lastFetch = now();
      try {
        const res = await fetch(opts.url, { signal: AbortSignal.timeout(opts.timeoutMs), headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`key set answered HTTP ${res.status}`);
        const body = (await res.json()) as JSONWebKeySet;
        if (!Array.isArray(body?.keys)) throw new Error('key set without keys');
        good = { resolve: createLocalJWKSet(body), fetchedAt: now() };
        failures = 0;
      } catch (err) {
        failures++;
        throw err;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  }

  const getKey: JWTVerifyGetKey = async (header, token) => {
    const set = good;
    const age = set === undefined ? Infinity : now() - set.fetchedAt;
    if (set === undefined || age > opts.graceMs) {
      // Nothing usable: fetch, unless a recent failure says to wait.
      if (!mayFetch() && pending === undefined) throw new Error('key set unavailable (fetch backing off)');
      await fetchOnce();
      return good!.resolve(header, token);
    }
    if (age > maxAgeMs && mayFetch()) fetchOnce().catch(() => undefined);
    try {
      return await set.resolve(header, token);
    } catch (err) {
      // A key id we do not know may be a rotation: look once, within the cooldown and the backoff.
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || (!mayFetch() && pending === undefined)) throw err;
      try {
        await fetchOnce();
      } catch {
        throw err;
      }
      return good!.resolve(header, token);
    }
  };

  return { getKey, reload: fetchOnce };
}
