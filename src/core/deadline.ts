/**
 * The hook's time budget, counted from receipt. `signal` aborts when only the reserve is
 * left, so whatever is running stops in time for the answer to be recorded and sent.
 * Call `dispose()` once the answer is out: a timer that is cleared costs nothing later.
 */
export class Deadline {
  private readonly endsAt: number;
  private controller?: AbortController;
  private timer?: NodeJS.Timeout;

  constructor(startedAt: number, budgetMs: number, reserveMs: number) {
    this.endsAt = startedAt + budgetMs - reserveMs;
  }

  /**
   * Made on first use: a call that only sends never needs it, since every attempt has its own
   * limit, never past this one (see attemptSignal).
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      this.controller = controller;
      this.timer = setTimeout(() => controller.abort(timeoutError('the hook budget is spent')), Math.floor(this.remaining()));
    }
    return this.controller.signal;
  }

  /** Milliseconds left before the reserve. */
  remaining(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/**
 * The signal of one provider attempt, aborting after `ms`, and a `done()` that clears its timer
 * (unlike AbortSignal.timeout, nothing is left to fire after the attempt ended). The caller keeps
 * `ms` within the deadline's remaining time, so the attempt never outlives the deadline.
 */
export function attemptSignal(ms: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutError('the attempt budget is spent')), ms);
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}

function timeoutError(message: string): DOMException {
  return new DOMException(message, 'TimeoutError');
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
