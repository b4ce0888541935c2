// `byot stats`: Okta's hook metrics (executions, successes, failures, average time of the
// successful ones) and conversion (codes sent against codes Okta reported as used, src/okta/events),
// read from the gateway's delivery log, overall or per provider, country, channel, prefix or flow.
import { existsSync } from 'node:fs';
import { configFromEnv, type Config } from '../config/load.js';
import { loadConfigFile } from '../config/file.js';
import { openStore, isPostgresUrl } from '../store/open.js';
import type { ConversionRow, ProviderStats, SummaryBy, SummaryRow } from '../store/types.js';
import { CommandError, createOutput, intOption, oneOf, parseCommand, table, UsageError, type Output } from './common.js';

export const STATS_USAGE = `byot stats — the hook's numbers from the delivery log, as Okta's Metrics tab shows them

Usage:
  byot stats [--config FILE] [--days N | --window 1h|24h|7d] [--by KEY] [--json]

Options:
  --config FILE   the gateway's configuration, for the delivery log's location
                  (default $BYOT_CONFIG, else settings from the environment: data/byot.sqlite)
  --days N        how far back (default 30, as Okta shows)
  --window W      or a shorter period: 1h, 24h or 7d
  --by KEY        one row per provider, country, channel, prefix (the start of the number, as
                  the log keeps it: +4477) or requestType (the Okta flow)
  --json          print {since, days, window, by, rows, total} as JSON; each row also carries
                  sent, verified, conversionRate and medianVerifyMs (with --by provider, also
                  providers: each provider's own attempts and receipts)

Failures are every answer but SUCCESSFUL (FAILED, PENDING and refused calls); the average time
is over successful calls only, from receipt to answer. Conversion needs Okta's events (the
oktaEvents section): SENT counts calls that sent a code (not Preview, not FAILED), VERIFIED the
ones Okta then reported as used, and VERIFY TIME is the median from receipt to that report.
With --by provider, a second table counts every attempt made to each provider (failovers
included): accepted, failed by category, the attempt success rate, and the delivered rate from
receipts (delivered / final receipts).

Examples:
  byot stats --config byot.yaml
  byot stats --config byot.yaml --days 7 --by provider
  byot stats --by country --json | jq '.rows[] | select(.failures > 0)'
  byot stats --window 24h --by prefix --json | jq '.rows[] | select(.conversionRate < 0.5)'
`;

const DAY_MS = 86_400_000;
const WINDOWS = { '1h': 3_600_000, '24h': DAY_MS, '7d': 7 * DAY_MS } as const;
const BY = ['provider', 'country', 'channel', 'prefix', 'requestType'] as const satisfies readonly SummaryBy[];

/** A row of `byot stats`: Okta's hook figures and the conversion of the same calls. */
export type StatsRow = SummaryRow & Omit<ConversionRow, 'key'>;

/** Where the delivery log is: `store.url` (PostgreSQL) when the configuration has one, else `store.path`. */
export function storeLocation(config: Config): string {
  const store = config.store as Config['store'] & { url?: string };
  return store.url ?? store.path;
}

export async function statsCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(args, {
    config: { type: 'string', short: 'c' },
    days: { type: 'string' },
    window: { type: 'string' },
    by: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  }, STATS_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  if (v.days !== undefined && v.window !== undefined) throw new UsageError('give --days or --window, not both', STATS_USAGE);
  const window = oneOf(v.window, 'window', Object.keys(WINDOWS) as (keyof typeof WINDOWS)[], STATS_USAGE);
  const days = window ? WINDOWS[window] / DAY_MS : intOption(v.days, 'days', 30, 1, 3650, STATS_USAGE);
  const by = oneOf(v.by, 'by', BY, STATS_USAGE);
  const file = v.config ?? (env.BYOT_CONFIG || undefined);
  // Only the delivery log's location is read: stats needs no secret, so none is demanded.
  const config = file ? await loadConfigFile(file, env, { sections: ['store'] }) : configFromEnv(env);
  const location = storeLocation(config);
  const o = createOutput({ quiet: v.quiet });
  if (!isPostgresUrl(location) && !existsSync(location)) {
    throw new CommandError(`no delivery log at ${location}${file ? '' : ' (pass --config with the gateway\'s configuration)'}: has the gateway run with this configuration?`);
  }
  if (isPostgresUrl(location)) o.progress('byot: reading the delivery log from PostgreSQL…');

  const sinceMs = Date.now() - (window ? WINDOWS[window] : days * DAY_MS);
  const store = await openStore(location);
  let rows: StatsRow[];
  let totalConversion: ConversionRow;
  let providers: ProviderStats[] | undefined;
  try {
    const [summary, conversion, all, perProvider] = await Promise.all([
      store.summary({ sinceMs, by }), store.conversion({ sinceMs, by }), store.conversion({ sinceMs }),
      by === 'provider' ? store.providerStats(sinceMs) : undefined,
    ]);
    rows = withConversion(summary, conversion);
    totalConversion = all[0]!;
    providers = perProvider;
  } finally {
    await store.close();
  }
  const total = { ...totalOf(rows), ...conversionOf(totalConversion) };
  if (v.json) {
    o.out(`${JSON.stringify({ since: new Date(sinceMs).toISOString(), days, window: window ?? null, by: by ?? null, rows, total, ...(providers ? { providers } : {}) }, null, 2)}\n`);
  } else {
    // Without Okta's events there is no conversion to show (it would read as 0%).
    const conversion = config.oktaEvents.secrets !== undefined || config.oktaEvents.poll !== undefined || total.verified + total.failedAttempts > 0;
    o.out(formatStats(o, rows, total, { days, window, by, sinceMs, conversion, location: isPostgresUrl(location) ? 'PostgreSQL' : location }));
    if (providers && total.executions > 0) o.out(`\n${formatProviderStats(o, providers)}`);
  }
  return 0;
}

