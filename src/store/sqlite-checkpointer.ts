// The SQLite delivery log's checkpointer: a worker thread that copies the WAL back into the
// database file every CHECKPOINT_EVERY_MS. A checkpoint waits on fsync; run by the writer (SQLite's
// automatic checkpoint), it held up every write queued behind it, and so the hook calls waiting
// on them. PASSIVE: it never waits for, or blocks, the writer or a reader.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './sqlite-file.js';

const CHECKPOINT_EVERY_MS = 100;

if (parentPort) {
  const port = parentPort;
  const db = openSqlite((workerData as { path: string }).path);
  let timer: NodeJS.Timeout;
  const checkpoint = (): void => {
    // A checkpoint that cannot run now (SQLITE_BUSY, or the file briefly locked) is simply retried.
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      /* retried at the next turn */
    }
    timer = setTimeout(checkpoint, CHECKPOINT_EVERY_MS);
  };
  timer = setTimeout(checkpoint, CHECKPOINT_EVERY_MS);
  port.once('message', () => {
    clearTimeout(timer);
    db.close();
    port.close();
  });
}
