// SQL of the delivery log shared by the SQLite and PostgreSQL stores, written with `?` placeholders
// (PostgreSQL gets them numbered by `numbered`), and the mapping of rows to typed values. Only the
// latency percentiles differ: PostgreSQL has percentile_disc, SQLite is asked rank by rank.
import type { Attempt, Channel, FailureReason, RequestType, Status } from '../core/domain.js';
import type { OktaAnswer } from '../okta/contract.js';
import type { DeliveryReceipt, ReceiptStatus } from '../providers/types.js';
import type { BlockCount, ProviderStats, ResendState, RouteStats, CallRecord, CallResult, CallRow, ConversionBy, ConversionRow, FeedbackStatus, Period, SearchFilters, SummaryBy, SummaryRow, TimelineRow } from './types.js';

export type Param = string | number | null;
export interface Query {
  sql: string;
  params: Param[];
}

/** `?` → `$1`, `$2`… for PostgreSQL. The shared SQL has no `?` inside literals. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// --- The hook's path: claim, complete, replay, receipts ---

export const CLAIM_SQL = `
  INSERT INTO hook_calls (event_id, received_at, state, request_type, channel, phone_masked, phone_hash,
                          country, user_id, login, locale, preview, verify_until)
  VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (event_id) DO NOTHING`;

/** A code's life when Okta's otpExpires is absent or implausible (Okta's own is about 5 minutes). */
export const DEFAULT_CODE_LIFE_MS = 10 * 60_000;
const MAX_CODE_LIFE_MS = 60 * 60_000;

/** Until when a verification can be this call's (okta/events): otpExpires when it is after receipt and within an hour. */
export function verifyUntil(r: Pick<CallRecord, 'receivedAt' | 'otpExpires'>): number {
  const at = r.otpExpires;
  return Math.trunc(at !== undefined && at > r.receivedAt && at <= r.receivedAt + MAX_CODE_LIFE_MS ? at : r.receivedAt + DEFAULT_CODE_LIFE_MS);
}

export const claimParams = (r: CallRecord): Param[] => [
  r.eventId, Math.trunc(r.receivedAt), r.requestType, r.channel, r.phoneMasked, r.phoneHash,
  r.country ?? null, r.userId ?? null, r.login ?? null, r.locale, r.preview ? 1 : 0, verifyUntil(r),
];

export const ANSWER_SQL = 'SELECT state, answer FROM hook_calls WHERE event_id = ?';

export function answerFromRow(row: { state: string; answer: string | null } | undefined): OktaAnswer | undefined {
  return row?.state === 'done' && row.answer ? (JSON.parse(row.answer) as OktaAnswer) : undefined;
}

export const COMPLETE_SQL = `
  UPDATE hook_calls SET state = 'done', status = ?, reason = ?, blocked_by = ?, provider = ?, transaction_id = ?,
    attempts = ?, attempt_count = ?, latency_ms = ?, answer = ?, completed_at = ?
  WHERE event_id = ?`;

export const completeParams = (eventId: string, r: CallResult): Param[] => [
  r.status, r.reason ?? null, r.blockedBy ?? null, r.provider ?? null, r.transactionId ?? null,
  JSON.stringify(r.attempts), r.attempts.length, Math.round(r.latencyMs), JSON.stringify(r.answer), Date.now(),
  eventId,
];

// 'sent' is the only state a later receipt may move on from; a late 'sent' never replaces a final state,
// and a final state is replaced only by another final one that is not older.
export const RECEIPT_SQL = `
  UPDATE hook_calls SET receipt_status = ?, receipt_provider_status = ?, receipt_code = ?, receipt_at = ?
  WHERE provider = ? AND transaction_id = ?
    AND (receipt_status IS NULL OR receipt_status = 'sent' OR (? <> 'sent' AND receipt_at <= ?))`;

