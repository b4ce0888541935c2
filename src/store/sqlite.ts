import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS_TABLE, migrationSql, migrations } from './migrations.js';
import {
  ANSWER_SQL, CLAIM_SQL, COMPLETE_SQL, LATENCY_WHERE, PERCENTILES, RECEIPT_SQL, answerFromRow, claimParams, completeParams,
  latencyParams, nearestRank, receiptParams, searchQuery, summaryQuery, timelineQuery, toCallRow, toSummaryRow, toTimelineRow,
  type CallDbRow, type Param, type SummaryDbRow,
} from './sql.js';
import type { CallRecord, CallResult, Claim, DeliveryStore, LatencyPercentiles } from './types.js';

/**
 * The default delivery log: one SQLite file in WAL mode.
 *
 * Durability: a write's promise resolves only once its transaction has committed, so when `claim()` or
 * `complete()` resolves its row is in the WAL file. With synchronous = NORMAL the WAL is not fsync'ed at
 * each commit, but it has been written to the OS: a process killed with SIGKILL keeps every committed row;
 * only a power loss or kernel crash can lose the last commits.
 *
 * Group commit: the writes asked for during one turn of the event loop share one transaction, run just
 * after it (setImmediate). A commit writes every page it touched (the row's and each index's) to the
 * WAL, so a commit of many claims and completes costs little more than a commit of one.
 */
export function openSqliteStore(path: string): DeliveryStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // First, so that another process switching the file to WAL or migrating makes this one wait, not fail.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  const insert = db.prepare<Param[]>(CLAIM_SQL);
  const selectAnswer = db.prepare<[string], { state: string; answer: string | null }>(ANSWER_SQL);
  const update = db.prepare<Param[]>(COMPLETE_SQL);
  const receipt = db.prepare<Param[]>(RECEIPT_SQL);
  const writes = new GroupCommit(db);
  let closed = false;

  const answerOf = (eventId: string) => answerFromRow(selectAnswer.get(eventId));
  const all = <T>(q: { sql: string; params: Param[] }): T[] => db.prepare<Param[], T>(q.sql).all(...q.params);

  // Nearest-rank percentiles without a percentile function: count, then fetch each rank with LIMIT 1 OFFSET,
  // sorting from whichever end is nearer so the sorter keeps few rows. One read transaction: one snapshot.
  const percentiles = db.transaction((sinceMs: number): LatencyPercentiles | null => {
    const params = latencyParams(sinceMs);
    const { n } = db.prepare<Param[], { n: number }>(`SELECT COUNT(*) AS n FROM hook_calls WHERE ${LATENCY_WHERE}`).get(...params)!;
    if (n === 0) return null;
    const asc = db.prepare<Param[], { latency_ms: number }>(
      `SELECT latency_ms FROM hook_calls WHERE ${LATENCY_WHERE} ORDER BY latency_ms ASC LIMIT 1 OFFSET ?`);
    const desc = db.prepare<Param[], { latency_ms: number }>(
      `SELECT latency_ms FROM hook_calls WHERE ${LATENCY_WHERE} ORDER BY latency_ms DESC LIMIT 1 OFFSET ?`);
    const at = (p: number): number => {
      const rank = nearestRank(p, n);
      const row = rank - 1 <= n - rank ? asc.get(...params, rank - 1) : desc.get(...params, n - rank);
      return row!.latency_ms;
    };
    return { p50: at(PERCENTILES.p50), p90: at(PERCENTILES.p90), p99: at(PERCENTILES.p99) };
  });

  return {
    claim(r: CallRecord): Promise<Claim> {
      const params = claimParams(r);
      return writes.run((): Claim => insert.run(...params).changes === 1
        ? { claimed: true }
        : { claimed: false, answer: answerOf(r.eventId) });
    },
    async complete(eventId: string, r: CallResult) {
      const params = completeParams(eventId, r);
      await writes.run(() => update.run(...params));
    },
    async answerOf(eventId: string) {
      return answerOf(eventId);
    },
    recordReceipt(provider, r) {
      const params = receiptParams(provider, r);
      return writes.run(() => receipt.run(...params).changes);
    },
    async summary(opts) {
      return all<SummaryDbRow>(summaryQuery(opts)).map(toSummaryRow);
    },
    async search(filters) {
      return all<CallDbRow>(searchQuery(filters)).map(toCallRow);
    },
    async timeline(opts) {
      return all<Parameters<typeof toTimelineRow>[0]>(timelineQuery(opts)).map(toTimelineRow);
    },
    async latencyPercentiles(sinceMs) {
      return percentiles(sinceMs);
    },
    async ping() {
      if (closed) throw new Error('the delivery log is closed');
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      writes.flush();
      db.close();
    },
  };
}

interface PendingWrite {
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** The writes of one event-loop turn, committed together (see openSqliteStore). */
class GroupCommit {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private readonly commit: (batch: PendingWrite[]) => Outcome[];

  constructor(db: Database.Database) {
    const transaction = db.transaction((batch: PendingWrite[]) => {
      const outcomes = batch.map((w): Outcome => {
        try {
          return { ok: true, value: w.op() };
        } catch (err) {
          return { ok: false, err };
        }
      });
      // A failed statement may have rolled the whole transaction back (SQLITE_FULL, IOERR):
      // then nothing in the batch was written, and every write must fail.
      if (!db.inTransaction) throw new Error('the delivery log rolled back a group of writes');
      return outcomes;
    });
    // BEGIN IMMEDIATE: the write lock is taken (or waited for, busy_timeout) before the first write.
    this.commit = transaction.immediate;
  }

  run<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued; each write's promise settles after the commit. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.commit(batch);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.err);
    });
  }
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
