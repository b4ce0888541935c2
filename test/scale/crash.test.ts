// A gateway killed with SIGKILL under load: every request Okta got SUCCESSFUL for before the kill
// has its row in the delivery log, with the same transactionId, for SQLite (the file read after the
// kill) and PostgreSQL. Requests in flight at the kill get no answer; Okta retries those.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  cleanupAll, createSchema, eventually, gatewayConfig, kind, spawnGateway, startProvider, tally, tempDir,
  traffic, type CountingProvider, type PgSchema,
} from './support.js';
import { LIMITS_OFF } from '../support/guard.js';
import { needEnv } from '../support/env.js';

interface LogRow { event_id: string; state: string; status: string | null; transaction_id: string | null }

const IN_FLIGHT = 40;

describe('SIGKILL under load', () => {
  const providers: CountingProvider[] = [];
  const schemas: PgSchema[] = [];

  after(async () => {
    await cleanupAll();
    await Promise.all(providers.map((p) => p.close()));
    for (const s of schemas) await s.drop();
  });

  /** Starts a gateway, keeps IN_FLIGHT requests going, kills it mid-run, then checks the log against the answers. */
  async function crash(t: TestContext, name: string, storeUrl: string | undefined, readLog: (dir: string) => Promise<LogRow[]>, series: number): Promise<void> {
    // Each send takes 50–200 ms at the provider, so dozens of calls are mid-way at any moment.
    const provider = await startProvider(50, 200);
    providers.push(provider);
    const dir = tempDir(`scale-crash-${name}`);
    const gateway = await spawnGateway(name, gatewayConfig({
      dir, providerUrl: provider.url, storeUrl, guard: { numbers: { refuseInvalid: false }, limits: LIMITS_OFF },
    }), dir);

    const load = traffic([gateway], { workers: IN_FLIGHT, pauseMs: 0, phone: (n) => `+1${series}${String(n).padStart(7, '0')}` });
    const started = performance.now();
    await eventually('150 answers under load', 15_000, () => load.answers.length >= 150 && performance.now() - started > 1_000);
    const killing = gateway.kill();
    const answers = await load.stop();
    await killing;

    const answered = answers.filter((a) => a.status === 200);
    const cut = answers.filter((a) => a.status !== 200);
    const rows = await readLog(dir);
    const byEvent = new Map(rows.map((r) => [r.event_id, r]));
    const unfinished = rows.filter((r) => r.state !== 'done').length;
    t.diagnostic(`${answered.length} answered before the kill ${JSON.stringify(tally(answered))}, ${cut.length} cut off by it; `
      + `${rows.length} rows in the log (${unfinished} claimed but never completed); ${provider.sends().length} sends reached the provider`);

    assert.ok(answered.length >= 150, 'the gateway was under load');
    assert.ok(cut.length > 0, 'the kill landed while requests were in flight');
    assert.deepEqual(tally(answered), { SUCCESSFUL: answered.length });
    const missing: string[] = [];
    for (const a of answered.filter((x) => kind(x) === 'SUCCESSFUL')) {
      const row = byEvent.get(a.eventId);
      const transactionId = a.body.commands[0].value[0].transactionId;
      if (!row || row.state !== 'done' || row.status !== 'SUCCESSFUL' || row.transaction_id !== transactionId) {
        missing.push(`${a.eventId} ${transactionId}: ${JSON.stringify(row)}`);
      }
    }
    assert.deepEqual(missing, [], 'SUCCESSFUL answers without their row');
  }

  test('SQLite: the file read after the kill has a row for every SUCCESSFUL answer', async (t) => {
    await crash(t, 'sqlite', undefined, async (dir) => {
      // Opened read-write, as the next gateway would: the WAL of the killed process is replayed.
      const db = new Database(join(dir, 'byot.sqlite'), { fileMustExist: true });
      try {
        return db.prepare('SELECT event_id, state, status, transaction_id FROM hook_calls').all() as LogRow[];
      } finally {
        db.close();
      }
    }, 417);
  });

  test('PostgreSQL: the shared log has a row for every SUCCESSFUL answer', async (t) => {
    const url = needEnv(t, 'DATABASE_URL', 'the PostgreSQL crash test not run (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
    if (!url) return;
    const schema = await createSchema(url, 'crash');
    schemas.push(schema);
    await crash(t, 'postgres', schema.url, () => schema.query<LogRow>('SELECT event_id, state, status, transaction_id FROM {schema}.hook_calls'), 418);
  });
});
