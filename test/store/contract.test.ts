// One contract for every delivery-log backend: the same tests run against SQLite (a temp file) and
// PostgreSQL (DATABASE_URL, one fresh schema per database, dropped at the end).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { isPostgresUrl } from '../../src/store/open.js';
import { migrations } from '../../src/store/migrations.js';
import type { CallRecord, CallResult, DeliveryStore } from '../../src/store/types.js';
import { createSchema, type PgSchema } from '../support/stores.js';
import type { Attempt, Status } from '../../src/core/domain.js';
import type { OktaAnswer } from '../../src/okta/contract.js';
import { runNode, startNode } from '../support/processes.js';

/** One empty database of a backend; every open() reaches the same one. */
interface Db {
  /** What openStore() takes: a file path or a postgres:// URL. */
  location: string;
  open(): Promise<DeliveryStore>;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

interface Backend {
  name: string;
  fresh(): Promise<Db>;
  cleanup(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// .js: the compiled module under dist/, or (through tsx) the .ts source beside it.
const OPEN_TS = fileURLToPath(new URL('../../src/store/open.js', import.meta.url));
const T0 = 1_700_000_040_000; // a whole minute
const MINUTE = 60_000;

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'byot-store-'));
  let n = 0;
  const withDb = <T>(path: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 5000');
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'SQLite',
    async fresh() {
      const path = join(dir, `log-${++n}.sqlite`);
      return {
        location: path,
        open: async () => openSqliteStore(path),
        exec: async (sql) => withDb(path, (db) => void db.exec(sql)),
        query: async <T>(sql: string) => withDb(path, (db) => db.prepare(sql).all() as T[]),
      };
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(url: string): Backend {
  const schemas: PgSchema[] = [];
  const withClient = async <T>(location: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: location });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    name: 'PostgreSQL',
    async fresh() {
      const schema = await createSchema(url, 'store');
      schemas.push(schema);
      const location = schema.url;
      return {
        location,
        open: () => openPostgresStore(location, { poolSize: 5 }),
        exec: (sql) => withClient(location, async (c) => void (await c.query(sql))),
        query: <T>(sql: string) => withClient(location, async (c) => (await c.query(sql)).rows as T[]),
      };
    },
    async cleanup() {
      for (const schema of schemas) await schema.drop();
    },
  };
}

// --- Known rows ---

let seq = 0;
const record = (over: Partial<CallRecord> = {}): CallRecord => ({
  eventId: `evt-${process.pid}-${++seq}`,
  receivedAt: T0,
  requestType: 'mfa-verification',
  channel: 'sms',
  phoneMasked: '+1415****100',
  phoneHash: 'hash-default',
  country: 'US',
  userId: 'u0',
  login: 'someone@example.com',
  locale: 'en-US',
  preview: false,
  ...over,
});

const answer = (status: Status, transactionId?: string): OktaAnswer => ({
  commands: [{ type: 'com.okta.telephony.action', value: [{ status, provider: 'X', transactionId: transactionId ?? 'none', transactionMetadata: 'test' }] }],
} as unknown as OktaAnswer);

const result = (status: Status, over: Partial<CallResult> = {}): CallResult => {
  const attempts: Attempt[] = over.attempts ?? (over.provider ? [{ provider: over.provider, ok: status === 'SUCCESSFUL', transactionId: over.transactionId, ms: over.latencyMs ?? 1 }] : []);
  return { status, attempts, latencyMs: 1, answer: answer(status, over.transactionId), ...over };
};

interface Seed { name: string; rec: Partial<CallRecord>; res?: CallResult }

/** The log of the query tests: receivedAt offsets from T0, one row before it and one still in flight. */
const SEED: Seed[] = [
  { name: 'a1', rec: { receivedAt: T0, userId: 'u1', login: 'alice@example.com', phoneHash: 'hash-a' },
    res: result('SUCCESSFUL', { provider: 'twilio', transactionId: 'tw-1', latencyMs: 100 }) },
  { name: 'a2', rec: { receivedAt: T0 + 10_000, userId: 'u1', login: 'alice@example.com', phoneHash: 'hash-a' },
    res: result('SUCCESSFUL', { provider: 'twilio', transactionId: 'tw-2', latencyMs: 200 }) },
  { name: 'a3', rec: { receivedAt: T0 + 20_000, channel: 'voice', country: 'GB', userId: 'u2', login: 'bob@example.com', phoneHash: 'hash-b', locale: 'en-GB' },
    res: result('SUCCESSFUL', { provider: 'vonage', transactionId: 'vo-1', latencyMs: 301 }) },
  { name: 'a4', rec: { receivedAt: T0 + 70_000, country: 'GB', userId: 'u2', login: 'bob@example.com', phoneHash: 'hash-b' },
    res: result('FAILED', { reason: 'all_failed', latencyMs: 2_400, attempts: [
      { provider: 'vonage', ok: false, category: 'unavailable', providerCode: '503', ms: 1_200 },
      { provider: 'twilio', ok: false, category: 'timeout', ms: 1_190 },
    ] }) },
  { name: 'a5', rec: { receivedAt: T0 + 80_000, country: undefined, userId: 'u3', login: undefined, phoneHash: 'hash-c' },
    res: result('FAILED', { reason: 'invalid_number', latencyMs: 3 }) },
  { name: 'a6', rec: { receivedAt: T0 + 130_000, channel: 'voice', userId: 'u4' },
    res: result('PENDING', { provider: 'twilio', transactionId: 'tw-3', latencyMs: 2_500 }) },
  { name: 'a7', rec: { receivedAt: T0 + 140_000, userId: 'u4', preview: true },
    res: result('SUCCESSFUL', { provider: 'twilio', transactionId: 'tw-4', latencyMs: 150 }) },
  { name: 'old', rec: { receivedAt: T0 - 1_000, userId: 'u1' },
    res: result('SUCCESSFUL', { provider: 'twilio', transactionId: 'tw-0', latencyMs: 9_999 }) },
  { name: 'inflight', rec: { receivedAt: T0 + 150_000, userId: 'u1', phoneHash: 'hash-a' } },
];

/** Rows of the filter tests, all received in one millisecond: a request type, a guard rule, LIKE's wildcards in a login. */
const EXTRA: Seed[] = [
  { name: 'reset', rec: { receivedAt: T0 + 145_000, requestType: 'password-reset', userId: 'u5', login: 'carol@example.com' },
    res: result('SUCCESSFUL', { provider: 'sinch', transactionId: 'si-1', latencyMs: 120 }) },
  { name: 'blocked', rec: { receivedAt: T0 + 145_000, userId: 'u6' },
    res: result('FAILED', { reason: 'blocked', blockedBy: 'limits.phone', latencyMs: 2 }) },
  { name: 'tie', rec: { receivedAt: T0 + 145_000, userId: 'u7' } },
  { name: 'wild', rec: { receivedAt: T0 + 145_000, userId: 'u8', login: '100%_off\\deal@example.com' },
    res: result('SUCCESSFUL', { provider: 'sinch', transactionId: 'si-2', latencyMs: 130 }) },
];

async function seed(store: DeliveryStore, rows: Seed[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const s of rows) {
    const r = record(s.rec);
    ids.set(s.name, r.eventId);
    assert.deepEqual(await store.claim(r), { claimed: true });
    if (s.res) await store.complete(r.eventId, s.res);
  }
  return ids;
}

/** Nearest-rank percentile computed the slow, obvious way. */
const nearest = (sorted: number[], p: number): number => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;

// --- Child processes (several instances at once, and a kill under load) ---

let childDir: string | undefined;
function childScript(): string {
  childDir ??= mkdtempSync(join(tmpdir(), 'byot-store-child-'));
  const file = join(childDir, 'child.mts');
  writeFileSync(file, `
    const { openStore } = await import(${JSON.stringify(new URL(`file://${OPEN_TS}`).href)});
    const [mode, location, prefix] = process.argv.slice(2);
    const store = await openStore(location);
    if (mode === 'open') {
      await store.ping();
      await store.close();
      process.stdout.write('opened\\n');
    } else {
      // Under load until killed: 8 calls at a time, each id printed once complete() resolved.
      let n = 0;
      const answer = { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: 'X', transactionId: 't' }] }] };
      const worker = async () => {
        for (;;) {
          const eventId = prefix + '-' + (++n);
          await store.claim({ eventId, receivedAt: Date.now(), requestType: 'mfa-verification', channel: 'sms', phoneMasked: '+1***', phoneHash: 'h', locale: 'en', preview: false });
          await store.complete(eventId, { status: 'SUCCESSFUL', provider: 'p', transactionId: 't-' + eventId, attempts: [{ provider: 'p', ok: true, ms: 1 }], latencyMs: 1, answer });
          process.stdout.write(eventId + '\\n');
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    }
  `);
  return file;
}

const childArgs = (mode: 'open' | 'load', location: string, prefix = 'kill'): string[] => ['--import', 'tsx', childScript(), mode, location, prefix];

// --- The contract ---

function contract(backend: Backend): void {
  describe(`delivery log on ${backend.name}`, () => {
    const open: DeliveryStore[] = [];
    const fresh = async (): Promise<Db & { store: DeliveryStore }> => {
      const db = await backend.fresh();
      const store = await db.open();
      open.push(store);
      return { ...db, store };
    };
    after(async () => {
      await Promise.all(open.map((s) => s.close()));
      await backend.cleanup();
    });

    test('claim, complete and answerOf', async () => {
      const { store } = await fresh();
      const rec = record();
      assert.equal(await store.answerOf(rec.eventId), undefined, 'unknown eventId');
      assert.deepEqual(await store.claim(rec), { claimed: true });
      const pending = await store.claim(rec);
      assert.equal(pending.claimed, false);
      assert.equal(pending.claimed === false && pending.answer, undefined, 'no answer while the first call runs');
      assert.equal(await store.answerOf(rec.eventId), undefined);

      const done = result('SUCCESSFUL', { provider: 'twilio', transactionId: 'SM123', latencyMs: 412 });
      await store.complete(rec.eventId, done);
      assert.deepEqual(await store.answerOf(rec.eventId), done.answer);
      assert.deepEqual(await store.claim(rec), { claimed: false, answer: done.answer });
      const [row] = await store.search({ transactionId: 'SM123' });
      assert.equal(row?.state, 'done');
      assert.equal(row?.latencyMs, 412);
    });

    test('50 concurrent claims of one eventId from two instances: exactly one wins', async () => {
      const db = await fresh();
      const second = await db.open();
      open.push(second);
      const rec = record();
      const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? second : db.store).claim(rec)));
      assert.equal(claims.filter((c) => c.claimed).length, 1);
      assert.equal((await db.store.search({ userId: rec.userId })).length, 1);
      await db.store.complete(rec.eventId, result('SUCCESSFUL', { provider: 'p', transactionId: 'once' }));
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? second : db.store).answerOf(rec.eventId)));
      for (const a of answers) assert.equal(JSON.stringify(a), JSON.stringify(answers[0]));
      assert.ok(answers[0]);
    });

    test('receipts: matched by provider and transactionId; a final state is not undone by a late one', async () => {
      const { store } = await fresh();
      const rec = record();
      await store.claim(rec);
      await store.complete(rec.eventId, result('SUCCESSFUL', { provider: 'twilio', transactionId: 'SM9' }));
      const at = (s: number) => new Date(T0 + s * 1_000);
      const receipt = async () => (await store.search({ transactionId: 'SM9' }))[0]!;

      assert.equal(await store.recordReceipt('twilio', { transactionId: 'nope', status: 'delivered', providerStatus: 'delivered', at: at(1) }), 0);
      assert.equal(await store.recordReceipt('vonage', { transactionId: 'SM9', status: 'delivered', providerStatus: 'delivered', at: at(1) }), 0, 'another provider');
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM9', status: 'sent', providerStatus: 'sent', at: at(1) }), 1);
      assert.equal((await receipt()).receiptStatus, 'sent');
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM9', status: 'delivered', providerStatus: 'delivered', at: at(3) }), 1);
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM9', status: 'sent', providerStatus: 'sent', at: at(2) }), 0, 'late sent');
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM9', status: 'sent', providerStatus: 'sent', at: at(9) }), 0, 'newer sent after a final state');
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM9', status: 'undelivered', providerStatus: 'undelivered', providerCode: '30003', at: at(2) }), 0, 'older final');
      const r = await receipt();
      assert.equal(r.receiptStatus, 'delivered');
      assert.equal(r.receiptProviderStatus, 'delivered');
      assert.equal(r.receiptAt, at(3).getTime());
      assert.equal(r.receiptCode, undefined);
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM9', status: 'failed', providerStatus: 'failed', providerCode: '30008', at: at(4) }), 1, 'a newer final state');
      assert.deepEqual(
        (({ receiptStatus, receiptProviderStatus, receiptCode, receiptAt }) => ({ receiptStatus, receiptProviderStatus, receiptCode, receiptAt }))(await receipt()),
        { receiptStatus: 'failed', receiptProviderStatus: 'failed', receiptCode: '30008', receiptAt: at(4).getTime() });
    });

    test('audit log: newest first, paged by id, every field bounded, pruned by time', async () => {
      const db = await fresh();
      const { store } = db;
      assert.deepEqual(await store.audit.list(), []);
      const actions = ['login', 'login.failed', 'preview.sent', 'block.lifted', 'logout'] as const;
      for (const [i, action] of actions.entries()) {
        await store.audit.record({ at: T0 + i * MINUTE, actor: `user${i}`, action, address: '127.0.0.1', detail: `step ${i}` });
      }
      const all = await store.audit.list();
      assert.deepEqual(all.map((e) => e.action), [...actions].reverse());
      assert.deepEqual(all[0], { id: all[0]!.id, at: T0 + 4 * MINUTE, actor: 'user4', action: 'logout', address: '127.0.0.1', detail: 'step 4' });
      const page1 = await store.audit.list({ limit: 2 });
      const page2 = await store.audit.list({ limit: 2, beforeId: page1.at(-1)!.id });
      const page3 = await store.audit.list({ limit: 2, beforeId: page2.at(-1)!.id });
      assert.deepEqual([...page1, ...page2, ...page3].map((e) => e.detail), ['step 4', 'step 3', 'step 2', 'step 1', 'step 0']);
      assert.equal((await store.audit.list({ limit: 10_000 })).length, 5, 'a huge limit is capped, not refused');

      // A second instance on the same database writes to the same log.
      const second = await db.open();
      open.push(second);
      await second.audit.record({ at: T0 + 9 * MINUTE, actor: 'x'.repeat(1_000), action: 'login', address: 'a'.repeat(500), detail: 'd'.repeat(5_000) });
      const [long] = await store.audit.list({ limit: 1 });
      assert.equal(long?.actor.length, 128);
      assert.equal(long?.address.length, 64);
      assert.equal(long?.detail.length, 200);

      assert.equal(await store.audit.prune(T0 + 2 * MINUTE), 2);
      assert.deepEqual((await store.audit.list()).map((e) => e.action), ['login', 'logout', 'block.lifted', 'preview.sent']);
    });

    test('resends: one claim per call, only while completed, unverified and alive, from any instance', async () => {
      const db = await fresh();
      const second = await db.open();
      open.push(second);
      const alive = T0 + MINUTE; // verify_until is T0 + 10 minutes (no otpExpires)
      const done = record();
      await db.store.claim(done);
      await db.store.complete(done.eventId, result('SUCCESSFUL', { provider: 'twilio', transactionId: 'SM-r1' }));
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? second : db.store).resends.claim(done.eventId, alive)));
      assert.equal(claims.filter((c) => c === 'claimed').length, 1);
      assert.deepEqual(new Set(claims.filter((c) => c !== 'claimed')), new Set(['already']));

      const verified = record();
      await db.store.claim(verified);
      await db.store.complete(verified.eventId, result('SUCCESSFUL', { provider: 'twilio', transactionId: 'SM-r2' }));
      await db.exec(`UPDATE hook_calls SET verified_at = ${T0 + 5_000} WHERE event_id = '${verified.eventId}'`);
      assert.equal(await db.store.resends.claim(verified.eventId, alive), 'verified');

      const expiring = record({ otpExpires: T0 + 5 * MINUTE });
      await db.store.claim(expiring);
      await db.store.complete(expiring.eventId, result('SUCCESSFUL', { provider: 'twilio', transactionId: 'SM-r3' }));
      assert.equal(await db.store.resends.claim(expiring.eventId, T0 + 5 * MINUTE), 'expired', 'at otpExpires the code is dead');

      const inflight = record();
      await db.store.claim(inflight);
      assert.equal(await db.store.resends.claim(inflight.eventId, alive), 'unknown', 'not completed');
      assert.equal(await db.store.resends.claim('no-such-event', alive), 'unknown');
      const [row] = await db.store.search({ transactionId: 'SM-r3' });
      assert.equal(row?.resendState, undefined, 'a refused claim changes nothing');
    });

    test('resends: the attempt and the provider are recorded, the resend\'s receipt kept apart from the first one\'s', async () => {
      const { store } = await fresh();
      const rec = record();
      const first: Attempt = { provider: 'twilio', ok: true, transactionId: 'SM-first', ms: 40 };
      await store.claim(rec);
      await store.complete(rec.eventId, result('SUCCESSFUL', { provider: 'twilio', transactionId: 'SM-first', attempts: [first] }));
      const at = (s: number) => new Date(T0 + s * 1_000);
      assert.equal(await store.recordReceipt('twilio', { transactionId: 'SM-first', status: 'undelivered', providerStatus: 'undelivered', providerCode: '30003', at: at(5) }), 1);
      assert.equal(await store.resends.claim(rec.eventId, T0 + 6_000), 'claimed');
      const resent: Attempt = { provider: 'vonage', ok: true, transactionId: 'vo-again', ms: 55, resend: true };
      await store.resends.record(rec.eventId, { state: 'sent', provider: 'vonage', transactionId: 'vo-again', attempts: [first, resent] });

      assert.equal(await store.recordReceipt('twilio', { transactionId: 'vo-again', status: 'delivered', providerStatus: 'delivered', at: at(9) }), 0, 'another provider');
      assert.equal(await store.recordReceipt('vonage', { transactionId: 'vo-again', status: 'delivered', providerStatus: 'DELIVERED', at: at(9) }), 1);
      assert.equal(await store.recordReceipt('vonage', { transactionId: 'vo-again', status: 'sent', providerStatus: 'accepted', at: at(8) }), 0, 'a late sent');
      const [row] = await store.search({ transactionId: 'vo-again' });
      assert.ok(row, 'found by the resend\'s id');
      assert.deepEqual({
        transactionId: row.transactionId, receiptStatus: row.receiptStatus, receiptCode: row.receiptCode, attempts: row.attempts, attemptCount: row.attemptCount,
        resendState: row.resendState, resendAt: row.resendAt, resendProvider: row.resendProvider, resendTransactionId: row.resendTransactionId,
        resendReceiptStatus: row.resendReceiptStatus, resendReceiptProviderStatus: row.resendReceiptProviderStatus, resendReceiptAt: row.resendReceiptAt,
      }, {
        transactionId: 'SM-first', receiptStatus: 'undelivered', receiptCode: '30003', attempts: [first, resent], attemptCount: 2,
        resendState: 'sent', resendAt: T0 + 6_000, resendProvider: 'vonage', resendTransactionId: 'vo-again',
        resendReceiptStatus: 'delivered', resendReceiptProviderStatus: 'DELIVERED', resendReceiptAt: at(9).getTime(),
      });
      // Each provider is credited with its own attempt and its own receipt.
      const stats = await store.providerStats(T0);
      assert.deepEqual(stats.map((p) => [p.provider, p.attempts, p.receipts.delivered, p.receipts.undelivered]), [['twilio', 1, 0, 1], ['vonage', 1, 1, 0]]);
      // Recorded once: a second record after the claim was settled changes nothing.
      await store.resends.record(rec.eventId, { state: 'failed', attempts: [] });
      assert.equal((await store.search({ transactionId: 'SM-first' }))[0]?.resendState, 'sent');
    });

    describe('filters over known rows', () => {
      let store: DeliveryStore;
      let ids: Map<string, string>;
      const names = (rows: { eventId: string }[]) => rows.map((r) => [...ids].find(([, id]) => id === r.eventId)?.[0]);
      before(async () => {
        ({ store } = await fresh());
        ids = await seed(store, [...SEED, ...EXTRA]);
      });

      test('search: event id, provider, country, channel, request type and guard rule', async () => {
        assert.deepEqual(names(await store.search({ eventId: ids.get('a3') })), ['a3']);
        assert.deepEqual(names(await store.search({ eventId: 'no-such-event' })), []);
        assert.deepEqual(names(await store.search({ provider: 'vonage' })), ['a3']);
        assert.deepEqual(names(await store.search({ provider: 'twilio', fromMs: T0 })), ['a7', 'a6', 'a2', 'a1']);
        assert.deepEqual(names(await store.search({ country: 'GB' })), ['a4', 'a3']);
        assert.deepEqual(names(await store.search({ channel: 'voice' })), ['a6', 'a3']);
        assert.deepEqual(names(await store.search({ requestType: 'password-reset' })), ['reset']);
        assert.deepEqual(names(await store.search({ blockedBy: 'limits.phone' })), ['blocked']);
        assert.deepEqual(names(await store.search({ blockedBy: 'limits' })), [], 'the rule is matched exactly');
        assert.deepEqual(names(await store.search({ channel: 'sms', country: 'GB', status: 'FAILED' })), ['a4']);
      });

      test('search by part of the user id or login, in any case; LIKE wildcards match only themselves', async () => {
        assert.deepEqual(names(await store.search({ userLike: 'BOB@' })), ['a4', 'a3']);
        assert.equal(await store.count({ userLike: 'Example.COM' }), SEED.length + EXTRA.length - 1, 'every login but the one without');
        assert.deepEqual(names(await store.search({ userLike: 'u3' })), ['a5'], 'the user id too');
        assert.deepEqual(names(await store.search({ userLike: '100%_OFF' })), ['wild']);
        assert.deepEqual(names(await store.search({ userLike: '%' })), ['wild'], 'a % is a percent sign');
        assert.deepEqual(names(await store.search({ userLike: '_' })), ['wild'], 'an _ is an underscore');
        assert.deepEqual(names(await store.search({ userLike: 'f\\d' })), ['wild'], 'a backslash is a backslash');
        assert.deepEqual(names(await store.search({ userLike: '1_0' })), [], 'not "any one character"');
      });

      test('guard blocks in a period with an end', async () => {
        assert.deepEqual((await store.blockCounts(T0, T0 + 146_000)).map((b) => [b.rule, b.count]), [['limits.phone', 1]]);
        assert.deepEqual(await store.blockCounts(T0, T0 + 145_000), [], 'untilMs is exclusive');
      });

      test('count: every call matching the filters, whatever the page', async () => {
        assert.equal(await store.count({}), SEED.length + EXTRA.length);
        assert.equal(await store.count({ limit: 2, beforeMs: T0 + 100_000 }), SEED.length + EXTRA.length, 'paging is ignored');
        assert.equal(await store.count({ country: 'GB' }), 2);
        assert.equal(await store.count({ userLike: 'ALICE', status: 'SUCCESSFUL' }), 2);
        assert.equal(await store.count({ receiptStatus: 'none', fromMs: T0, toMs: T0 + 80_000 }), 4);
        assert.equal(await store.count({ provider: 'nobody' }), 0);
      });

      test('search: the after cursor pages through rows sharing one millisecond without a gap', async () => {
        const seen: string[] = [];
        let after: { receivedAt: number; eventId: string } | undefined;
        for (;;) {
          const page = await store.search({ limit: 2, after, toMs: T0 + 146_000, fromMs: T0 + 145_000 });
          if (page.length === 0) break;
          seen.push(...names(page).map(String));
          after = page.at(-1)!;
        }
        assert.deepEqual(seen.sort(), ['blocked', 'reset', 'tie', 'wild']);
      });
    });

    describe('queries over known rows', () => {
      let store: DeliveryStore;
      let ids: Map<string, string>;
      const names = (rows: { eventId: string }[]) => rows.map((r) => [...ids].find(([, id]) => id === r.eventId)?.[0]);
      before(async () => {
        ({ store } = await fresh());
        ids = await seed(store, SEED);
      });

      test('summary of every completed call since a time', async () => {
        assert.deepEqual(await store.summary({ sinceMs: T0 }), [{ key: 'all', executions: 7, successes: 4, failures: 3, avgMs: 188 }]);
        assert.deepEqual(await store.summary({ sinceMs: T0 - 5_000 }), [{ key: 'all', executions: 8, successes: 5, failures: 3, avgMs: 2_150 }]);
        assert.deepEqual(await store.summary({ sinceMs: T0 + 60 * MINUTE }), [{ key: 'all', executions: 0, successes: 0, failures: 0, avgMs: null }]);
      });

      test('a period with an end: summary, timeline, percentiles, provider stats and blocks stop before untilMs', async () => {
        const period = { sinceMs: T0, untilMs: T0 + 20_000 };
        assert.deepEqual(await store.summary(period), [{ key: 'all', executions: 2, successes: 2, failures: 0, avgMs: 150 }]);
        assert.deepEqual(await store.summary({ ...period, by: 'provider' }), [{ key: 'twilio', executions: 2, successes: 2, failures: 0, avgMs: 150 }]);
        assert.deepEqual(await store.timeline({ ...period, bucketMs: MINUTE, by: 'channel' }), [{ bucket: T0, key: 'sms', executions: 2, successes: 2 }]);
        assert.deepEqual(await store.latencyPercentiles(T0, T0 + 20_000), { p50: 100, p90: 200, p99: 200 });
        assert.deepEqual((await store.providerStats(T0, T0 + 20_000)).map((p) => [p.provider, p.attempts]), [['twilio', 2]]);
        assert.deepEqual(await store.blockCounts(T0, T0 + 20_000), []);
        assert.equal(await store.latencyPercentiles(T0 + 20_000, T0 + 20_000), null, 'an empty period');
      });

      test('summary by provider, country and channel, most executions first', async () => {
        assert.deepEqual(await store.summary({ sinceMs: T0, by: 'provider' }), [
          { key: 'twilio', executions: 4, successes: 3, failures: 1, avgMs: 150 },
          { key: 'unknown', executions: 2, successes: 0, failures: 2, avgMs: null },
          { key: 'vonage', executions: 1, successes: 1, failures: 0, avgMs: 301 },
        ]);
        assert.deepEqual(await store.summary({ sinceMs: T0, by: 'country' }), [
          { key: 'US', executions: 4, successes: 3, failures: 1, avgMs: 150 },
          { key: 'GB', executions: 2, successes: 1, failures: 1, avgMs: 301 },
          { key: 'unknown', executions: 1, successes: 0, failures: 1, avgMs: null },
        ]);
        assert.deepEqual(await store.summary({ sinceMs: T0, by: 'channel' }), [
          { key: 'sms', executions: 5, successes: 3, failures: 2, avgMs: 150 },
          { key: 'voice', executions: 2, successes: 1, failures: 1, avgMs: 301 },
        ]);
        assert.deepEqual(await store.summary({ sinceMs: T0 + 60 * MINUTE, by: 'provider' }), []);
      });

      test('search: every filter, newest first, pending calls included', async () => {
        assert.deepEqual(names(await store.search({})), ['inflight', 'a7', 'a6', 'a5', 'a4', 'a3', 'a2', 'a1', 'old']);
        assert.deepEqual(names(await store.search({ phoneHash: 'hash-a' })), ['inflight', 'a2', 'a1']);
        assert.deepEqual(names(await store.search({ userId: 'u2' })), ['a4', 'a3']);
        assert.deepEqual(names(await store.search({ login: 'bob@example.com' })), ['a4', 'a3']);
        assert.deepEqual(names(await store.search({ login: 'BOB@example.com' })), [], 'login is matched exactly');
        assert.deepEqual(names(await store.search({ transactionId: 'tw-2' })), ['a2']);
        assert.deepEqual(names(await store.search({ status: 'FAILED' })), ['a5', 'a4']);
        assert.deepEqual(names(await store.search({ status: 'PENDING' })), ['a6']);
        assert.deepEqual(names(await store.search({ fromMs: T0 + 20_000, toMs: T0 + 80_000 })), ['a4', 'a3'], 'from inclusive, to exclusive');
        assert.deepEqual(names(await store.search({ userId: 'u1', status: 'SUCCESSFUL', fromMs: T0 })), ['a2', 'a1']);
        assert.deepEqual(names(await store.search({ userId: 'nobody' })), []);
      });

      test('search: limit and the beforeMs cursor page through everything once', async () => {
        assert.deepEqual(names(await store.search({ limit: 2 })), ['inflight', 'a7']);
        assert.equal((await store.search({ limit: 0 })).length, 1, 'at least one');
        assert.equal((await store.search({ limit: 10_000 })).length, 9, 'capped at 500, here all 9');
        const seen: string[] = [];
        let beforeMs: number | undefined;
        for (;;) {
          const page = await store.search({ limit: 4, beforeMs });
          if (page.length === 0) break;
          seen.push(...names(page).map(String));
          beforeMs = page.at(-1)!.receivedAt;
        }
        assert.deepEqual(seen, ['inflight', 'a7', 'a6', 'a5', 'a4', 'a3', 'a2', 'a1', 'old']);
      });

      test('search rows: typed, attempts parsed, receipt included, no answer', async () => {
        assert.equal(await store.recordReceipt('vonage', { transactionId: 'vo-1', status: 'delivered', providerStatus: 'DELIVERED_TO_HANDSET', at: new Date(T0 + 25_000) }), 1);
        const [a3] = await store.search({ transactionId: 'vo-1' });
        assert.ok(a3);
        const completedAt = a3.completedAt;
        assert.equal(typeof completedAt, 'number');
        assert.deepEqual(a3, {
          eventId: ids.get('a3'), receivedAt: T0 + 20_000, state: 'done', requestType: 'mfa-verification', channel: 'voice',
          phoneMasked: '+1415****100', phoneHash: 'hash-b', country: 'GB', userId: 'u2', login: 'bob@example.com', locale: 'en-GB',
          preview: false, status: 'SUCCESSFUL', provider: 'vonage', transactionId: 'vo-1',
          attempts: [{ provider: 'vonage', ok: true, transactionId: 'vo-1', ms: 301 }], attemptCount: 1, latencyMs: 301, completedAt,
          receiptStatus: 'delivered', receiptProviderStatus: 'DELIVERED_TO_HANDSET', receiptAt: T0 + 25_000,
        });
        const [a4] = await store.search({ status: 'FAILED', userId: 'u2' });
        assert.equal(a4?.reason, 'all_failed');
        assert.deepEqual(a4?.attempts.map((a) => a.category), ['unavailable', 'timeout']);
        assert.equal(a4?.attemptCount, 2);
        assert.equal(a4?.provider, undefined);
        const [a5] = await store.search({ userId: 'u3' });
        assert.equal(a5?.country, undefined);
        assert.equal(a5?.login, undefined);
        assert.equal((await store.search({ transactionId: 'tw-4' }))[0]?.preview, true);
        const [inflight] = await store.search({ limit: 1 });
        assert.deepEqual({ state: inflight?.state, status: inflight?.status, attempts: inflight?.attempts, attemptCount: inflight?.attemptCount, completedAt: inflight?.completedAt },
          { state: 'pending', status: undefined, attempts: [], attemptCount: 0, completedAt: undefined });
        for (const row of await store.search({})) assert.ok(!('answer' in row), 'the stored answer is not exposed');
      });

      test('timeline per minute, by provider and by channel', async () => {
        assert.deepEqual(await store.timeline({ sinceMs: T0, bucketMs: MINUTE, by: 'provider' }), [
          { bucket: T0, key: 'twilio', executions: 2, successes: 2 },
          { bucket: T0, key: 'vonage', executions: 1, successes: 1 },
          { bucket: T0 + MINUTE, key: 'unknown', executions: 2, successes: 0 },
          { bucket: T0 + 2 * MINUTE, key: 'twilio', executions: 2, successes: 1 },
        ]);
        assert.deepEqual(await store.timeline({ sinceMs: T0, bucketMs: MINUTE, by: 'channel' }), [
          { bucket: T0, key: 'sms', executions: 2, successes: 2 },
          { bucket: T0, key: 'voice', executions: 1, successes: 1 },
          { bucket: T0 + MINUTE, key: 'sms', executions: 2, successes: 0 },
          { bucket: T0 + 2 * MINUTE, key: 'sms', executions: 1, successes: 1 },
          { bucket: T0 + 2 * MINUTE, key: 'voice', executions: 1, successes: 0 },
        ]);
        const hour = 60 * MINUTE;
        assert.deepEqual(await store.timeline({ sinceMs: T0 - 5_000, bucketMs: hour, by: 'channel' }), [
          { bucket: T0 - (T0 % hour), key: 'sms', executions: 6, successes: 4 },
          { bucket: T0 - (T0 % hour), key: 'voice', executions: 2, successes: 1 },
        ]);
        await assert.rejects(store.timeline({ sinceMs: T0, bucketMs: 0, by: 'channel' }), RangeError);
      });

      test('latency percentiles of the successful calls', async () => {
        // 100, 150, 200, 301: ranks ceil(0.5 * 4) = 2, ceil(0.9 * 4) = 4, ceil(0.99 * 4) = 4.
        assert.deepEqual(await store.latencyPercentiles(T0), { p50: 150, p90: 301, p99: 301 });
        assert.deepEqual(await store.latencyPercentiles(T0 + 140_000), { p50: 150, p90: 150, p99: 150 });
        assert.equal(await store.latencyPercentiles(T0 + 60 * MINUTE), null);
      });
    });

    test('latency percentiles over many calls match the nearest-rank definition', async () => {
      const { store } = await fresh();
      const shuffled = Array.from({ length: 100 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      const seeds: Seed[] = shuffled.map((ms, i) => ({ name: `s${i}`, rec: { receivedAt: T0 + i }, res: result('SUCCESSFUL', { provider: 'p', latencyMs: ms }) }));
      seeds.push({ name: 'f', rec: { receivedAt: T0 }, res: result('FAILED', { latencyMs: 50_000 }) });
      await seed(store, seeds);
      assert.deepEqual(await store.latencyPercentiles(T0), { p50: 50, p90: 90, p99: 99 });

      // Random latencies with ties, in a later window of 257 calls.
      const random = Array.from({ length: 257 }, () => Math.floor(Math.random() * 3_000));
      await seed(store, random.map((ms, i) => ({ name: `r${i}`, rec: { receivedAt: T0 + MINUTE + i }, res: result('SUCCESSFUL', { provider: 'p', latencyMs: ms }) })));
      const sorted = [...random].sort((a, b) => a - b);
      assert.deepEqual(await store.latencyPercentiles(T0 + MINUTE), { p50: nearest(sorted, 0.5), p90: nearest(sorted, 0.9), p99: nearest(sorted, 0.99) });
    });

    test('provider stats: every attempt to each provider, by outcome and category, and the receipts of its answers', async () => {
      const { store } = await fresh();
      let ids = new Map<string, string>();
      const failover: Attempt[] = [
        { provider: 'vonage', ok: false, category: 'unavailable', providerCode: '503', ms: 300 },
        { provider: 'twilio', ok: true, transactionId: 'tw-a', ms: 100 },
      ];
      ids = await seed(store, [
        { name: 'f1', rec: { receivedAt: T0 }, res: result('SUCCESSFUL', { provider: 'twilio', transactionId: 'tw-a', attempts: failover }) },
        { name: 'f2', rec: { receivedAt: T0 + 1_000 }, res: result('SUCCESSFUL', { provider: 'twilio', transactionId: 'tw-b', latencyMs: 200 }) },
        { name: 'f3', rec: { receivedAt: T0 + 2_000 }, res: result('FAILED', { reason: 'all_failed', attempts: [
          { provider: 'vonage', ok: false, category: 'timeout', ms: 1_000 },
          { provider: 'twilio', ok: false, category: 'unavailable', ms: 500 },
        ] }) },
        { name: 'f4', rec: { receivedAt: T0 + 3_000 }, res: result('SUCCESSFUL', { provider: 'vonage', transactionId: 'vo-a', latencyMs: 50 }) },
        { name: 'early', rec: { receivedAt: T0 - 1_000 }, res: result('FAILED', { reason: 'all_failed', attempts: [{ provider: 'sinch', ok: false, category: 'auth', ms: 5 }] }) },
      ]);
      const at = new Date(T0 + 10_000);
      await store.recordReceipt('twilio', { transactionId: 'tw-a', status: 'delivered', providerStatus: 'delivered', at });
      await store.recordReceipt('twilio', { transactionId: 'tw-b', status: 'undelivered', providerStatus: 'undelivered', providerCode: '30003', at });
      await store.recordReceipt('vonage', { transactionId: 'vo-a', status: 'sent', providerStatus: 'accepted', at });
      assert.deepEqual(await store.providerStats(T0), [
        { provider: 'twilio', attempts: 3, accepted: 2, failed: 1, failedBy: { unavailable: 1 }, avgMs: Math.round((100 + 200 + 500) / 3),
          receipts: { sent: 0, delivered: 1, undelivered: 1, failed: 0 }, acceptedRate: 2 / 3, deliveredRate: 0.5 },
        { provider: 'vonage', attempts: 3, accepted: 1, failed: 2, failedBy: { unavailable: 1, timeout: 1 }, avgMs: Math.round((300 + 1_000 + 50) / 3),
          receipts: { sent: 1, delivered: 0, undelivered: 0, failed: 0 }, acceptedRate: 1 / 3, deliveredRate: null },
      ]);
      assert.deepEqual(await store.providerStats(T0 + MINUTE), []);

      // A call answered SUCCESSFUL whose message never arrived is found by its receipt.
      const named = (rows: { eventId: string }[]) => rows.map((r) => [...ids].find(([, id]) => id === r.eventId)?.[0]);
      const undelivered = await store.search({ receiptStatus: 'undelivered' });
      assert.deepEqual(named(undelivered), ['f2']);
      assert.equal(undelivered[0]!.status, 'SUCCESSFUL');
      assert.deepEqual(named(await store.search({ receiptStatus: 'delivered' })), ['f1']);
      assert.deepEqual(named(await store.search({ receiptStatus: 'none' })), ['f3', 'early']);
    });

    test('guard blocks counted per rule since a time, most first, with the latest time', async () => {
      const { store } = await fresh();
      const blocked = (name: string, at: number, rule: string | undefined): Seed =>
        ({ name, rec: { receivedAt: at }, res: result('FAILED', { reason: 'blocked', ...(rule ? { blockedBy: rule } : {}) }) });
      await seed(store, [
        blocked('b1', T0, 'limits.phone'),
        blocked('b2', T0 + 5_000, 'limits.phone'),
        blocked('b3', T0 + 9_000, 'countries.sms'),
        blocked('b4', T0 + 7_000, undefined),
        blocked('early', T0 - 1_000, 'limits.phone'),
        { name: 'other', rec: { receivedAt: T0 + 1_000 }, res: result('FAILED', { reason: 'invalid_number' }) },
        { name: 'ok', rec: { receivedAt: T0 + 2_000 }, res: result('SUCCESSFUL', { provider: 'twilio' }) },
      ]);
      assert.deepEqual(await store.blockCounts(T0), [
        { rule: 'limits.phone', count: 2, lastAt: T0 + 5_000 },
        { rule: 'countries.sms', count: 1, lastAt: T0 + 9_000 },
        { rule: 'unknown', count: 1, lastAt: T0 + 7_000 },
      ]);
      assert.deepEqual(await store.blockCounts(T0 + 6_000), [
        { rule: 'countries.sms', count: 1, lastAt: T0 + 9_000 },
        { rule: 'unknown', count: 1, lastAt: T0 + 7_000 },
      ]);
      assert.deepEqual(await store.blockCounts(T0 + MINUTE), []);
    });

    test('migrations: applied once when several instances open one new database at once', async () => {
      const db = await backend.fresh();
      const stores = await Promise.all(Array.from({ length: 4 }, () => db.open()));
      open.push(...stores);
      const applied = await db.query<{ version: number | string }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(applied.map((r) => Number(r.version)), migrations.map((m) => m.version));
      await Promise.all(stores.map((s) => s.ping()));
      const rec = record();
      assert.deepEqual(await stores[0]!.claim(rec), { claimed: true });
      assert.equal((await stores[3]!.claim(rec)).claimed, false);
    });

    test('migrations: a log of the first released schema is upgraded in place, its rows kept', async () => {
      const db = await backend.fresh();
      const [v1, v2] = migrations;
      await db.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
        ${v1!.sql}; ${v2!.sql};
        INSERT INTO schema_migrations VALUES (1, 'hook calls', 1), (2, 'delivery receipts', 2);
        INSERT INTO hook_calls (event_id, received_at, state, request_type, channel, phone_masked, phone_hash, locale, login)
          VALUES ('old-1', ${T0}, 'pending', 'mfa-verification', 'sms', '+1***', 'h', 'en', 'carol@example.com');`);
      const store = await db.open();
      open.push(store);
      const applied = await db.query<{ version: number | string; applied_at: number | string }>('SELECT version, applied_at FROM schema_migrations ORDER BY version');
      assert.deepEqual(applied.map((r) => Number(r.version)), migrations.map((m) => m.version));
      assert.equal(Number(applied[0]!.applied_at), 1, 'earlier steps not run again');
      assert.deepEqual((await store.search({ login: 'carol@example.com' })).map((r) => r.eventId), ['old-1']);
    });

    test('ping fails after close; close twice is harmless', async () => {
      const db = await backend.fresh();
      const store = await db.open();
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
      await store.close();
    });

    test('four processes opening one new database at once all start', { timeout: 60_000 }, async () => {
      const db = await backend.fresh();
      const runs = await Promise.all(Array.from({ length: 4 }, () => runNode(childArgs('open', db.location), { cwd: ROOT })));
      for (const r of runs) assert.deepEqual([r.code, r.stdout], [0, 'opened\n'], r.stderr);
      const applied = await db.query<{ version: number | string }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(applied.map((r) => Number(r.version)), migrations.map((m) => m.version));
    });

    test('killed with SIGKILL under load: every call whose complete() resolved has its row', { timeout: 60_000 }, async () => {
      const db = await backend.fresh();
      const p = startNode(childArgs('load', db.location), { cwd: ROOT, input: '' });
      const acknowledged: string[] = [];
      while (acknowledged.length < 300) {
        const line = await p.nextLine().catch(() => undefined);
        if (line === undefined) break;
        if (line) acknowledged.push(line);
      }
      await p.stop('SIGKILL');
      assert.ok(acknowledged.length >= 300, `the child stopped early: ${p.stderr()}`);
      const store = await db.open();
      open.push(store);
      const missing: string[] = [];
      for (const id of acknowledged) if (!(await store.answerOf(id))) missing.push(id);
      assert.deepEqual(missing, []);
    });
  });
}

contract(sqliteBackend());

const url = process.env.DATABASE_URL;
if (url && isPostgresUrl(url)) {
  contract(postgresBackend(url));
} else {
  test('delivery log on PostgreSQL', (t) => {
    t.skip(url
      ? `DATABASE_URL is not a postgres:// URL: PostgreSQL contract not run`
      : 'DATABASE_URL not set: PostgreSQL contract not run (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
  });
}

after(() => {
  if (childDir) rmSync(childDir, { recursive: true, force: true });
});
