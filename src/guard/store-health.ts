// Whether the guard's Redis is worth asking, and the one warning per outage.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type GuardLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * After a failure (an error or a timeout) the guard counts in memory for `retryAfterMs` without a
 * round trip, so an outage costs one timeout, not one per request.
 */
export class StoreHealth {
  private downUntil = 0;
  private down = false;

  constructor(private readonly retryAfterMs: number, private readonly log: GuardLog, private readonly client: Redis) {}

  usable(): boolean {
    return Date.now() >= this.downUntil;
  }

  failed(err: unknown): void {
    this.downUntil = Date.now() + this.retryAfterMs;
    if (!this.down) {
      this.down = true;
      this.log.warn({ err: describe(err), redisStatus: this.client.status, retryAfterMs: this.retryAfterMs },
        'guard: Redis unavailable; counting limits per instance until it answers again');
    }
  }

  succeeded(): void {
    if (this.down) {
      this.down = false;
      this.log.info('guard: Redis answers again; limits are shared across instances again');
    }
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
