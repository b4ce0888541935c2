// The hook's writes to PostgreSQL, batched per event-loop turn as the SQLite writer does
// (sqlite-writes.ts): the claims of one turn are one INSERT, the completions one UPDATE, each a
// named (prepared) statement over arrays (unnest), so a batch of any size is the same statement.
// Each statement autocommits; a write's promise settles only when its batch's commit was
// acknowledged, so a claim is durable before its send and a completion is held by the server
// before its answer.
import type pg from 'pg';
import { CLAIM_SQL, COMPLETE_SQL, claimParams, completeParams, numbered, type Param } from './sql.js';
import type { CallRecord, CallResult } from './types.js';

/** The statements of the hook's path, by name: each is prepared once per connection. */
export const STATEMENTS = {
  claimOne: { name: 'byot_claim', text: `${numbered(CLAIM_SQL)} RETURNING event_id` },
  claimMany: {
    name: 'byot_claim_many',
    // Column order and types of claimParams.
    text: `
      INSERT INTO hook_calls (event_id, received_at, state, request_type, channel, phone_masked, phone_hash,
                              country, user_id, login, locale, preview, verify_until)
      SELECT e, r, 'pending', rt, ch, pm, ph, co, u, l, lo, pv, vu
      FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::text[], $10::text[], $11::int[], $12::bigint[]) AS t(e, r, rt, ch, pm, ph, co, u, l, lo, pv, vu)
      ON CONFLICT (event_id) DO NOTHING
      RETURNING event_id`,
  },
  completeOne: { name: 'byot_complete', text: numbered(COMPLETE_SQL) },
  completeMany: {
    name: 'byot_complete_many',
    // Column order and types of completeParams.
    text: `
      UPDATE hook_calls AS h SET state = 'done', status = v.status, reason = v.reason, blocked_by = v.blocked_by,
        provider = v.provider, transaction_id = v.transaction_id, attempts = v.attempts, attempt_count = v.attempt_count,
        latency_ms = v.latency_ms, answer = v.answer, completed_at = v.completed_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[],
                  $9::text[], $10::bigint[], $11::text[])
        AS v(status, reason, blocked_by, provider, transaction_id, attempts, attempt_count, latency_ms, answer, completed_at, event_id)
      WHERE h.event_id = v.event_id`,
  },
} as const;

/** Rows of parameters → one array per column. */
function columns(rows: Param[][]): Param[][] {
  return rows[0]!.map((_, c) => rows.map((row) => row[c]!));
}

/** At most this many writes in one statement; more in one turn make several. */
const MAX_BATCH = 500;

interface Pending<Op, R> {
  op: Op;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}

/** Writes gathered in one event-loop turn, then written by `write` (one round trip) and settled each. */
class TurnBatch<Op, R> {
  private queue: Pending<Op, R>[] = [];
  private scheduled = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly write: (ops: Op[]) => Promise<R[]>) {}

  add(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes what is queued now and waits for every write in progress. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inflight]);
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const running = this.run(this.queue.splice(0, MAX_BATCH)).finally(() => this.inflight.delete(running));
      this.inflight.add(running);
    }
  }

  private async run(batch: Pending<Op, R>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((p) => p.op));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      // One write the server refuses must not fail the others of its turn: each on its own then.
      if (batch.length === 1) batch[0]!.reject(err);
      else await Promise.all(batch.map((p) => this.run([p])));
    }
  }
}

export interface PostgresWrites {
  /** True when this call inserted the row (it owns the eventId). */
  claim(record: CallRecord): Promise<boolean>;
  complete(eventId: string, result: CallResult): Promise<void>;
  /** Writes what is queued and waits for what is in progress (before the pool closes). */
  drain(): Promise<void>;
}

/** `claimPool` commits durably; `outcomePool` may not wait for the WAL flush (see postgres.ts). */
export function postgresWrites(claimPool: pg.Pool, outcomePool: pg.Pool): PostgresWrites {
  const claims = new TurnBatch<CallRecord, boolean>(async (records) => {
    const rows = records.map(claimParams);
    const { rows: inserted } = records.length === 1
      ? await claimPool.query<{ event_id: string }>({ ...STATEMENTS.claimOne, values: rows[0] })
      : await claimPool.query<{ event_id: string }>({ ...STATEMENTS.claimMany, values: columns(rows) });
    // A repeat within one batch: the first asker owns the row.
    const owned = new Set(inserted.map((r) => r.event_id));
    return records.map((r) => owned.delete(r.eventId));
  });
  const completions = new TurnBatch<Param[], void>(async (rows) => {
    if (rows.length === 1) await outcomePool.query({ ...STATEMENTS.completeOne, values: rows[0] });
    else await outcomePool.query({ ...STATEMENTS.completeMany, values: columns(rows) });
    return rows.map(() => undefined);
  });
  return {
    claim: (record) => claims.add(record),
    complete: (eventId, result) => completions.add(completeParams(eventId, result)),
    drain: async () => {
      await Promise.all([claims.drain(), completions.drain()]);
    },
  };
}
