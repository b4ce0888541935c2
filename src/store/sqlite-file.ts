import Database from 'better-sqlite3';

/**
 * A connection to the delivery log's SQLite file, set up the same way in the main thread (reads,
 * migrations) and in the writer thread.
 */
export function openSqlite(path: string): Database.Database {
  const db = new Database(path);
  try {
    // First, so that another connection switching the file to WAL or migrating makes this one wait, not fail.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
