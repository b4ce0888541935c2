// Adaptive routing (`routing.adaptive`): within each part of a chain, providers are ordered by what
// they measurably delivered to the request's country on its channel. The figures come from the
// delivery log, read off the hook's path (score-refresh.ts) into an in-memory table keyed by
// provider, country and channel; a plan only looks its providers up in that table, so the work per
// request is a few Map reads, whatever the size of the log.
//
// Score: the Wilson lower bound of the delivered rate (delivered ÷ final receipts) times that of the
// conversion (verified ÷ sent). A lower bound rather than the rate, so that few samples are judged
// cautiously. A factor counts only when the part's providers give it something to go on: the
// delivered rate when every judged provider has receipts, the conversion when at least one of them
// has a verified code (without Okta's events every send looks unverified).
import type { Channel, RouteStats } from '../core/domain.js';
import { wilsonLower, zFor } from '../guard/conversion/wilson.js';
import type { AdaptiveConfig } from './schema.js';

/** What the delivery log measured of one provider for one country and channel over the window. */
export type MeasuredRoute = RouteStats;

/** A measured route with its two lower bounds and its figures in words, computed once per refresh. */
export interface RouteFigures extends MeasuredRoute {
  deliveredLow: number;
  verifiedLow: number;
  /** `delivered 97% of 412, verified 88% of 450`. */
  summary: string;
}

/** The table's key of a provider's figures for a country and channel. */
export const keyOf = (provider: string, country: string, channel: Channel): string => `${channel}\0${country}\0${provider}`;

/** The in-memory table plans read: replaced whole at each refresh. */
export class RouteScores {
  private table = new Map<string, RouteFigures>();
  private readonly z: number;
  /** When the table was last filled (epoch ms), undefined before the first refresh. */
  refreshedAt?: number;

  constructor(config: Pick<AdaptiveConfig, 'confidence'>) {
    this.z = zFor(config.confidence);
  }

  replace(rows: readonly MeasuredRoute[], at: number): void {
    const table = new Map<string, RouteFigures>();
    for (const r of rows) {
      table.set(keyOf(r.provider, r.country, r.channel), {
        ...r,
        deliveredLow: wilsonLower(r.delivered, r.receipted, this.z),
        verifiedLow: wilsonLower(r.verified, r.sent, this.z),
        summary: summaryOf(r),
      });
    }
    this.table = table;
    this.refreshedAt = at;
  }

  get(provider: string, country: string | undefined, channel: Channel): RouteFigures | undefined {
    return this.table.get(keyOf(provider, country ?? 'unknown', channel));
  }
}

/** One provider of a part of the chain, as ranking sees it. */
interface Ranked<T> {
  item: T;
  figures?: RouteFigures;
  judged: boolean;
  score: number;
}

const NOTHING_SENT = 'nothing sent yet';

/** A provider's figures in the words its reason gives them. */
function summaryOf(f: MeasuredRoute): string {
  if (f.sent === 0) return NOTHING_SENT;
  // Rounded down, so that 100% means every one.
  const pct = (k: number, n: number): string => `${Math.floor((k / n) * 100)}%`;
  const delivered = f.receipted > 0 ? `delivered ${pct(f.delivered, f.receipted)} of ${f.receipted}` : `no receipts of ${f.sent} sent`;
  return `${delivered}, verified ${pct(f.verified, f.sent)} of ${f.sent}`;
}

/**
 * Orders one part of a chain by score, highest first; ties keep their configured order, and so does
 * the whole part when `keep` says why. Each item's reason gets the figures behind its place.
 */
export function rankPart<T extends { provider: string; reason: string }>(
  part: readonly T[], lookup: (provider: string) => RouteFigures | undefined, config: AdaptiveConfig, keep: string | undefined,
): T[] {
  if (part.length === 0) return [];
  const ranked: Ranked<T>[] = part.map((item) => {
    const figures = lookup(item.provider);
    return { item, figures, judged: figures !== undefined && figures.sent >= config.minSamples, score: config.prior };
  });
  const judged = ranked.filter((r) => r.judged);
  const byDelivered = judged.length > 0 && judged.every((r) => r.figures!.receipted > 0);
  const byVerified = judged.some((r) => r.figures!.verified > 0);
  const prior = `ranks as ${config.prior.toFixed(2)}`;
  for (const r of judged) {
    if (!byDelivered && !byVerified) r.judged = false;
    else r.score = (byDelivered ? r.figures!.deliveredLow : 1) * (byVerified ? r.figures!.verifiedLow : 1);
  }
  const order = keep || ranked.length < 2 ? ranked : [...ranked].sort((a, b) => b.score - a.score);
  return order.map((r) => {
    const enough = r.figures !== undefined && r.figures.sent >= config.minSamples;
    const how = keep ?? (r.judged ? `score ${r.score.toFixed(2)}`
      : enough ? `no receipts or used codes to judge by, ${prior}` : `not judged below ${config.minSamples} sent, ${prior}`);
    return { ...r.item, reason: `${r.item.reason}; adaptive: ${r.figures?.summary ?? NOTHING_SENT}, ${how}` };
  });
}