const conversionOf = (c: ConversionRow | undefined): Omit<ConversionRow, 'key'> => ({
  sent: c?.sent ?? 0, verified: c?.verified ?? 0, failedAttempts: c?.failedAttempts ?? 0,
  conversionRate: c?.conversionRate ?? null, medianVerifyMs: c?.medianVerifyMs ?? null,
});

/** Each summary row with the conversion of the same key (zeros when none of its calls sent a code). */
export function withConversion(summary: SummaryRow[], conversion: ConversionRow[]): StatsRow[] {
  const byKey = new Map(conversion.map((c) => [c.key, c]));
  return summary.map((r) => ({ ...r, ...conversionOf(byKey.get(r.key)) }));
}

/** The sum of the rows; the average weighs each row's average by its successes. */
export function totalOf(rows: SummaryRow[]): Omit<SummaryRow, 'key'> {
  let executions = 0, successes = 0, failures = 0, timedSuccesses = 0, weighted = 0;
  for (const r of rows) {
    executions += r.executions;
    successes += r.successes;
    failures += r.failures;
    if (r.avgMs !== null) {
      timedSuccesses += r.successes;
      weighted += r.avgMs * r.successes;
    }
  }
  return { executions, successes, failures, avgMs: timedSuccesses > 0 ? Math.round(weighted / timedSuccesses) : null };
}

export function formatStats(
  o: Output, rows: StatsRow[], total: Omit<StatsRow, 'key'>,
  ctx: { days: number; window?: string; by?: SummaryBy; sinceMs: number; location: string; conversion?: boolean },
): string {
  const period = ctx.window ? `last ${ctx.window}` : `last ${ctx.days} day${ctx.days === 1 ? '' : 's'}`;
  const head = `Hook calls in the ${period} (since ${new Date(ctx.sinceMs).toISOString().slice(0, 16).replace('T', ' ')} UTC), from ${ctx.location}\n\n`;
  if (total.executions === 0) return `${head}No hook calls in that period.\n`;
  const cells = (r: Omit<StatsRow, 'key'>): string[] => [
    String(r.executions),
    r.successes > 0 ? o.green(String(r.successes)) : '0',
    r.failures > 0 ? o.red(String(r.failures)) : '0',
    r.avgMs === null ? '—' : `${r.avgMs} ms`,
    ...(ctx.conversion ? [
      String(r.sent),
      String(r.verified),
      r.conversionRate === null ? '—' : `${(r.conversionRate * 100).toFixed(1)}%`,
      r.medianVerifyMs === null ? '—' : `${Math.round(r.medianVerifyMs / 1_000)} s`,
    ] : []),
  ];
  const header = [...(ctx.by ? [ctx.by.toUpperCase()] : []), 'EXECUTIONS', 'SUCCESSES', 'FAILURES', 'AVG TIME (SUCCESSFUL)',
    ...(ctx.conversion ? ['SENT', 'VERIFIED', 'CONVERSION', 'VERIFY TIME'] : [])].map((h) => o.bold(h));
  const body = ctx.by
    ? [...rows.map((r) => [r.key, ...cells(r)]), [o.bold('total'), ...cells(total)]]
    : [cells(total)];
  const align: ('l' | 'r')[] = [...(ctx.by ? ['l' as const] : []), ...header.slice(ctx.by ? 1 : 0).map(() => 'r' as const)];
  return head + table([header, ...body], { align });
}

const percent = (rate: number | null): string => (rate === null ? '—' : `${(100 * rate).toFixed(1)}%`);

/** Each provider's own attempts: the table under `--by provider`, where the rows above count final answers. */
export function formatProviderStats(o: Output, providers: ProviderStats[]): string {
  if (providers.length === 0) return 'No provider was tried in that period.\n';
  const header = ['PROVIDER', 'ATTEMPTS', 'ACCEPTED', 'FAILED', 'ATTEMPT SUCCESS', 'DELIVERED (RECEIPTS)', 'FAILED BY CATEGORY'].map((h) => o.bold(h));
  const body = providers.map((p) => {
    const final = p.receipts.delivered + p.receipts.undelivered + p.receipts.failed;
    const byCategory = Object.entries(p.failedBy).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
    return [p.provider, String(p.attempts), String(p.accepted), p.failed > 0 ? o.red(String(p.failed)) : '0',
      percent(p.acceptedRate), final ? `${percent(p.deliveredRate)} of ${final}` : '—', byCategory || '—'];
  });
  return `Attempts per provider (failovers included)\n\n${table([header, ...body], { align: ['l', 'r', 'r', 'r', 'r', 'r', 'l'] })}`;
}