/** The same rule for the receipt of a call's resend (migration 5), found by the resend's provider and id; receiptParams. */
export const RESEND_RECEIPT_SQL = `
  UPDATE hook_calls SET resend_receipt_status = ?, resend_receipt_provider_status = ?, resend_receipt_code = ?, resend_receipt_at = ?
  WHERE resend_provider = ? AND resend_transaction_id = ?
    AND (resend_receipt_status IS NULL OR resend_receipt_status = 'sent' OR (? <> 'sent' AND resend_receipt_at <= ?))`;

export function receiptParams(provider: string, r: DeliveryReceipt): Param[] {
  const at = r.at.getTime();
  return [r.status, r.providerStatus, r.providerCode ?? null, at, provider, r.transactionId, r.status, at];
}

// --- Queries for the admin API and the CLI ---

const DONE_SINCE = "state = 'done' AND received_at >= ?";
const GROUP_KEYS: Record<SummaryBy, string> = {
  provider: "COALESCE(provider, 'unknown')",
  country: "COALESCE(country, 'unknown')",
  channel: 'channel',
  // A number's prefix is what its masked form keeps (`+4477`, `+33`; mask.ts).
  prefix: "REPLACE(SUBSTR(phone_masked, 1, 5), '*', '')",
  requestType: 'request_type',
};

/**
 * A time bound as an integer bind value (BIGINT on PostgreSQL refuses fractions). received_at is whole
 * milliseconds, so `received_at >= x` and `received_at < x` mean the same with x rounded up.
 */
