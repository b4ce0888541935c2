// The PostgreSQL store's hook writes, batched per event-loop turn (src/store/postgres-writes.ts):
// one statement for a turn's claims and one for its completions, a repeat inside one batch owned
// once, and a row the server refuses failing alone. Needs DATABASE_URL (skips without it, fails
// under CI).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { CallRecord, DeliveryStore } from '../../src/store/types.js';
import { createSchema } from '../scale/support.js';
import { needEnv } from '../support/env.js';

/** A store on a fresh schema, and the number of queries its pool sends. */
async function store(t: TestContext): Promise<{ store: DeliveryStore; queries: () => number; rows: (sql: string) => Promise<Record<string, unknown>[]> } | undefined> {
  const url = needEnv(t, 'DATABASE_URL', 'the PostgreSQL store not tested (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
  if (!url) return undefined;
  const schema = await createSchema(url, 'pgwrites');
  const s = await openPostgresStore(schema.url);
  t.after(async () => {
    await s.close();
    await schema.drop();
  });
  let n = 0;
  const query = pg.Pool.prototype.query;
  pg.Pool.prototype.query = function (this: pg.Pool, ...args: unknown[]) {
    n++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  t.after(() => {
    pg.Pool.prototype.query = query;
  });
  return { store: s, queries: () => n, rows: (sql) => schema.query(sql) };
}

const record = (eventId: string, extra: Partial<CallRecord> = {}): CallRecord => ({
  eventId, receivedAt: Date.now(), requestType: 'mfa-verification', channel: 'sms', phoneMasked: '+1415*****00',
  phoneHash: 'h', country: 'US', locale: 'en', preview: false, ...extra,
});

test('the claims of one turn are one statement, and so are their completions', async (t) => {
  const s = await store(t);
  if (!s) return;
  const ids = Array.from({ length: 50 }, (_, i) => `evt-batch-${i}`);
  const before = s.queries();
  const claims = await Promise.all(ids.map((id) => s.store.claim(record(id))));
  assert.deepEqual(claims, ids.map(() => ({ claimed: true })));
  assert.equal(s.queries() - before, 1, '50 claims, one INSERT');
  const answer = { commands: [] } as never;
  await Promise.all(ids.map((id, i) => s.store.complete(id, { status: 'SUCCESSFUL', provider: 'p', transactionId: `tx${i}`, attempts: [], latencyMs: i, answer })));
  assert.equal(s.queries() - before, 2, '50 completions, one UPDATE');
  const done = await s.rows("SELECT event_id, transaction_id, latency_ms FROM {schema}.hook_calls WHERE state = 'done' ORDER BY latency_ms");
  assert.deepEqual(done.map((r) => r.transaction_id), ids.map((_, i) => `tx${i}`));
  assert.deepEqual(await s.store.answerOf('evt-batch-7'), answer);
});

test('a repeat inside one batch is owned once; a repeat of a stored call gets its answer', async (t) => {
  const s = await store(t);
  if (!s) return;
  const claims = await Promise.all([s.store.claim(record('evt-a')), s.store.claim(record('evt-a')), s.store.claim(record('evt-b'))]);
  assert.deepEqual(claims, [{ claimed: true }, { claimed: false, answer: undefined }, { claimed: true }]);
  const answer = { commands: [{ type: 'com.okta.telephony.action', value: [] }] } as never;
  await s.store.complete('evt-a', { status: 'SUCCESSFUL', attempts: [], latencyMs: 1, answer });
  assert.deepEqual(await s.store.claim(record('evt-a')), { claimed: false, answer });
});

test('a row the server refuses fails alone; the others of its turn are written', async (t) => {
  const s = await store(t);
  if (!s) return;
  // PostgreSQL text cannot hold a NUL character.
  const results = await Promise.allSettled([
    s.store.claim(record('evt-ok-1')),
    s.store.claim(record('evt-bad', { login: 'a\u0000b' })),
    s.store.claim(record('evt-ok-2')),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const rows = await s.rows('SELECT event_id FROM {schema}.hook_calls ORDER BY event_id');
  assert.deepEqual(rows.map((r) => r.event_id), ['evt-ok-1', 'evt-ok-2']);
});

test('closing writes what was asked in the same turn', async (t) => {
  const s = await store(t);
  if (!s) return;
  const claimed = s.store.claim(record('evt-late'));
  const rowsBefore = s.rows;
  await s.store.close();
  assert.deepEqual(await claimed, { claimed: true });
  assert.deepEqual((await rowsBefore('SELECT event_id FROM {schema}.hook_calls')).map((r) => r.event_id), ['evt-late']);
});
