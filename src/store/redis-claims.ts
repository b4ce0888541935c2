// Idempotency keys in Redis, for instances that share Redis: the first instance to claim an
// eventId sends; the others wait for the answer it stores. The delivery log still gets its row
// from whoever sends.
import type { Redis } from 'ioredis';
import type { OktaAnswer } from '../okta/contract.js';
import { withTimeout } from '../guard/store-timeout.js';

/** As long as Okta could plausibly repeat an eventId, and then some. */
const TTL_MS = 24 * 60 * 60 * 1_000;
const PENDING = 'pending';

export interface RedisClaims {
  /** True when this caller owns the eventId. */
  claim(eventId: string): Promise<boolean>;
  /** What `claim` sets, for a caller that claims in a round trip of its own (the guard's admission script). */
  claimKey(eventId: string): { key: string; value: string; ttlMs: number };
  complete(eventId: string, answer: OktaAnswer): Promise<void>;
  answerOf(eventId: string): Promise<OktaAnswer | undefined>;
}

export function redisClaims(redis: Redis, prefix = 'byot:idem:', timeoutMs = 500): RedisClaims {
  // Okta waits 3 s. While Redis is away ioredis queues commands until a reconnection attempt
  // (seconds apart in a long outage): fail at once when not connected, and after timeoutMs when
  // Redis is slow, so the caller falls back to the delivery log instead of waiting.
  const call = <T>(command: () => Promise<T>): Promise<T> =>
    redis.status === 'ready' ? withTimeout(command(), timeoutMs) : Promise.reject(new Error(`Redis is ${redis.status}`));
  return {
    claimKey: (eventId) => ({ key: prefix + eventId, value: PENDING, ttlMs: TTL_MS }),
    async claim(eventId) {
      return (await call(() => redis.set(prefix + eventId, PENDING, 'PX', TTL_MS, 'NX'))) === 'OK';
    },
    async complete(eventId, answer) {
      await call(() => redis.set(prefix + eventId, JSON.stringify(answer), 'PX', TTL_MS));
    },
    async answerOf(eventId) {
      const value = await call(() => redis.get(prefix + eventId));
      return value === null || value === PENDING ? undefined : (JSON.parse(value) as OktaAnswer);
    },
  };
}
