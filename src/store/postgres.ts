import pg from 'pg';
import { MIGRATIONS_TABLE, migrationSql, migrations } from './migrations.js';
import {
  ANSWER_SQL, PERCENTILES, RECEIPT_SQL, RESEND_RECEIPT_SQL, answerFromRow, attemptCountsQuery, blockCountsQuery, conversionQuery, countQuery, latencyWhere,
  numbered, receiptCountsQuery, receiptParams, searchQuery, summaryQuery, timelineQuery, toBlockCount, toCallRow, toConversionRows,
  routeStatsQuery, toProviderStats, toRouteStats, toSummaryRow, toTimelineRow, verifyTimesQuery, type AttemptCountRow, type CallDbRow,
  type ConversionDbRow, type Param, type Query, type ReceiptCountRow, type RouteStatsDbRow, type SummaryDbRow,
} from './sql.js';
import { postgresWrites } from './postgres-writes.js';
import { createEventInbox } from './okta-events.js';
import { createAuditLog } from './audit.js';
import { createResendLog } from './resends.js';
import { createFeedbackLog } from './feedback.js';
import type { CallRecord, CallResult, Claim, DeliveryStore } from './types.js';

export interface PostgresStoreOptions {
  /** Connections kept by this instance for claims and reads (default 10), plus a quarter as many for completions. */
  poolSize?: number;
  /** Told about errors of idle connections (the server restarted, the network dropped); the pool replaces them. */
  onError?: (err: Error) => void;
}

/** Two-key advisory lock namespace of the migrations ("BYOT"); the second key is the schema migrated. */
const MIGRATION_LOCK = 0x42594f54;

