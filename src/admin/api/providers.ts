// The Providers page: each provider's configuration, breaker, use in routing and recent attempts.
import type { CallRow, DeliveryStore, ProviderStats, SearchFilters, SummaryRow } from '../../store/types.js';
import type { BreakerState } from '../../core/domain.js';
import type { Attempt, Channel, ErrorCategory } from '../../core/domain.js';
import { CHANNELS } from '../../core/domain.js';
import { SEARCH_MAX_LIMIT } from '../../store/sql.js';
import { DAY_MS, type AdminContext } from './context.js';

export interface ProviderView {
  name: string;
  kind: string;
  channels: Channel[];
  timeoutMs: number;
  breaker: BreakerState | 'none';
  countries?: { allow?: string[]; deny: string[] };
  /** Where routing uses it: `default`, `rules[0] (uk)`. */
  usedBy: string[];
  /** Calls it answered in the last 30 days (the provider of the final answer). */
  summary: SummaryRow;
  /** Its own attempts over the 30 days (failovers included) and the receipts of the calls it answered. */
  health: ProviderStats;
  lastErrors: { at: number; eventId: string; category?: ErrorCategory; providerCode?: string; ms: number }[];
}

function noAttempts(provider: string): ProviderStats {
  return { provider, attempts: 0, accepted: 0, failed: 0, failedBy: {}, avgMs: null, receipts: { sent: 0, delivered: 0, undelivered: 0, failed: 0 }, acceptedRate: null, deliveredRate: null };
}

/** Recent calls read for the last errors. */
const RECENT_CALLS = 2_000;

export async function providers(ctx: AdminContext): Promise<{ sinceMs: number; recentCalls: number; providers: ProviderView[] }> {
  const sinceMs = (ctx.now ?? Date.now)() - 30 * DAY_MS;
  const [summary, recent, health] = await Promise.all([
    ctx.store.summary({ sinceMs, by: 'provider' }),
    scan(ctx.store, { fromMs: sinceMs }, RECENT_CALLS),
    ctx.store.providerStats(sinceMs),
  ]);
  const attemptsOf = new Map<string, { row: CallRow; attempt: Attempt }[]>();
  for (const row of recent) {
    for (const attempt of row.attempts) {
      const list = attemptsOf.get(attempt.provider) ?? [];
      list.push({ row, attempt });
      attemptsOf.set(attempt.provider, list);
    }
  }
  const routing = ctx.config.routing;
  const list = [...ctx.adapters.values()].map((a): ProviderView => {
    const tried = attemptsOf.get(a.name) ?? [];
    const failed = tried.filter((t) => !t.attempt.ok);
    const usedBy: string[] = [];
    if ((routing.default ?? Object.keys(ctx.config.providers)).includes(a.name)) usedBy.push('default');
    routing.rules.forEach((r, i) => {
      if (r.providers?.includes(a.name) || (r.split && a.name in r.split) || r.fallback.includes(a.name)) usedBy.push(`rules[${i}]${r.name ? ` (${r.name})` : ''}`);
    });
    const cfg = ctx.config.providers[a.name];
    return {
      name: a.name,
      kind: a.kind,
      channels: CHANNELS.filter((c) => a.channels.has(c)),
      timeoutMs: a.timeoutMs,
      breaker: ctx.breakers.get(a.name)?.state() ?? 'none',
      ...(cfg?.countries ? { countries: cfg.countries } : {}),
      usedBy,
      summary: summary.find((s) => s.key === a.name) ?? { key: a.name, executions: 0, successes: 0, failures: 0, avgMs: null },
      health: health.find((h) => h.provider === a.name) ?? noAttempts(a.name),
      lastErrors: failed.slice(0, 8).map(({ row, attempt }) => ({
        at: row.receivedAt, eventId: row.eventId, category: attempt.category, providerCode: attempt.providerCode, ms: attempt.ms,
      })),
    };
  });
  return { sinceMs, recentCalls: recent.length, providers: list };
}

/** Every row matching `filters`, newest first, page by page, up to `max`. Rows sharing a millisecond are not lost between pages. */
async function scan(store: DeliveryStore, filters: SearchFilters, max: number): Promise<CallRow[]> {
  const out: CallRow[] = [];
  const seen = new Set<string>();
  let before: number | undefined;
  while (out.length < max) {
    const page = await store.search({ ...filters, limit: SEARCH_MAX_LIMIT, ...(before === undefined ? {} : { beforeMs: before }) });
    const fresh = page.filter((r) => !seen.has(r.eventId));
    for (const r of fresh) {
      seen.add(r.eventId);
      out.push(r);
    }
    // A short page is the last one: the store returns at most SEARCH_MAX_LIMIT rows a page.
    if (page.length < SEARCH_MAX_LIMIT) break;
    const last = page.at(-1)!.receivedAt;
    // Ask again from the last row's millisecond (inclusive) unless that page brought nothing new.
    before = fresh.length > 0 && before !== last + 1 ? last + 1 : last;
  }
  return out.slice(0, max);
}

