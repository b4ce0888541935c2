import { ERROR_CODES, GatewayError } from '../core/errors.js';

// How long the guard (and the Redis idempotency keys) wait for Redis before doing without it.

/** Thrown when Redis did not answer in time. */
export class StoreTimeout extends GatewayError {
  constructor(ms: number) {
    super(ERROR_CODES.STORE_TIMEOUT, `Redis did not answer within ${ms} ms`);
  }
}

/**
 * `promise`, or a StoreTimeout after `ms`. When the timer fires the verdict waits for one more
 * turn of the event loop (setImmediate runs after the poll phase), so an answer that had already
 * arrived while this process was not running (a stall, a busy machine) is read and wins: only
 * Redis being slow times out, not this process being slow to look.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => setImmediate(() => {
      if (!settled) reject(new StoreTimeout(ms));
    }), ms);
    promise.then(
      (v) => {
        settled = true;
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
