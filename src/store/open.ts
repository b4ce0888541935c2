import { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { DeliveryStore } from './types.js';

/** True for a `postgres://` or `postgresql://` connection URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The delivery log at `location`: PostgreSQL for a `postgres://` URL, otherwise a SQLite file path. */
export async function openStore(location: string, opts: PostgresStoreOptions = {}): Promise<DeliveryStore> {
  return isPostgresUrl(location) ? openPostgresStore(location, opts) : openSqliteStore(location);
}
