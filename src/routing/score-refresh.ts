// Keeps adaptive routing's table (adaptive.ts) filled from the delivery log, off the hook's path.
//
// The window is read in time buckets (1/24 of it, between a minute and an hour), one read each, so
// that no single read holds the event loop long (SQLite reads run on it) and the loop turns between
// them. A bucket is read again at each refresh only while its calls may still change — receipts
// and Okta's verifications land after the send, within the code's life (at most an hour, see
// store/sql.ts) — that is, while it ends less than `SETTLE_MS` ago; older buckets are read once
// and kept until they leave the window, so a refresh costs the recent traffic, not the window's.
// A read that fails keeps the previous table (routing goes on with what it knew); reads never overlap.
import type { AdaptiveConfig } from './schema.js';
import { keyOf, type MeasuredRoute, type RouteScores } from './adaptive.js';

/** How long after its calls a bucket is still read again: the longest code life plus its grace. */
export const SETTLE_MS = 2 * 3_600_000;

export interface ScoreRefreshDeps {
  /** The delivery log's figures for calls received from `sinceMs` until before `untilMs`. */
  load: (sinceMs: number, untilMs: number) => Promise<readonly MeasuredRoute[]>;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export interface ScoreRefresh {
  readonly scores: RouteScores;
  /** Reads the log now (the timer calls it; tests and start-up await it); a call during a read shares it. */
  refresh(): Promise<void>;
  /** Reads again every `refreshSeconds` until `close`. */
  start(): void;
  /** Stops the timer; resolves once a read in progress has finished (before the log closes). */
  close(): Promise<void>;
}

export function scoreRefresh(scores: RouteScores, config: AdaptiveConfig, deps: ScoreRefreshDeps): ScoreRefresh {
  const now = deps.now ?? Date.now;
  const windowMs = config.windowSeconds * 1_000;
  const bucketMs = Math.min(3_600_000, Math.max(60_000, Math.floor(windowMs / 24)));
  /** Bucket start → its figures. */
  const buckets = new Map<number, readonly MeasuredRoute[]>();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function read(): Promise<void> {
    const at = now();
    // The window ages a bucket at a time: the oldest kept is the one the window's start falls in.
    const first = Math.floor((at - windowMs) / bucketMs) * bucketMs;
    for (const start of buckets.keys()) if (start < first) buckets.delete(start);
    try {
      for (let start = first; start <= at; start += bucketMs) {
        if (buckets.has(start) && start + bucketMs <= at - SETTLE_MS) continue;
        buckets.set(start, await deps.load(start, start + bucketMs));
      }
    } catch (err) {
      deps.onError?.(err);
      return;
    }
    scores.replace(summed(buckets.values()), at);
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
    async close() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** The buckets' figures added up per provider, country and channel. */
function summed(buckets: Iterable<readonly MeasuredRoute[]>): MeasuredRoute[] {
  const total = new Map<string, MeasuredRoute>();
  for (const rows of buckets) {
    for (const r of rows) {
      const key = keyOf(r.provider, r.country, r.channel);
      const t = total.get(key);
      if (!t) total.set(key, { ...r });
      else {
        t.sent += r.sent;
        t.receipted += r.receipted;
        t.delivered += r.delivered;
        t.verified += r.verified;
      }
    }
  }
  return [...total.values()];
}