function ms(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number of milliseconds`);
  return Math.ceil(value);
}

/** Completed calls received in the period: `received_at >= sinceMs`, and `< untilMs` when given. */
function doneIn(p: Period): Query {
  const params: Param[] = [ms(p.sinceMs, 'sinceMs')];
  if (p.untilMs === undefined) return { sql: DONE_SINCE, params };
  params.push(ms(p.untilMs, 'untilMs'));
  return { sql: `${DONE_SINCE} AND received_at < ?`, params };
}

export function summaryQuery(opts: Period & { by?: SummaryBy }): Query {
  if (opts.by !== undefined && !(opts.by in GROUP_KEYS)) throw new RangeError(`cannot summarise by ${String(opts.by)}`);
  const key = opts.by ? GROUP_KEYS[opts.by] : "'all'";
  const done = doneIn(opts);
  return {
    sql: `
      SELECT ${key} AS group_key,
        COUNT(*) AS executions,
        SUM(CASE WHEN status = 'SUCCESSFUL' THEN 1 ELSE 0 END) AS successes,
        SUM(CASE WHEN status = 'SUCCESSFUL' AND latency_ms IS NOT NULL THEN 1 ELSE 0 END) AS timed,
        SUM(CASE WHEN status = 'SUCCESSFUL' THEN latency_ms ELSE 0 END) AS total_ms
      FROM hook_calls
      WHERE ${done.sql}
      ${opts.by ? 'GROUP BY group_key ORDER BY executions DESC, group_key' : ''}`,
    params: done.params,
  };
}

export interface SummaryDbRow {
  group_key: string;
  executions: number | string;
  successes: number | string | null;
  timed: number | string | null;
  total_ms: number | string | null;
}

export function toSummaryRow(r: SummaryDbRow): SummaryRow {
  const executions = Number(r.executions);
  const successes = Number(r.successes ?? 0);
  const timed = Number(r.timed ?? 0);
  // Averaged here, from exact integer sums, so both databases round the same way.
  return { key: r.group_key, executions, successes, failures: executions - successes, avgMs: timed ? Math.round(Number(r.total_ms) / timed) : null };
}

export const SEARCH_DEFAULT_LIMIT = 50;
export const SEARCH_MAX_LIMIT = 500;

const CALL_COLUMNS = `event_id, received_at, state, request_type, channel, phone_masked, phone_hash, country, user_id, login,
  locale, preview, status, reason, blocked_by, provider, transaction_id, attempts, attempt_count, latency_ms, completed_at,
  receipt_status, receipt_provider_status, receipt_code, receipt_at, verified_at, verified_by, verify_basis, verify_failures, verify_failed_at,
  resend_state, resend_at, resend_provider, resend_transaction_id, resend_receipt_status, resend_receipt_provider_status, resend_receipt_code,
  resend_receipt_at,
  feedback_status, feedback_at, feedback_code, feedback_tries`;

/** `%text%` in lower case for LIKE with a backslash escape: the text's own `%`, `_` and backslash match only themselves. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause of `search` and `count`; `paging` adds the cursors (a count ignores them). */
function searchWhere(f: SearchFilters, paging: boolean): Query {
  const where: string[] = [];
  const params: Param[] = [];
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  eq('event_id', f.eventId);
  eq('phone_hash', f.phoneHash);
  eq('user_id', f.userId);
  eq('login', f.login);
  if (f.transactionId !== undefined) {
    where.push('(transaction_id = ? OR resend_transaction_id = ?)');
    params.push(f.transactionId, f.transactionId);
  }
  eq('status', f.status);
  eq('provider', f.provider);
  eq('country', f.country);
  eq('channel', f.channel);
  eq('request_type', f.requestType);
  eq('blocked_by', f.blockedBy);
  if (f.userLike !== undefined) {
    // LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    where.push("(LOWER(user_id) LIKE ? ESCAPE '\\' OR LOWER(login) LIKE ? ESCAPE '\\')");
    const pattern = containsPattern(f.userLike);
    params.push(pattern, pattern);
  }
  if (f.receiptStatus === 'none') where.push('receipt_status IS NULL');
  else eq('receipt_status', f.receiptStatus);
  if (f.fromMs !== undefined) {
    where.push('received_at >= ?');
    params.push(ms(f.fromMs, 'fromMs'));
  }
  const bounds: [string, number | undefined][] = [['toMs', f.toMs]];
  if (paging) bounds.push(['beforeMs', f.beforeMs]);
  for (const [bound, value] of bounds) {
    if (value === undefined) continue;
    where.push('received_at < ?');
    params.push(ms(value, bound));
  }
  if (paging && f.after !== undefined) {
    // Rows after this one in the order of `search` (received_at, then event_id, both descending).
    where.push('(received_at < ? OR (received_at = ? AND event_id < ?))');
    const at = ms(f.after.receivedAt, 'after.receivedAt');
    params.push(at, at, f.after.eventId);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export function searchQuery(f: SearchFilters): Query {
  const { sql, params } = searchWhere(f, true);
  const limit = f.limit === undefined || !Number.isFinite(f.limit)
    ? SEARCH_DEFAULT_LIMIT
    : Math.min(SEARCH_MAX_LIMIT, Math.max(1, Math.floor(f.limit)));
  return {
    sql: `SELECT ${CALL_COLUMNS} FROM hook_calls ${sql}
      ORDER BY received_at DESC, event_id DESC LIMIT ?`,
    params: [...params, limit],
  };
}

/** How many calls match the filters of `search`, whatever the page (limit and cursors ignored). */
export function countQuery(f: SearchFilters): Query {
  const { sql, params } = searchWhere(f, false);
  return { sql: `SELECT COUNT(*) AS n FROM hook_calls ${sql}`, params };
}

export interface CallDbRow {
  event_id: string;
  received_at: number | string;
  state: string;
  request_type: string;
  channel: string;
  phone_masked: string;
  phone_hash: string;
  country: string | null;
  user_id: string | null;
  login: string | null;
  locale: string;
  preview: number;
  status: string | null;
  reason: string | null;
  blocked_by: string | null;
  provider: string | null;
  transaction_id: string | null;
  attempts: string | null;
  attempt_count: number;
  latency_ms: number | null;
  completed_at: number | string | null;
  receipt_status: string | null;
  receipt_provider_status: string | null;
  receipt_code: string | null;
  receipt_at: number | string | null;
  verified_at: number | string | null;
  verified_by: string | null;
  verify_basis: string | null;
  verify_failures: number | string | null;
  verify_failed_at: number | string | null;
  resend_state: string | null;
  resend_at: number | string | null;
  resend_provider: string | null;
  resend_transaction_id: string | null;
  resend_receipt_status: string | null;
  resend_receipt_provider_status: string | null;
  resend_receipt_code: string | null;
  resend_receipt_at: number | string | null;
  feedback_status: string | null;
  feedback_at: number | string | null;
  feedback_code: string | null;
  feedback_tries: number | string | null;
}

export function toCallRow(r: CallDbRow): CallRow {
  const row: CallRow = {
    eventId: r.event_id,
    receivedAt: Number(r.received_at),
    state: r.state === 'done' ? 'done' : 'pending',
    requestType: r.request_type as RequestType,
    channel: r.channel as Channel,
    phoneMasked: r.phone_masked,
    phoneHash: r.phone_hash,
    locale: r.locale,
    preview: Number(r.preview) === 1,
    attempts: r.attempts ? (JSON.parse(r.attempts) as Attempt[]) : [],
    attemptCount: Number(r.attempt_count),
  };
  // Absent rather than null, like the records the store was given.
  if (r.country !== null) row.country = r.country;
  if (r.user_id !== null) row.userId = r.user_id;
  if (r.login !== null) row.login = r.login;
  if (r.status !== null) row.status = r.status as Status;
  if (r.reason !== null) row.reason = r.reason as FailureReason;
  if (r.blocked_by !== null) row.blockedBy = r.blocked_by;
  if (r.provider !== null) row.provider = r.provider;
  if (r.transaction_id !== null) row.transactionId = r.transaction_id;
  if (r.latency_ms !== null) row.latencyMs = Number(r.latency_ms);
  if (r.completed_at !== null) row.completedAt = Number(r.completed_at);
  if (r.receipt_status !== null) row.receiptStatus = r.receipt_status as ReceiptStatus;
  if (r.receipt_provider_status !== null) row.receiptProviderStatus = r.receipt_provider_status;
  if (r.receipt_code !== null) row.receiptCode = r.receipt_code;
  if (r.receipt_at !== null) row.receiptAt = Number(r.receipt_at);
  if (r.verified_at !== null) row.verifiedAt = Number(r.verified_at);
  if (r.verified_by !== null) row.verifiedBy = r.verified_by;
  if (r.verify_basis !== null) row.verifyBasis = r.verify_basis as NonNullable<CallRow['verifyBasis']>;
  if (Number(r.verify_failures ?? 0) > 0) row.verifyFailures = Number(r.verify_failures);
  if (r.verify_failed_at !== null) row.verifyFailedAt = Number(r.verify_failed_at);
  if (r.resend_state !== null) row.resendState = r.resend_state as ResendState;
  if (r.resend_at !== null) row.resendAt = Number(r.resend_at);
  if (r.resend_provider !== null) row.resendProvider = r.resend_provider;
  if (r.resend_transaction_id !== null) row.resendTransactionId = r.resend_transaction_id;
  if (r.resend_receipt_status !== null) row.resendReceiptStatus = r.resend_receipt_status as ReceiptStatus;
  if (r.resend_receipt_provider_status !== null) row.resendReceiptProviderStatus = r.resend_receipt_provider_status;
  if (r.resend_receipt_code !== null) row.resendReceiptCode = r.resend_receipt_code;
  if (r.resend_receipt_at !== null) row.resendReceiptAt = Number(r.resend_receipt_at);
  if (r.feedback_status !== null) row.feedbackStatus = r.feedback_status as FeedbackStatus;
  if (r.feedback_at !== null) row.feedbackAt = Number(r.feedback_at);
  if (r.feedback_code !== null) row.feedbackCode = r.feedback_code;
  if (Number(r.feedback_tries ?? 0) > 0) row.feedbackTries = Number(r.feedback_tries);
  return row;
}

export function timelineQuery(opts: Period & { bucketMs: number; by: 'provider' | 'channel' }): Query {
  if (opts.by !== 'provider' && opts.by !== 'channel') throw new RangeError(`cannot chart by ${String(opts.by)}`);
  if (!Number.isSafeInteger(opts.bucketMs) || opts.bucketMs <= 0) throw new RangeError('bucketMs must be a positive whole number of milliseconds');
  const done = doneIn(opts);
  return {
    // `x - x % n` floors on both databases (received_at is positive), whatever type the driver binds n as.
    sql: `
      SELECT received_at - received_at % ? AS bucket, ${GROUP_KEYS[opts.by]} AS group_key,
        COUNT(*) AS executions,
        SUM(CASE WHEN status = 'SUCCESSFUL' THEN 1 ELSE 0 END) AS successes
      FROM hook_calls
      WHERE ${done.sql}
      GROUP BY bucket, group_key
      ORDER BY bucket, group_key`,
    params: [opts.bucketMs, ...done.params],
  };
}

export function toTimelineRow(r: { bucket: number | string; group_key: string; executions: number | string; successes: number | string | null }): TimelineRow {
  return { bucket: Number(r.bucket), key: r.group_key, executions: Number(r.executions), successes: Number(r.successes ?? 0) };
}

/**
 * Attempts of completed calls since a time, per provider, outcome and category. The attempts are a
 * JSON list in each row; the databases read JSON differently, so this one query has two forms.
 */
export function attemptCountsQuery(period: Period, dialect: 'sqlite' | 'postgres'): Query {
  const done = doneIn(period);
  const sql = dialect === 'sqlite'
    ? `SELECT json_extract(a.value, '$.provider') AS provider, json_extract(a.value, '$.ok') AS ok,
         json_extract(a.value, '$.category') AS category, COUNT(*) AS n, SUM(json_extract(a.value, '$.ms')) AS total_ms
       FROM hook_calls, json_each(hook_calls.attempts) AS a
       WHERE ${done.sql}
       GROUP BY 1, 2, 3`
    : `SELECT a->>'provider' AS provider, (a->>'ok')::boolean AS ok, a->>'category' AS category,
         COUNT(*) AS n, SUM((a->>'ms')::numeric) AS total_ms
       FROM hook_calls, jsonb_array_elements(hook_calls.attempts::jsonb) AS a
       WHERE ${done.sql}
       GROUP BY 1, 2, 3`;
  return { sql, params: done.params };
}

/** Receipts of completed calls since a time, per answering provider and receipt status, and likewise of their resends. */
export function receiptCountsQuery(period: Period): Query {
  const done = doneIn(period);
  return {
    sql: `
      SELECT provider, receipt_status, COUNT(*) AS n
      FROM hook_calls
      WHERE ${done.sql} AND provider IS NOT NULL AND receipt_status IS NOT NULL
      GROUP BY provider, receipt_status
      UNION ALL
      SELECT resend_provider, resend_receipt_status, COUNT(*) AS n
      FROM hook_calls
      WHERE ${done.sql} AND resend_provider IS NOT NULL AND resend_receipt_status IS NOT NULL
      GROUP BY resend_provider, resend_receipt_status`,
    params: [...done.params, ...done.params],
  };
}

export interface AttemptCountRow { provider: string | null; ok: number | boolean | null; category: string | null; n: number | string; total_ms: number | string | null }
export interface ReceiptCountRow { provider: string; receipt_status: string; n: number | string }

/** The two counts above, as one record per provider, most attempts first. */
export function toProviderStats(attempts: AttemptCountRow[], receipts: ReceiptCountRow[]): ProviderStats[] {
  type Counting = Omit<ProviderStats, 'acceptedRate' | 'deliveredRate'> & { totalMs: number };
  const by = new Map<string, Counting>();
  const of = (provider: string): Counting => {
    let s = by.get(provider);
    if (!s) {
      s = { provider, attempts: 0, accepted: 0, failed: 0, failedBy: {}, avgMs: null, receipts: { sent: 0, delivered: 0, undelivered: 0, failed: 0 }, totalMs: 0 };
      by.set(provider, s);
    }
    return s;
  };
  for (const r of attempts) {
    const s = of(r.provider ?? 'unknown');
    const n = Number(r.n);
    s.attempts += n;
    s.totalMs += Number(r.total_ms ?? 0);
    if (r.ok === true || Number(r.ok) === 1) s.accepted += n;
    else {
      s.failed += n;
      const category = r.category ?? 'unknown';
      s.failedBy[category] = (s.failedBy[category] ?? 0) + n;
    }
  }
  for (const r of receipts) {
    const status = r.receipt_status as ReceiptStatus;
    if (status in of(r.provider).receipts) of(r.provider).receipts[status] += Number(r.n);
  }
  return [...by.values()]
    .map(({ totalMs, ...s }): ProviderStats => {
      const final = s.receipts.delivered + s.receipts.undelivered + s.receipts.failed;
      return {
        ...s,
        avgMs: s.attempts ? Math.round(totalMs / s.attempts) : null,
        acceptedRate: s.attempts ? s.accepted / s.attempts : null,
        deliveredRate: final ? s.receipts.delivered / final : null,
      };
    })
    .sort((a, b) => b.attempts - a.attempts || a.provider.localeCompare(b.provider));
}

/** Calls the guard refused (FAILED, reason blocked) since a time, counted per rule, most first. */
export function blockCountsQuery(period: Period): Query {
  const done = doneIn(period);
  return {
    sql: `
      SELECT COALESCE(blocked_by, 'unknown') AS rule, COUNT(*) AS count, MAX(received_at) AS last_at
      FROM hook_calls
      WHERE ${done.sql} AND status = 'FAILED' AND reason = 'blocked'
      GROUP BY rule
      ORDER BY count DESC, rule`,
    params: done.params,
  };
}

export function toBlockCount(r: { rule: string; count: number | string; last_at: number | string }): BlockCount {
  return { rule: r.rule, count: Number(r.count), lastAt: Number(r.last_at) };
}

/** The latencies `latencyPercentiles` ranks: successful, completed calls, as `summary` averages them. */
export function latencyWhere(period: Period): Query {
  const done = doneIn(period);
  return { sql: `${done.sql} AND status = 'SUCCESSFUL' AND latency_ms IS NOT NULL`, params: done.params };
}

export const PERCENTILES = { p50: 0.5, p90: 0.9, p99: 0.99 } as const;

/**
 * Nearest rank (1-based) of the p-th percentile of n values: the first value whose cumulative share
 * reaches p. Exactly what PostgreSQL's percentile_disc computes (ceil(p * n) in double precision).
 */
export function nearestRank(p: number, n: number): number {
  return Math.max(1, Math.ceil(p * n));
}


// --- Conversion: codes sent against codes used (okta/events) ---

/** Calls that sent a code: completed, not Okta's Preview, not FAILED (nothing went out). */
const SENT_SINCE = "state = 'done' AND received_at >= ? AND preview = 0 AND status <> 'FAILED'";
/** Most verification times read for the medians (the newest). */
export const MEDIAN_SAMPLE_LIMIT = 100_000;

function conversionKey(by: ConversionBy | undefined): string {
  if (by !== undefined && !(by in GROUP_KEYS)) throw new RangeError(`cannot group conversion by ${String(by)}`);
  return by ? GROUP_KEYS[by] : "'all'";
}

export function conversionQuery(opts: { sinceMs: number; by?: ConversionBy }): Query {
  const key = conversionKey(opts.by);
  return {
    sql: `
      SELECT ${key} AS group_key, COUNT(*) AS sent,
        SUM(CASE WHEN verified_at IS NOT NULL THEN 1 ELSE 0 END) AS verified,
        SUM(verify_failures) AS failed_attempts
      FROM hook_calls WHERE ${SENT_SINCE}
      ${opts.by ? 'GROUP BY group_key ORDER BY sent DESC, group_key' : ''}`,
    params: [ms(opts.sinceMs, 'sinceMs')],
  };
}

export function verifyTimesQuery(opts: { sinceMs: number; by?: ConversionBy }): Query {
  return {
    sql: `SELECT ${conversionKey(opts.by)} AS group_key, verified_at - received_at AS ms FROM hook_calls
      WHERE ${SENT_SINCE} AND verified_at IS NOT NULL ORDER BY received_at DESC LIMIT ${MEDIAN_SAMPLE_LIMIT}`,
    params: [ms(opts.sinceMs, 'sinceMs')],
  };
}

export interface ConversionDbRow { group_key: string; sent: number | string; verified: number | string | null; failed_attempts: number | string | null }

/** The rows with their rates and medians (a verification before the send, by clock skew, counts as 0 ms). */
export function toConversionRows(rows: ConversionDbRow[], times: { group_key: string; ms: number | string }[], by: ConversionBy | undefined): ConversionRow[] {
  const byKey = new Map<string, number[]>();
  for (const t of times) {
    const list = byKey.get(t.group_key) ?? [];
    list.push(Math.max(0, Number(t.ms)));
    byKey.set(t.group_key, list);
  }
  const out = rows.map((r): ConversionRow => {
    const sent = Number(r.sent);
    const verified = Number(r.verified ?? 0);
    return {
      key: r.group_key, sent, verified, failedAttempts: Number(r.failed_attempts ?? 0),
      conversionRate: sent > 0 ? Math.round((verified / sent) * 10_000) / 10_000 : null,
      medianVerifyMs: median(byKey.get(r.group_key) ?? []),
    };
  });
  // Without grouping, one row keyed `all` even when nothing was sent.
  if (!by && out.length === 0) out.push({ key: 'all', sent: 0, verified: 0, failedAttempts: 0, conversionRate: null, medianVerifyMs: null });
  return out;
}

/** What each provider delivered per country and channel: one aggregate over the window, read periodically, never per request. */
export function routeStatsQuery(sinceMs: number, untilMs = Number.MAX_SAFE_INTEGER): Query {
  return {
    sql: `
      SELECT provider, ${GROUP_KEYS.country} AS country, channel, COUNT(*) AS sent,
        SUM(CASE WHEN receipt_status IN ('delivered', 'undelivered', 'failed') THEN 1 ELSE 0 END) AS receipted,
        SUM(CASE WHEN receipt_status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
        SUM(CASE WHEN verified_at IS NOT NULL THEN 1 ELSE 0 END) AS verified
      FROM hook_calls WHERE ${SENT_SINCE} AND received_at < ? AND provider IS NOT NULL
      GROUP BY provider, ${GROUP_KEYS.country}, channel
      ORDER BY sent DESC, provider, country, channel`,
    params: [ms(sinceMs, 'sinceMs'), ms(untilMs, 'untilMs')],
  };
}

export interface RouteStatsDbRow { provider: string; country: string; channel: string; sent: number | string; receipted: number | string | null; delivered: number | string | null; verified: number | string | null }

export function toRouteStats(r: RouteStatsDbRow): RouteStats {
  return {
    provider: r.provider, country: r.country, channel: r.channel as Channel,
    sent: Number(r.sent), receipted: Number(r.receipted ?? 0), delivered: Number(r.delivered ?? 0), verified: Number(r.verified ?? 0),
  };
}

/** The middle value (the lower of the two middle ones for an even count, as nearestRank(0.5) picks). */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[nearestRank(0.5, sorted.length) - 1]!);
}
