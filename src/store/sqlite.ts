import type Database from 'better-sqlite3';
import { MIGRATIONS_TABLE, migrationSql, migrations } from './migrations.js';
import {
  ANSWER_SQL, PERCENTILES, answerFromRow, attemptCountsQuery, blockCountsQuery, claimParams, completeParams, conversionQuery,
  countQuery, latencyWhere, nearestRank, receiptCountsQuery, receiptParams, searchQuery, summaryQuery, timelineQuery, toBlockCount, toCallRow,
  routeStatsQuery, toConversionRows, toProviderStats, toRouteStats, toSummaryRow, toTimelineRow, verifyTimesQuery, type AttemptCountRow, type CallDbRow,
  type ConversionDbRow, type Param, type ReceiptCountRow, type RouteStatsDbRow, type SummaryDbRow,
} from './sql.js';
import { createEventInbox, type SqlDb } from './okta-events.js';
import { createAuditLog } from './audit.js';
import { createResendLog } from './resends.js';
import { createFeedbackLog } from './feedback.js';
import type { CallRecord, CallResult, Claim, DeliveryStore, LatencyPercentiles, Period } from './types.js';
import { openSqlite } from './sqlite-file.js';
import type { ClaimedRow } from './sqlite-writer.js';
import { WriterThread } from './sqlite-writes.js';
import { privateFolder, privateSqliteFile } from './private-files.js';

/**
 * The default delivery log: one SQLite file in WAL mode. Reads run on this thread; writes go to a
 * writer thread (sqlite-writer.ts), so that commits and WAL checkpoints never hold up the event loop.
 *
 * Durability: a write's promise resolves only once its transaction has committed, so when `claim()` or
 * `complete()` resolves its row is in the WAL file. With synchronous = NORMAL the WAL is not fsync'ed at
 * each commit, but it has been written to the OS: a process killed with SIGKILL keeps every committed row;
 * only a power loss or kernel crash can lose the last commits.
 *
 * Group commit: the writes asked for during one turn of the event loop go to the writer as one batch and
 * share one transaction. A commit writes every page it touched (the row's and each index's) to the WAL,
 * so a commit of many claims and completes costs little more than a commit of one.
 */
export async function openSqliteStore(path: string): Promise<DeliveryStore> {
  if (path === ':memory:') throw new Error('the SQLite delivery log needs a file (store.path), not :memory:');
  privateFolder(path);
  privateSqliteFile(path);
  const db = openSqlite(path);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  const selectAnswer = db.prepare<[string], ClaimedRow>(ANSWER_SQL);
  const writer = new WriterThread(path);
  let closed = false;

  const answerOf = (eventId: string) => answerFromRow(selectAnswer.get(eventId));
  const all = <T>(q: { sql: string; params: Param[] }): T[] => db.prepare<Param[], T>(q.sql).all(...q.params);

  // Nearest-rank percentiles without a percentile function: count, then fetch each rank with LIMIT 1 OFFSET,
  // sorting from whichever end is nearer so the sorter keeps few rows. One read transaction: one snapshot.
  const percentiles = db.transaction((period: Period): LatencyPercentiles | null => {
    const { sql: where, params } = latencyWhere(period);
    const { n } = db.prepare<Param[], { n: number }>(`SELECT COUNT(*) AS n FROM hook_calls WHERE ${where}`).get(...params)!;
    if (n === 0) return null;
    const asc = db.prepare<Param[], { latency_ms: number }>(
      `SELECT latency_ms FROM hook_calls WHERE ${where} ORDER BY latency_ms ASC LIMIT 1 OFFSET ?`);
    const desc = db.prepare<Param[], { latency_ms: number }>(
      `SELECT latency_ms FROM hook_calls WHERE ${where} ORDER BY latency_ms DESC LIMIT 1 OFFSET ?`);
    const at = (p: number): number => {
      const rank = nearestRank(p, n);
      const row = rank - 1 <= n - rank ? asc.get(...params, rank - 1) : desc.get(...params, n - rank);
      return row!.latency_ms;
    };
    return { p50: at(PERCENTILES.p50), p90: at(PERCENTILES.p90), p99: at(PERCENTILES.p99) };
  });

  const sqlDb: SqlDb = {
    all: async (q) => all(q),
    steps: (list, guarded) => writer.write<number[]>({ kind: 'steps', steps: list, guarded }),
  };

  return {
    events: createEventInbox(sqlDb),
    audit: createAuditLog(sqlDb),
    resends: createResendLog(sqlDb),
    feedback: createFeedbackLog(sqlDb),
    async claim(r: CallRecord): Promise<Claim> {
      const held = await writer.write<ClaimedRow | null>({ kind: 'claim', params: claimParams(r), eventId: r.eventId });
      return held === null ? { claimed: true } : { claimed: false, answer: answerFromRow(held) };
    },
    async complete(eventId: string, r: CallResult) {
      await writer.write<null>({ kind: 'complete', params: completeParams(eventId, r) });
    },
    async answerOf(eventId: string) {
      return answerOf(eventId);
    },
    recordReceipt(provider, r) {
      return writer.write<number>({ kind: 'receipt', params: receiptParams(provider, r) });
    },
    async summary(opts) {
      return all<SummaryDbRow>(summaryQuery(opts)).map(toSummaryRow);
    },
    async search(filters) {
      return all<CallDbRow>(searchQuery(filters)).map(toCallRow);
    },
    async count(filters) {
      return Number(all<{ n: number }>(countQuery(filters))[0]?.n ?? 0);
    },
    async timeline(opts) {
      return all<Parameters<typeof toTimelineRow>[0]>(timelineQuery(opts)).map(toTimelineRow);
    },
    async latencyPercentiles(sinceMs, untilMs) {
      return percentiles({ sinceMs, untilMs });
    },
    async conversion(opts) {
      // One read transaction: the counts and the medians from one snapshot.
      return db.transaction(() => toConversionRows(all<ConversionDbRow>(conversionQuery(opts)), all(verifyTimesQuery(opts)), opts.by))();
    },
    async providerStats(sinceMs, untilMs) {
      const period = { sinceMs, untilMs };
      return toProviderStats(all<AttemptCountRow>(attemptCountsQuery(period, 'sqlite')), all<ReceiptCountRow>(receiptCountsQuery(period)));
    },
    async routeStats(sinceMs, untilMs) {
      return all<RouteStatsDbRow>(routeStatsQuery(sinceMs, untilMs)).map(toRouteStats);
    },
    async blockCounts(sinceMs, untilMs) {
      return all<Parameters<typeof toBlockCount>[0]>(blockCountsQuery({ sinceMs, untilMs })).map(toBlockCount);
    },
    async ping() {
      if (closed) throw new Error('the delivery log is closed');
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      await writer.close();
      db.close();
    },
  };
}

/**
 * Applies the missing steps in one write transaction taken up front (BEGIN IMMEDIATE): a second process
 * opening the same file waits for the first (busy_timeout), then finds every step recorded.
 */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(MIGRATIONS_TABLE);
    const applied = new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version));
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      db.exec(migrationSql(m, 'sqlite'));
      record.run(m.version, m.name, Date.now());
    }
  }).immediate();
}
