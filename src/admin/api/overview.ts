// The Overview page: Okta-style figures of the period, per provider, channel and country, the
// charts' timelines, latency percentiles and the guard's blocks per rule.
import { z } from 'zod';
import type { BlockCount, ProviderStats, SummaryRow, TimelineRow, LatencyPercentiles } from '../../store/types.js';
import { failureAnswerText } from '../../okta/contract.js';
import { DAY_MS, HOUR_MS, type AdminContext } from './context.js';

export interface Overview {
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

export const overviewQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(30),
});

/** Hourly buckets for a day, six-hourly up to a week, daily beyond. */
export function bucketFor(days: number): number {
  if (days <= 1) return HOUR_MS;
  if (days <= 7) return 6 * HOUR_MS;
  return DAY_MS;
}

export async function overview(ctx: AdminContext, days: number): Promise<Overview> {
  const untilMs = (ctx.now ?? Date.now)();
  const sinceMs = untilMs - days * DAY_MS;
  const bucketMs = bucketFor(days);
  const { store } = ctx;
  const [all, byProvider, byChannel, byCountry, tlProvider, tlChannel, latency, blocks, refused, providerHealth] = await Promise.all([
    store.summary({ sinceMs }),
    store.summary({ sinceMs, by: 'provider' }),
    store.summary({ sinceMs, by: 'channel' }),
    store.summary({ sinceMs, by: 'country' }),
    store.timeline({ sinceMs, bucketMs, by: 'provider' }),
    store.timeline({ sinceMs, bucketMs, by: 'channel' }),
    store.latencyPercentiles(sinceMs),
    store.blockCounts(sinceMs),
    ctx.metrics?.refusals() ?? { startedAt: untilMs, rows: [] },
    store.providerStats(sinceMs),
  ]);
  return {
    days, sinceMs, untilMs, bucketMs,
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
