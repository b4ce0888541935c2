// `byot stats`: Okta's hook metrics (executions, successes, failures, average time of the
// successful ones), read from the gateway's delivery log, overall or per provider, country or channel.
import { existsSync } from 'node:fs';
import { configFromEnv, loadConfigFile, type Config } from '../config/load.js';
import { openStore, isPostgresUrl } from '../store/open.js';
import type { ProviderStats, SummaryBy, SummaryRow } from '../store/types.js';
import { CommandError, createOutput, intOption, oneOf, parseCommand, table, type Output } from './common.js';

export const STATS_USAGE = `byot stats — the hook's numbers from the delivery log, as Okta's Metrics tab shows them

Usage:
  byot stats [--config FILE] [--days N] [--by provider|country|channel] [--json]

Options:
  --config FILE   the gateway's configuration, for the delivery log's location
                  (default $BYOT_CONFIG, else settings from the environment: data/byot.sqlite)
  --days N        how far back (default 30, as Okta shows)
  --by KEY        one row per provider, country or channel
  --json          print {since, days, by, rows, total} as JSON (with --by provider, also
                  providers: each provider's own attempts and receipts)

Failures are every answer but SUCCESSFUL (FAILED, PENDING and refused calls); the average time
is over successful calls only, from receipt to answer. With --by provider, a second table counts
every attempt made to each provider (failovers included): accepted, failed by category, the
attempt success rate, and the delivered rate from receipts (delivered / final receipts).

Examples:
  byot stats --config byot.yaml
  byot stats --config byot.yaml --days 7 --by provider
  byot stats --by country --json | jq '.rows[] | select(.failures > 0)'
`;

const DAY_MS = 86_400_000;

/** Where the delivery log is: `store.url` (PostgreSQL) when the configuration has one, else `store.path`. */
export function storeLocation(config: Config): string {
  const store = config.store as Config['store'] & { url?: string };
  return store.url ?? store.path;
}

export async function statsCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(args, {
    config: { type: 'string', short: 'c' },
    days: { type: 'string' },
    by: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  }, STATS_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  const days = intOption(v.days, 'days', 30, 1, 3650, STATS_USAGE);
  const by = oneOf(v.by, 'by', ['provider', 'country', 'channel'] as const satisfies readonly SummaryBy[], STATS_USAGE);
  const file = v.config ?? (env.BYOT_CONFIG || undefined);
  // Only the delivery log's location is read: stats needs no secret, so none is demanded.
  const config = file ? await loadConfigFile(file, env, { sections: ['store'] }) : configFromEnv(env);
  const location = storeLocation(config);
  const o = createOutput({ quiet: v.quiet });
  if (!isPostgresUrl(location) && !existsSync(location)) {
    throw new CommandError(`no delivery log at ${location}${file ? '' : ' (pass --config with the gateway\'s configuration)'}: has the gateway run with this configuration?`);
  }
  if (isPostgresUrl(location)) o.progress('byot: reading the delivery log from PostgreSQL…');

  const sinceMs = Date.now() - days * DAY_MS;
  const store = await openStore(location);
  let rows: SummaryRow[];
  let providers: ProviderStats[] | undefined;
  try {
    [rows, providers] = await Promise.all([store.summary({ sinceMs, by }), by === 'provider' ? store.providerStats(sinceMs) : undefined]);
  } finally {
    await store.close();
  }
  const total = totalOf(rows);
  if (v.json) {
    o.out(`${JSON.stringify({ since: new Date(sinceMs).toISOString(), days, by: by ?? null, rows, total, ...(providers ? { providers } : {}) }, null, 2)}\n`);
  } else {
    o.out(formatStats(o, rows, total, { days, by, sinceMs, location: isPostgresUrl(location) ? 'PostgreSQL' : location }));
    if (providers && total.executions > 0) o.out(`\n${formatProviderStats(o, providers)}`);
  }
  return 0;
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
  o: Output, rows: SummaryRow[], total: Omit<SummaryRow, 'key'>,
  ctx: { days: number; by?: SummaryBy; sinceMs: number; location: string },
): string {
  const head = `Hook calls in the last ${ctx.days} day${ctx.days === 1 ? '' : 's'} (since ${new Date(ctx.sinceMs).toISOString().slice(0, 16).replace('T', ' ')} UTC), from ${ctx.location}\n\n`;
  if (total.executions === 0) return `${head}No hook calls in that period.\n`;
  const cells = (r: Omit<SummaryRow, 'key'>): string[] => [
    String(r.executions),
    r.successes > 0 ? o.green(String(r.successes)) : '0',
    r.failures > 0 ? o.red(String(r.failures)) : '0',
    r.avgMs === null ? '—' : `${r.avgMs} ms`,
  ];
  const header = [...(ctx.by ? [ctx.by.toUpperCase()] : []), 'EXECUTIONS', 'SUCCESSES', 'FAILURES', 'AVG TIME (SUCCESSFUL)'].map((h) => o.bold(h));
  const body = ctx.by
    ? [...rows.map((r) => [r.key, ...cells(r)]), [o.bold('total'), ...cells(total)]]
    : [cells(total)];
  const align: ('l' | 'r')[] = [...(ctx.by ? ['l' as const] : []), 'r', 'r', 'r', 'r'];
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
