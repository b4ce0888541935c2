// The Overview page: Okta-style figures of the period, per provider, channel and country, the
// charts' timelines, latency percentiles and the guard's blocks per rule.
import * as z from '../../core/zod.js';
import type { BlockCount, ProviderStats, SummaryRow, TimelineRow, LatencyPercentiles } from '../../store/types.js';
import { failureAnswerText } from '../../okta/contract.js';
import { DAY_MS, HOUR_MS, type AdminContext } from './context.js';
import { time } from './deliveries.js';

export interface Overview {
  /** Length of the period in days (a fraction for a few hours). */
  days: number;
  sinceMs: number;
  untilMs: number;
  bucketMs: number;
  total: SummaryRow;
  byProvider: SummaryRow[];
  byChannel: SummaryRow[];
  /** The ten countries with the most executions. */
  countries: SummaryRow[];
  timeline: { provider: TimelineRow[]; channel: TimelineRow[] };
  latency: LatencyPercentiles | null;
  /** Each provider's own attempts and receipts over the period (byProvider counts final answers only). */
  providerHealth: ProviderStats[];
  /** Calls the guard refused (status FAILED, reason blocked), per rule. */
  blocks: BlockCount[];
  blockedTotal: number;
  /**
   * Hook calls refused before the pipeline (401 wrong credentials, 400 unreadable request) since
   * this instance started: not in the delivery log, but failures in Okta's figures.
   */
  refusals: { sinceMs: number; total: number; rows: { kind: string; reason: string; count: number }[] };
  /** What Okta is answered when nothing was sent, as hook.onFailure says, in words. */
  failureAnswer: string;
}

const MINUTE_MS = 60_000;
/** The longest period shown (a custom range too): its buckets stay a few hundred at most. */
export const MAX_PERIOD_MS = 90 * DAY_MS;

/** The last `days` or `hours` (30 days when neither), or a custom From/To (To defaults to now). */
export const overviewQuery = z.object({
  days: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(90))),
  hours: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(72))),
  from: z.optional(time),
  to: z.optional(time),
}).check(
  z.refine((q) => [q.days, q.hours, q.from].filter((v) => v !== undefined).length <= 1, { path: ['from'], message: 'expected one of days, hours or from' }),
  z.refine((q) => q.to === undefined || q.from !== undefined, { path: ['to'], message: 'expected a From date with the To date' }),
  z.refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { path: ['from'], message: 'expected a From date before the To date' }),
  z.refine((q) => q.from === undefined || (q.to ?? Date.now()) - q.from <= MAX_PERIOD_MS, { path: ['from'], message: 'expected a period of 90 days at most' }),
);

export interface Period {
  sinceMs: number;
  untilMs: number;
  /** A custom range ends at `untilMs`; the last hours or days end now. */
  custom: boolean;
}

export function periodOf(q: z.output<typeof overviewQuery>, now: number): Period {
  if (q.from !== undefined) return { sinceMs: q.from, untilMs: q.to ?? now, custom: true };
  const span = q.hours !== undefined ? q.hours * HOUR_MS : (q.days ?? 30) * DAY_MS;
  return { sinceMs: now - span, untilMs: now, custom: false };
}

/** Buckets that fit the period: a minute up to 3 hours, 5 minutes up to 12, an hour up to 3 days, a day beyond. */
export function bucketFor(spanMs: number): number {
  if (spanMs <= 3 * HOUR_MS) return MINUTE_MS;
  if (spanMs <= 12 * HOUR_MS) return 5 * MINUTE_MS;
  if (spanMs <= 3 * DAY_MS) return HOUR_MS;
  return DAY_MS;
}

export async function overview(ctx: AdminContext, q: z.output<typeof overviewQuery>): Promise<Overview> {
  const now = (ctx.now ?? Date.now)();
  const { sinceMs, untilMs, custom } = periodOf(q, now);
  const bucketMs = bucketFor(untilMs - sinceMs);
  // The last hours or days run to now: nothing to cut at the end.
  const period = custom ? { sinceMs, untilMs } : { sinceMs };
  const { store } = ctx;
  const [all, byProvider, byChannel, byCountry, tlProvider, tlChannel, latency, blocks, refused, providerHealth] = await Promise.all([
    store.summary(period),
    store.summary({ ...period, by: 'provider' }),
    store.summary({ ...period, by: 'channel' }),
    store.summary({ ...period, by: 'country' }),
    store.timeline({ ...period, bucketMs, by: 'provider' }),
    store.timeline({ ...period, bucketMs, by: 'channel' }),
    store.latencyPercentiles(sinceMs, period.untilMs),
    store.blockCounts(sinceMs, period.untilMs),
    ctx.metrics?.refusals() ?? { startedAt: now, rows: [] },
    store.providerStats(sinceMs, period.untilMs),
  ]);
  return {
    days: (untilMs - sinceMs) / DAY_MS, sinceMs, untilMs, bucketMs,
    total: all[0] ?? { key: 'all', executions: 0, successes: 0, failures: 0, avgMs: null },
    byProvider, byChannel,
    countries: byCountry.slice(0, 10),
    timeline: { provider: tlProvider, channel: tlChannel },
    latency,
    providerHealth,
    blocks,
    blockedTotal: blocks.reduce((n, b) => n + b.count, 0),
    failureAnswer: failureAnswerText(ctx.config.hook.onFailure),
    refusals: { sinceMs: refused.startedAt, total: refused.rows.reduce((n, r) => n + r.count, 0), rows: refused.rows },
  };
}