const { builtins } = pg.types;
// Epoch milliseconds (BIGINT) and sums (NUMERIC) come back as numbers, for this pool only: the global
// parsers of node-postgres are left alone for whoever else uses it in the process.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === builtins.INT8 || oid === builtins.NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The delivery log in PostgreSQL, for several gateway instances sharing one database. The schema is the
 * one of the SQLite store (migrations.ts), applied at start in one transaction under an advisory lock.
 *
 * Durability. Every write is a single autocommitted statement (the hook's claims and completions of one
 * event-loop turn batched into one, postgres-writes.ts) whose promise resolves only once the server
 * acknowledged the commit.
 *  - A claim commits with synchronous_commit on (the default): its WAL record is flushed when `claim()`
 *    resolves, so it survives a kill of the gateway and a crash of the server, and a send is never
 *    repeated for its eventId.
 *  - A completion commits on connections with synchronous_commit off, as the SQLite log commits with
 *    synchronous = NORMAL: when `complete()` resolves the server holds the row, so a kill of the gateway
 *    cannot lose it (the SIGKILL test); a crash of the server itself within a fraction of a second
 *    (wal_writer_delay) can, leaving the call `pending` with its eventId still claimed: nothing is sent
 *    twice. It saves a WAL flush per hook call (about 1 ms on the development machine).
 *
 * Round trips per hook call: one for the claim, one for the completion, each a prepared statement
 * (a repeated eventId adds the lookup of its answer).
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<DeliveryStore> {
  const poolSize = opts.poolSize ?? 10;
  const options: pg.PoolConfig = {
    connectionString: url,
    // A hook call has 3 seconds in all: fail fast rather than queue behind a dead server.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types,
  };
  const pool = new pg.Pool({ ...options, max: poolSize });
  // Completions only: one statement per event-loop turn needs few connections.
  const outcomes = new pg.Pool({ ...options, max: Math.max(1, Math.ceil(poolSize / 4)) });
  outcomes.on('connect', (client) => {
    // Queued before any query the pool then runs on this connection; see Durability above.
    client.query('SET synchronous_commit = off').catch((err: Error) => opts.onError?.(err));
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => opts.onError?.(err));
  outcomes.on('error', (err) => opts.onError?.(err));
  try {
    await migrate(pool);
  } catch (err) {
    await Promise.all([pool.end(), outcomes.end()]).catch(() => undefined);
    throw err;
  }

  let closed = false;
  const run = (sql: string, params: Param[]) => pool.query(numbered(sql), params);
  const rows = async <T>(q: Query): Promise<T[]> => (await run(q.sql, q.params)).rows as T[];
  // Prepared once per connection, as the hook's writes are.
  const answerStatement = { name: 'byot_answer', text: numbered(ANSWER_SQL) };
  const receiptStatement = { name: 'byot_receipt', text: numbered(RECEIPT_SQL) };
  const resendReceiptStatement = { name: 'byot_resend_receipt', text: numbered(RESEND_RECEIPT_SQL) };
  const answerOf = async (eventId: string) =>
    answerFromRow((await pool.query<{ state: string; answer: string | null }>({ ...answerStatement, values: [eventId] })).rows[0]);
  const writes = postgresWrites(pool, outcomes);

  /** Statements in one transaction on one connection (see SqlDb in okta-events.ts). */
  function steps(list: Query[], guarded: boolean): Promise<number[]> {
    return inTransaction(pool, async (client) => {
      const changes: number[] = [];
      for (const step of list) {
        changes.push((await client.query(numbered(step.sql), step.params)).rowCount ?? 0);
        if (guarded && changes.length === 1 && changes[0] !== 1) break;
      }
      return changes;
    });
  }
  return {
    events: createEventInbox({ all: rows, steps }),
    audit: createAuditLog({ all: rows, steps }),
    resends: createResendLog({ all: rows, steps }),
    feedback: createFeedbackLog({ all: rows, steps }),
    async claim(r: CallRecord): Promise<Claim> {
      return (await writes.claim(r)) ? { claimed: true } : { claimed: false, answer: await answerOf(r.eventId) };
    },
    async complete(eventId: string, r: CallResult) {
      // Durable once this resolves (see above).
      await writes.complete(eventId, r);
    },
    answerOf,
    async recordReceipt(provider, r) {
      const values = receiptParams(provider, r);
      // Of a call's answer or of its resend; the same id is never both.
      const [answer, resend] = await Promise.all([pool.query({ ...receiptStatement, values }), pool.query({ ...resendReceiptStatement, values })]);
      return (answer.rowCount ?? 0) + (resend.rowCount ?? 0);
    },
    async summary(opts) {
      return (await rows<SummaryDbRow>(summaryQuery(opts))).map(toSummaryRow);
    },
    async search(filters) {
      return (await rows<CallDbRow>(searchQuery(filters))).map(toCallRow);
    },
    async count(filters) {
      return Number((await rows<{ n: number }>(countQuery(filters)))[0]?.n ?? 0);
    },
    async timeline(opts) {
      return (await rows<Parameters<typeof toTimelineRow>[0]>(timelineQuery(opts))).map(toTimelineRow);
    },
    async latencyPercentiles(sinceMs, untilMs) {
      // percentile_disc is the nearest-rank percentile the SQLite store computes by hand.
      const where = latencyWhere({ sinceMs, untilMs });
      const [row] = await rows<{ p: number[] | null }>({
        sql: `SELECT percentile_disc(ARRAY[${PERCENTILES.p50}, ${PERCENTILES.p90}, ${PERCENTILES.p99}]::float8[])
                WITHIN GROUP (ORDER BY latency_ms) AS p
              FROM hook_calls WHERE ${where.sql}`,
        params: where.params,
      });
      const p = row?.p;
      return p ? { p50: Number(p[0]), p90: Number(p[1]), p99: Number(p[2]) } : null;
    },
    async conversion(opts) {
      const [counts, times] = await Promise.all([rows<ConversionDbRow>(conversionQuery(opts)), rows<{ group_key: string; ms: number }>(verifyTimesQuery(opts))]);
      return toConversionRows(counts, times, opts.by);
    },
    async providerStats(sinceMs, untilMs) {
      const period = { sinceMs, untilMs };
      const [attempts, receipts] = await Promise.all([
        rows<AttemptCountRow>(attemptCountsQuery(period, 'postgres')),
        rows<ReceiptCountRow>(receiptCountsQuery(period)),
      ]);
      return toProviderStats(attempts, receipts);
    },
    async routeStats(sinceMs, untilMs) {
      return (await rows<RouteStatsDbRow>(routeStatsQuery(sinceMs, untilMs))).map(toRouteStats);
    },
    async blockCounts(sinceMs, untilMs) {
      return (await rows<Parameters<typeof toBlockCount>[0]>(blockCountsQuery({ sinceMs, untilMs }))).map(toBlockCount);
    },
    async ping() {
      if (closed) throw new Error('the delivery log is closed');
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await writes.drain();
      await Promise.all([pool.end(), outcomes.end()]);
    },
  };
}

/**
 * Applies the missing steps in one transaction. The transaction-scoped advisory lock (keyed on the schema,
 * so separate schemas do not wait for each other) makes a second instance starting at the same moment wait,
 * then find every step recorded; the lock is released by COMMIT or ROLLBACK.
 */
function migrate(pool: pg.Pool): Promise<void> {
  return inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1::int4, hashtext(COALESCE(current_schema(), '')))", [MIGRATION_LOCK]);
    await client.query(MIGRATIONS_TABLE);
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query(migrationSql(m, 'postgres'));
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
    }
  });
}

/** `work` in one transaction on one connection of `pool`: committed when it resolves, rolled back when it throws. */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    }
  } finally {
    // A connection that could not even roll back is discarded, not returned to the pool.
    client.release(broken);
  }
}
