/**
 * The hook's time budget, counted from receipt. `signal` aborts when only the reserve is
 * left, so whatever is running stops in time for the answer to be recorded and sent.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly endsAt: number;

  constructor(startedAt: number, budgetMs: number, reserveMs: number) {
    this.endsAt = startedAt + budgetMs - reserveMs;
    this.signal = AbortSignal.timeout(Math.max(0, Math.floor(this.endsAt - performance.now())));
  }

  /** Milliseconds left before the reserve. */
  remaining(): number {
    return Math.max(0, this.endsAt - performance.now());
  }
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts (work that ignores the signal is left behind). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
