/**
 * The hook's time budget, counted from receipt. `signal` aborts when only the reserve is
 * left, so whatever is running stops in time for the answer to be recorded and sent.
 * Call `dispose()` once the answer is out: a timer that is cleared costs nothing later.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly endsAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(startedAt: number, budgetMs: number, reserveMs: number) {
    this.endsAt = startedAt + budgetMs - reserveMs;
    const controller = new AbortController();
    this.signal = controller.signal;
    this.timer = setTimeout(() => controller.abort(timeoutError('the hook budget is spent')), Math.max(0, Math.floor(this.remaining())));
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
 * A signal that aborts after `ms` or with `parent`, and a `done()` that clears both: unlike
 * AbortSignal.timeout/any, nothing of it is left to fire after the attempt ended.
 */
export function childSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onParent = (): void => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => controller.abort(timeoutError('the attempt budget is spent')), ms);
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
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
