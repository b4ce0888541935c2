// Guard fixtures the tests share: every limit off, and the set-up of the tests against a real Redis.
import { test, type TestContext } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { needEnv } from './env.js';

/** Every velocity limit off; a test turns on the ones it measures. As JSON it is YAML too. */
export const LIMITS_OFF = {
  phone: false, user: false, prefix: false, country: false, ip: false, global: false, distinctPerPrefix: false,
} as const;

/** A test against the real Redis of REDIS_URL (skipped without it, failed without it under CI). */
export function redisTest(name: string, fn: (t: TestContext, url: string) => Promise<void>): void {
  test(name, async (t) => {
    const url = needEnv(t, 'REDIS_URL', 'start Redis and run with REDIS_URL=redis://127.0.0.1:6379');
    if (url) await fn(t, url);
  });
}

/** After the test: the keys under `keyPrefix` deleted (through the first client) and every client closed. */
export function cleanUpAfter(t: TestContext, keyPrefix: string, clients: readonly Redis[]): void {
  t.after(async () => {
    const keys = await clients[0]!.keys(`${keyPrefix}:*`);
    if (keys.length) await clients[0]!.del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });
}

/** A Redis key prefix no other test or run uses. */
export const uniquePrefix = (): string => `byot-test:${randomUUID()}`;
