// The SQLite delivery log's writer: a worker thread that owns every write to the file, so commits,
// and the WAL checkpoints (with their fsync) that follow them, never stall the event loop that
// answers Okta. The main thread sends the writes of one event-loop turn as one batch; the batch is
// one transaction, and its answer is posted only after the commit.
import { parentPort, workerData } from 'node:worker_threads';
import { ANSWER_SQL, CLAIM_SQL, COMPLETE_SQL, RECEIPT_SQL, type Param } from './sql.js';
import { openSqlite } from './sqlite-file.js';

export type WriteOp =
  | { kind: 'claim'; params: Param[]; eventId: string }
  | { kind: 'complete'; params: Param[] }
  | { kind: 'receipt'; params: Param[] };

/** A claim's row when someone else holds the eventId. */
export interface ClaimedRow {
  state: string;
  answer: string | null;
}

/** `value`: claim → null (claimed) or the existing row; complete → null; receipt → rows changed. */
export type WriteOutcome = { ok: true; value: ClaimedRow | number | null } | { ok: false; message: string; code?: string };

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
  const selectAnswer = db.prepare<[string], ClaimedRow>(ANSWER_SQL);

  const apply = (op: WriteOp): ClaimedRow | number | null => {
    switch (op.kind) {
      case 'claim':
        return insert.run(...op.params).changes === 1 ? null : selectAnswer.get(op.eventId) ?? null;
      case 'complete':
        update.run(...op.params);
        return null;
      case 'receipt':
        return receipt.run(...op.params).changes;
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
