// What the admin pages show of Okta's events (src/okta/events): codes sent against codes used, per
// window and per country, prefix, provider, channel and flow; the hook executions Okta counted as
// failed, per day; and the events that matched no send. Plain functions of the store.
import * as z from '../core/zod.js';
import type { ConversionBy, ConversionRow, DeliveryStore } from '../store/types.js';
import type { HookFailureDay } from '../okta/events/inbox.js';

const HOUR_MS = 3_600_000;
export const CONVERSION_WINDOWS = { '1h': HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS } as const;
type Window = keyof typeof CONVERSION_WINDOWS;
const GROUPS = ['country', 'prefix', 'provider', 'channel', 'requestType'] as const satisfies readonly ConversionBy[];
/** Days of Okta's hook-failure events shown. */
const FAILURE_DAYS = 14;
/** Rows per grouping (the most sent first). */
const TOP = 20;

export const conversionQuery = z.object({
  window: z._default(z.enum(Object.keys(CONVERSION_WINDOWS) as [Window, ...Window[]]), '24h'),
});

export interface ConversionView {
  window: Window;
  sinceMs: number;
  untilMs: number;
  /** The whole, over each window. */
  totals: Record<Window, ConversionRow>;
  /** Over `window`, per grouping, most sent first. */
  by: Record<(typeof GROUPS)[number], ConversionRow[]>;
  /** inline_hook.executed per UTC day: executions Okta counted as failed (it may then send its own code). */
  hookFailures: HookFailureDay[];
  /** Events received in `window` that matched no send, and those still waiting for one. */
  unmatched: number;
  pending: number;
}

export async function conversionView(ctx: { store: DeliveryStore; now?: () => number }, window: Window): Promise<ConversionView> {
  const untilMs = (ctx.now ?? Date.now)();
  const sinceMs = untilMs - CONVERSION_WINDOWS[window];
  const { store } = ctx;
  const windows = Object.keys(CONVERSION_WINDOWS) as Window[];
  const [totals, groups, hookFailures, counts] = await Promise.all([
    Promise.all(windows.map(async (w) => (await store.conversion({ sinceMs: untilMs - CONVERSION_WINDOWS[w] }))[0]!)),
    Promise.all(GROUPS.map(async (by) => (await store.conversion({ sinceMs, by })).slice(0, TOP))),
    store.events.hookFailuresByDay(untilMs - FAILURE_DAYS * 24 * HOUR_MS),
    store.events.counts(sinceMs),
  ]);
  const count = (state: string): number => counts.filter((c) => c.state === state).reduce((n, c) => n + c.count, 0);
  return {
    window, sinceMs, untilMs,
    totals: Object.fromEntries(windows.map((w, i) => [w, totals[i]!])) as Record<Window, ConversionRow>,
    by: Object.fromEntries(GROUPS.map((g, i) => [g, groups[i]!])) as ConversionView['by'],
    hookFailures,
    unmatched: count('unmatched'),
    pending: count('pending'),
  };
}
