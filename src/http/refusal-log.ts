// Refused hook calls, logged without flooding the log: the first refusal for a client address and
// reason gets its line at once; repeats within the window are counted and reported in one line
// when the window ends (or at shutdown), so 500 wrong secrets make two lines, not a thousand.
import type { Logger } from 'pino';

export const REFUSAL_WINDOW_MS = 60_000;
/** Addresses and reasons tracked at once; past it the longest-tracked is reported and dropped. */
const MAX_TRACKED = 10_000;

interface Tracked {
  address: string;
  reason: string;
  since: number;
  repeats: number;
}

export class RefusalLog {
  private readonly tracked = new Map<string, Tracked>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly windowMs = REFUSAL_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.flush(false), Math.max(1_000, Math.floor(windowMs / 6)));
    this.timer.unref();
  }

  note(address: string, reason: string): void {
    const key = `${address}\u0000${reason}`;
    const t = this.tracked.get(key);
    if (t) {
      t.repeats++;
      return;
    }
    if (this.tracked.size >= MAX_TRACKED) this.report(this.tracked.keys().next().value!);
    this.tracked.set(key, { address, reason, since: this.now(), repeats: 0 });
    this.log.warn({ remoteAddress: address, reason, count: 1 }, this.message);
  }

  /** Reports the repeats of every window that has ended (`all`: of every window, at shutdown). */
  flush(all: boolean): void {
    const t = this.now();
    for (const [key, entry] of this.tracked) if (all || t - entry.since >= this.windowMs) this.report(key);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush(true);
  }

  private report(key: string): void {
    const entry = this.tracked.get(key)!;
    this.tracked.delete(key);
    if (entry.repeats === 0) return;
    this.log.warn({ remoteAddress: entry.address, reason: entry.reason, count: entry.repeats, windowMs: this.now() - entry.since }, `${this.message} (repeated)`);
  }
}
