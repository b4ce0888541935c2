import pg from 'pg';
import { MIGRATIONS_TABLE, migrationSql, migrations } from './migrations.js';
import {
  ANSWER_SQL, CLAIM_SQL, blockCountsQuery, toBlockCount, attemptCountsQuery, receiptCountsQuery, toProviderStats,
  type AttemptCountRow, type ReceiptCountRow, COMPLETE_SQL, LATENCY_WHERE, PERCENTILES, RECEIPT_SQL, answerFromRow, claimParams, completeParams,
  latencyParams, numbered, receiptParams, searchQuery, summaryQuery, timelineQuery, toCallRow, toSummaryRow, toTimelineRow,
  type CallDbRow, type Param, type Query, type SummaryDbRow,
} from './sql.js';
import type { CallRecord, CallResult, Claim, DeliveryStore } from './types.js';

export interface PostgresStoreOptions {
  /** Connections kept by this instance (default 10). */
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
 * Durability: every write is a single autocommitted statement, and its promise resolves only once the
 * server acknowledged the commit, which (synchronous_commit = on, the default) means the WAL record is
 * flushed: when `complete()` resolves, the row survives a kill of the gateway and a crash of the server.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<DeliveryStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    // A hook call has 3 seconds in all: fail fast rather than queue behind a dead server.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types,
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => opts.onError?.(err));
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  let closed = false;
  const run = (sql: string, params: Param[]) => pool.query(numbered(sql), params);
  const rows = async <T>(q: Query): Promise<T[]> => (await run(q.sql, q.params)).rows as T[];
  const answerOf = async (eventId: string) =>
    answerFromRow((await run(ANSWER_SQL, [eventId])).rows[0] as { state: string; answer: string | null } | undefined);

  return {
    async claim(r: CallRecord): Promise<Claim> {
      const { rowCount } = await run(CLAIM_SQL, claimParams(r));
      return rowCount === 1 ? { claimed: true } : { claimed: false, answer: await answerOf(r.eventId) };
    },
    async complete(eventId: string, r: CallResult) {
      // Durable once this resolves (see above).
      await run(COMPLETE_SQL, completeParams(eventId, r));
    },
    answerOf,
    async recordReceipt(provider, r) {
      return (await run(RECEIPT_SQL, receiptParams(provider, r))).rowCount ?? 0;
    },
    async summary(opts) {
      return (await rows<SummaryDbRow>(summaryQuery(opts))).map(toSummaryRow);
    },
    async search(filters) {
      return (await rows<CallDbRow>(searchQuery(filters))).map(toCallRow);
    },
    async timeline(opts) {
      return (await rows<Parameters<typeof toTimelineRow>[0]>(timelineQuery(opts))).map(toTimelineRow);
    },
    async latencyPercentiles(sinceMs) {
      // percentile_disc is the nearest-rank percentile the SQLite store computes by hand.
      const [row] = await rows<{ p: number[] | null }>({
        sql: `SELECT percentile_disc(ARRAY[${PERCENTILES.p50}, ${PERCENTILES.p90}, ${PERCENTILES.p99}]::float8[])
                WITHIN GROUP (ORDER BY latency_ms) AS p
              FROM hook_calls WHERE ${LATENCY_WHERE}`,
        params: latencyParams(sinceMs),
      });
      const p = row?.p;
      return p ? { p50: Number(p[0]), p90: Number(p[1]), p99: Number(p[2]) } : null;
    },
    async providerStats(sinceMs) {
      const [attempts, receipts] = await Promise.all([
        rows<AttemptCountRow>(attemptCountsQuery(sinceMs, 'postgres')),
        rows<ReceiptCountRow>(receiptCountsQuery(sinceMs)),
      ]);
      return toProviderStats(attempts, receipts);
    },
    async blockCounts(sinceMs) {
      return (await rows<Parameters<typeof toBlockCount>[0]>(blockCountsQuery(sinceMs))).map(toBlockCount);
    },
    async ping() {
      if (closed) throw new Error('the delivery log is closed');
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * Applies the missing steps in one transaction. The transaction-scoped advisory lock (keyed on the schema,
 * so separate schemas do not wait for each other) makes a second instance starting at the same moment wait,
 * then find every step recorded; the lock is released by COMMIT or ROLLBACK.
 */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      await client.query("SELECT pg_advisory_xact_lock($1::int4, hashtext(COALESCE(current_schema(), '')))", [MIGRATION_LOCK]);
      await client.query(MIGRATIONS_TABLE);
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        await client.query(migrationSql(m, 'postgres'));
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      }
      await client.query('COMMIT');
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
