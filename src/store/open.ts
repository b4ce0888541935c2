import type { PostgresStoreOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { DeliveryStore } from './types.js';

/** True for a `postgres://` or `postgresql://` connection URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The delivery log at `location`: PostgreSQL for a `postgres://` URL, otherwise a SQLite file path. */
export async function openStore(location: string, opts: PostgresStoreOptions = {}): Promise<DeliveryStore> {
  if (!isPostgresUrl(location)) return openSqliteStore(location);
  // Loaded only when used: a single-site install never pays for the PostgreSQL client at start-up.
  const { openPostgresStore } = await import('./postgres.js');
  return openPostgresStore(location, opts);
}
