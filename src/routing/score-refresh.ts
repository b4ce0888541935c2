// Keeps adaptive routing's table (adaptive.ts) filled: reads the last `windowSeconds` of the
// delivery log every `refreshSeconds`, off the hook's path. A read that fails keeps the previous
// table (routing goes on with what it knew) and is logged; reads never overlap.
import type { AdaptiveConfig } from './schema.js';
import type { MeasuredRoute, RouteScores } from './adaptive.js';

export interface ScoreRefreshDeps {
  /** The delivery log's figures for calls received since `sinceMs`. */
  load: (sinceMs: number) => Promise<readonly MeasuredRoute[]>;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export interface ScoreRefresh {
  readonly scores: RouteScores;
  /** Reads the log now (the timer calls it; tests and start-up await it). */
  refresh(): Promise<void>;
  /** Reads again every `refreshSeconds` until `close`. */
  start(): void;
  close(): void;
}

export function scoreRefresh(scores: RouteScores, config: AdaptiveConfig, deps: ScoreRefreshDeps): ScoreRefresh {
  const now = deps.now ?? Date.now;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function read(): Promise<void> {
    const at = now();
    try {
      scores.replace(await deps.load(at - config.windowSeconds * 1_000), at);
    } catch (err) {
      deps.onError?.(err);
    }
  }

  return {
    scores,
    refresh() {
      running ??= read().finally(() => { running = undefined; });
      return running;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => { void this.refresh(); }, config.refreshSeconds * 1_000);
      timer.unref();
    },
    close() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
