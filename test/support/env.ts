// Tests that need a service (Redis, PostgreSQL, redis-server on PATH) skip without it, except when
// CI is set: then a missing service is a failure, since a green CI run must have run these tests.
import type { TestContext } from 'node:test';

/** Skips the test with `message`; fails it instead when CI is set. */
export function skipOrFail(t: TestContext, message: string): void {
  if (process.env.CI) throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
  t.skip(message);
}

/** The environment variable's value, or `undefined` after skipOrFail with `why`. */
export function needEnv(t: TestContext, name: 'REDIS_URL' | 'DATABASE_URL', why: string): string | undefined {
  const value = process.env[name];
  if (value) return value;
  skipOrFail(t, `${name} not set: ${why}`);
  return undefined;
}
