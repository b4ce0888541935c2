// Runs a store test on both databases: SQLite (temp files) and PostgreSQL (DATABASE_URL, a fresh
// schema per store, every one dropped at the end).
import { after, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { DeliveryStore } from '../../src/store/types.js';

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
    test(`${title} on PostgreSQL`, (t) => {
      if (process.env.CI) throw new Error('DATABASE_URL not set (CI is set, so this fails instead of skipping)');
      t.skip('DATABASE_URL not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
    });
    return;
  }
  const schemas = testSchemas(url, prefix);
  contract('PostgreSQL', async () => openPostgresStore(await schemas.fresh(), { poolSize: 4 }), () => schemas.dropAll());
}

export interface TestSchemas {
  /** A new empty schema: the database URL whose connections use it. */
  fresh(): Promise<string>;
  /** Drops every schema made, and disconnects. */
  dropAll(): Promise<void>;
}

/** Schemas of their own on the shared PostgreSQL, named for this run (`prefix`, the pid, the time). */
export function testSchemas(url: string, prefix: string): TestSchemas {
  const made: string[] = [];
  const admin = new pg.Client({ connectionString: url });
  let connected: Promise<unknown> | undefined;
  const run = `byot_${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    async fresh() {
      connected ??= admin.connect();
      await connected;
      const schema = `${run}_${made.length + 1}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      made.push(schema);
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.toString();
    },
    async dropAll() {
      if (!connected) return;
      for (const schema of made) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}
