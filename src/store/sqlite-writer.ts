// The SQLite delivery log's writer: a worker thread that owns every write to the file, so commits,
// and the WAL checkpoints (with their fsync) that follow them, never stall the event loop that
// answers Okta. The main thread sends the writes of one event-loop turn as one batch; the batch is
// one transaction, and its answer is posted only after the commit.
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { ANSWER_SQL, CLAIM_SQL, COMPLETE_SQL, RECEIPT_SQL, RESEND_RECEIPT_SQL, type Param } from './sql.js';
import { openSqlite } from './sqlite-file.js';

export type WriteOp =
  | { kind: 'claim'; params: Param[]; eventId: string }
  | { kind: 'complete'; params: Param[] }
  | { kind: 'receipt'; params: Param[] }
  /** Statements of the Okta event inbox (okta-events.ts), all or none; `guarded`: the rest only if the first changed a row. */
  | { kind: 'steps'; steps: { sql: string; params: Param[] }[]; guarded: boolean };

/** A claim's row when someone else holds the eventId. */
export interface ClaimedRow {
  state: string;
  answer: string | null;
}

/** `value`: claim → null (claimed) or the existing row; complete → null; receipt → rows changed; steps → rows changed by each. */
export type WriteOutcome = { ok: true; value: ClaimedRow | number | number[] | null } | { ok: false; message: string; code?: string };

export type WriterRequest = { batch: number; ops: WriteOp[] } | { close: true };
export type WriterReply = { batch: number; outcomes: WriteOutcome[] } | { batch: number; failed: { message: string; code?: string } };

function failure(err: unknown): { message: string; code?: string } {
  const e = err as { message?: unknown; code?: unknown };
  return { message: typeof e.message === 'string' ? e.message : String(err), ...(typeof e.code === 'string' ? { code: e.code } : {}) };
}

if (parentPort) {
  const port = parentPort;
  const db = openSqlite((workerData as { path: string }).path);
  // Checkpoints are the checkpointer thread's (sqlite-checkpointer.ts), so a commit never waits on one.
  db.pragma('wal_autocheckpoint = 0');
  const insert = db.prepare<Param[]>(CLAIM_SQL);
  const update = db.prepare<Param[]>(COMPLETE_SQL);
  const receipt = db.prepare<Param[]>(RECEIPT_SQL);
  const resendReceipt = db.prepare<Param[]>(RESEND_RECEIPT_SQL);
  const selectAnswer = db.prepare<[string], ClaimedRow>(ANSWER_SQL);
  const prepared = new Map<string, Database.Statement<Param[]>>();
  const statement = (sql: string): Database.Statement<Param[]> => {
    let st = prepared.get(sql);
    if (!st) {
      st = db.prepare<Param[]>(sql);
      // The inbox's statements are a handful of shapes; a bound keeps a bug from growing the cache.
      if (prepared.size < 64) prepared.set(sql, st);
    }
    return st;
  };
  // Nested in the batch's transaction, db.transaction is a savepoint: a failed step undoes its op only.
  const steps = db.transaction((list: { sql: string; params: Param[] }[], guarded: boolean): number[] => {
    const changes: number[] = [];
    for (const step of list) {
      changes.push(statement(step.sql).run(...step.params).changes);
      if (guarded && changes.length === 1 && changes[0] !== 1) break;
    }
    return changes;
  });

  const apply = (op: WriteOp): ClaimedRow | number | number[] | null => {
    switch (op.kind) {
      case 'claim':
        return insert.run(...op.params).changes === 1 ? null : selectAnswer.get(op.eventId) ?? null;
      case 'complete':
        update.run(...op.params);
        return null;
      case 'receipt':
        // A receipt is of a call's answer or of its resend; the same id is never both.
        return receipt.run(...op.params).changes + resendReceipt.run(...op.params).changes;
      case 'steps':
        return steps(op.steps, op.guarded);
    }
  };

  // BEGIN IMMEDIATE: the write lock is taken (or waited for, busy_timeout) before the first write.
  const commit = db.transaction((ops: WriteOp[]): WriteOutcome[] => {
    const outcomes = ops.map((op): WriteOutcome => {
      try {
        return { ok: true, value: apply(op) };
      } catch (err) {
        return { ok: false, ...failure(err) };
      }
    });
    // A failed statement may have rolled the whole transaction back (SQLITE_FULL, IOERR): then
    // nothing in the batch was written, and every write must fail.
    if (!db.inTransaction) throw new Error('the delivery log rolled back a group of writes');
    return outcomes;
  }).immediate;

  port.on('message', (msg: WriterRequest) => {
    if ('close' in msg) {
      db.close();
      port.close();
      return;
    }
    let reply: WriterReply;
    try {
      reply = { batch: msg.batch, outcomes: commit(msg.ops) };
    } catch (err) {
      reply = { batch: msg.batch, failed: failure(err) };
    }
    port.postMessage(reply);
  });
}
