// Runs a store test on both databases: SQLite (temp files) and PostgreSQL (DATABASE_URL, a fresh
// schema per store, every one dropped at the end).
import { after, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { DeliveryStore } from '../../src/store/types.js';
import { skipOrFail } from './env.js';

/** Tests that open their stores with `fresh` (each one closed at the end). */
export type StoreTests = (fresh: () => Promise<DeliveryStore>) => void;

/**
 * `tests` once per database, as `{title} on SQLite` and `{title} on PostgreSQL`. Without DATABASE_URL
 * the PostgreSQL run is skipped, or fails when CI is set. `prefix` keeps one file's schemas apart.
 */
export function onBothDatabases(title: string, prefix: string, tests: StoreTests): void {
  const contract = (database: string, open: () => Promise<DeliveryStore>, cleanup: () => Promise<void>): void => {
    describe(`${title} on ${database}`, () => {
      const stores: DeliveryStore[] = [];
      after(async () => {
        await Promise.all(stores.map((s) => s.close()));
        await cleanup();
      });
      tests(async () => {
        const s = await open();
        stores.push(s);
        return s;
      });
    });
  };
  const dir = mkdtempSync(join(tmpdir(), `byot-${prefix}-`));
  let n = 0;
  contract('SQLite', () => openSqliteStore(join(dir, `log-${++n}.sqlite`)), async () => rmSync(dir, { recursive: true, force: true }));

  const url = process.env.DATABASE_URL;
  if (!url) {
    test(`${title} on PostgreSQL`, (t) => skipOrFail(t, 'DATABASE_URL not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)'));
    return;
  }
  const schemas: PgSchema[] = [];
  contract('PostgreSQL', async () => {
    const schema = await createSchema(url, prefix);
    schemas.push(schema);
    return openPostgresStore(schema.url, { poolSize: 4 });
  }, async () => {
    for (const schema of schemas) await schema.drop();
  });
}

export interface PgSchema {
  /** DATABASE_URL with `options=-c search_path=<schema>`, what the gateway is given. */
  url: string;
  schema: string;
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A name unique to this run, usable as a PostgreSQL schema and a Redis key prefix. */
export function runId(what: string): string {
  return `byot_${what}_${process.pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A schema of its own on the shared PostgreSQL, named for this run (`what`, the pid, the time). */
export async function createSchema(databaseUrl: string, what: string): Promise<PgSchema> {
  const schema = runId(what);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const u = new URL(databaseUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    schema,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await admin.query(sql.replaceAll('{schema}', schema), params)).rows as T[];
    },
    async drop() {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
