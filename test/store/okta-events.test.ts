// The Okta event inbox and the conversion figures on both databases: SQLite (a temp file) and
// PostgreSQL (DATABASE_URL, a fresh schema per run, dropped at the end).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { CallRecord, CallResult, DeliveryStore } from '../../src/store/types.js';
import type { InboxEvent } from '../../src/okta/events/log-event.js';
import type { OktaAnswer } from '../../src/okta/contract.js';
import { skipOrFail } from '../support/env.js';
import { createSchema, type PgSchema } from '../scale/support.js';

const T0 = 1_800_000_000_000;
const MIN = 60_000;
let seq = 0;

const record = (over: Partial<CallRecord> = {}): CallRecord => ({
  eventId: `evt-${process.pid}-${++seq}`, receivedAt: T0, requestType: 'mfa-verification', channel: 'sms',
  phoneMasked: '+4477*****123', phoneHash: 'h', country: 'GB', userId: 'u1', login: 'a@example.com', locale: 'en', preview: false,
  otpExpires: T0 + 5 * MIN, ...over,
});
const answer = { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: 'p', transactionId: 't' }] }] } as unknown as OktaAnswer;
const done = (over: Partial<CallResult> = {}): CallResult => ({ status: 'SUCCESSFUL', provider: 'twilio', transactionId: `SM${++seq}`, attempts: [], latencyMs: 100, answer, ...over });
const ev = (over: Partial<InboxEvent> = {}): InboxEvent => ({ uuid: `uuid-${++seq}`, published: T0 + MIN, eventType: 'user.authentication.auth_via_mfa', raw: '{}', ...over });

async function send(store: DeliveryStore, over: Partial<CallRecord> = {}, result: Partial<CallResult> | null = {}): Promise<string> {
  const r = record(over);
  assert.deepEqual(await store.claim(r), { claimed: true });
  if (result) await store.complete(r.eventId, done(result));
  return r.eventId;
}

function inboxContract(name: string, open: () => Promise<DeliveryStore>, cleanup: () => Promise<void>): void {
  describe(`Okta event inbox on ${name}`, () => {
    const stores: DeliveryStore[] = [];
    const fresh = async (): Promise<DeliveryStore> => {
      const s = await open();
      stores.push(s);
      return s;
    };
    after(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await cleanup();
    });

    test('receive keeps each uuid once, across deliveries and within one; due is oldest published first', async () => {
      const store = await fresh();
      const a = ev({ published: T0 + 2 * MIN });
      const b = ev({ published: T0 + MIN });
      assert.deepEqual(await store.events.receive([a, b, { ...a }], 'hook', T0), { stored: 2, duplicates: 1 });
      assert.deepEqual(await store.events.receive([a], 'poll', T0), { stored: 0, duplicates: 1 });
      const due = await store.events.due(T0, 10);
      assert.deepEqual(due.map((e) => e.uuid), [b.uuid, a.uuid]);
      assert.equal(due[0]!.source, 'hook');
      assert.equal(due[0]!.raw, '{}');
      assert.equal(due[0]!.tries, 0);
    });

    test('a batch of 1,000 events is stored in one go', async () => {
      const store = await fresh();
      const batch = Array.from({ length: 1_000 }, (_, i) => ev({ published: T0 + i }));
      assert.deepEqual(await store.events.receive(batch, 'hook', T0), { stored: 1_000, duplicates: 0 });
      assert.equal((await store.events.due(T0, 2_000)).length, 1_000);
    });

    test('findSend: the user\'s latest send of the flow before the event, within its code\'s life, FAILED and Preview left out', async () => {
      const store = await fresh();
      const first = await send(store, { userId: 'uA', receivedAt: T0 });
      const second = await send(store, { userId: 'uA', receivedAt: T0 + 2 * MIN, otpExpires: T0 + 7 * MIN });
      await send(store, { userId: 'uA', receivedAt: T0 + 3 * MIN }, { status: 'FAILED', provider: undefined });
      await send(store, { userId: 'uA', receivedAt: T0 + 3 * MIN, preview: true });
      await send(store, { userId: 'uA', receivedAt: T0 + 3 * MIN, channel: 'voice' });
      await send(store, { userId: 'uA', receivedAt: T0 + 3 * MIN, requestType: 'password-reset' });
      const q = (published: number, channel?: 'sms' | 'voice') => store.events.findSend({ userIds: ['uX', 'uA'], requestType: 'mfa-verification', channel, published });
      assert.equal((await q(T0 + MIN, 'sms'))?.eventId, first, 'before the second send');
      assert.equal((await q(T0 + 4 * MIN, 'sms'))?.eventId, second, 'the latest send wins');
      assert.equal((await q(T0 + 6 * MIN, 'sms'))?.eventId, second, 'within the second code\'s life');
      assert.equal(await q(T0 + 8 * MIN, 'sms'), undefined, 'after otpExpires (and the clock-skew allowance)');
      assert.equal((await q(T0 + 4 * MIN))?.channel, 'voice', 'no channel in the event: user and time decide');
      assert.equal(await store.events.findSend({ userIds: ['uB'], requestType: 'mfa-verification', published: T0 + MIN }), undefined);
      // Okta's sample otpExpires is long past: the call gets the default life instead.
      const sample = await send(store, { userId: 'uC', receivedAt: T0, otpExpires: Date.parse('2022-01-28T21:48:34.321Z') });
      assert.equal((await store.events.findSend({ userIds: ['uC'], requestType: 'mfa-verification', published: T0 + 9 * MIN }))?.eventId, sample);
    });

    test('settle: exactly once, with its effect on the send in the same transaction', async () => {
      const store = await fresh();
      const call = await send(store, { userId: 'uV' });
      const [e1, e2, e3] = [ev(), ev(), ev()];
      await store.events.receive([e1, e2, e3], 'hook', T0);
      const verified = { state: 'verified' as const, eventId: call, at: T0 + 90_000, basis: 'factor' as const };
      const results = await Promise.all([store.events.settle(e1.uuid, verified, T0), store.events.settle(e1.uuid, verified, T0)]);
      assert.deepEqual(results.map((r) => r.settled).sort(), [false, true]);
      assert.equal(results.filter((r) => r.newlyVerified).length, 1);
      // Another event cannot verify it again.
      assert.deepEqual(await store.events.settle(e2.uuid, { ...verified, at: T0 + 99_000 }, T0), { settled: true, newlyVerified: false });
      assert.deepEqual(await store.events.settle(e3.uuid, { state: 'failed_attempt', eventId: call, at: T0 + 80_000 }, T0), { settled: true, newlyVerified: false });
      assert.deepEqual(await store.events.settle(e3.uuid, { state: 'failed_attempt', eventId: call, at: T0 + 80_000 }, T0), { settled: false, newlyVerified: false });
      const [row] = await store.search({ userId: 'uV' });
      assert.equal(row?.verifiedAt, T0 + 90_000);
      assert.equal(row?.verifiedBy, e1.uuid);
      assert.equal(row?.verifyBasis, 'factor');
      assert.equal(row?.verifyFailures, 1);
      assert.equal(row?.verifyFailedAt, T0 + 80_000);
      assert.equal((await store.events.findSend({ userIds: ['uV'], requestType: 'mfa-verification', published: T0 + MIN }))?.verifiedAt, T0 + 90_000);
      assert.deepEqual(await store.events.due(T0 + 1, 10), [], 'nothing left pending');
      const counts = await store.events.counts(T0);
      assert.deepEqual(counts.map((c) => [c.state, c.count]), [['failed_attempt', 1], ['verified', 2]]);
    });

    test('retry leaves an event pending until its time; unmatched and ignored are final; prune forgets settled ones', async () => {
      const store = await fresh();
      const [a, b, c] = [ev({ published: T0 }), ev({ published: T0 + 1 }), ev({ published: T0 + 2, eventType: 'inline_hook.executed' })];
      await store.events.receive([a, b, c], 'poll', T0);
      assert.equal((await store.events.settle(a.uuid, { state: 'retry', nextTryAt: T0 + 10_000 }, T0)).settled, true);
      assert.deepEqual((await store.events.due(T0 + 5_000, 10)).map((e) => e.uuid), [b.uuid, c.uuid]);
      const later = await store.events.due(T0 + 10_000, 10);
      assert.equal(later[0]!.uuid, a.uuid);
      assert.equal(later[0]!.tries, 1);
      await store.events.settle(a.uuid, { state: 'unmatched' }, T0);
      await store.events.settle(b.uuid, { state: 'ignored', reason: 'factor' }, T0);
      const call = await send(store);
      await store.events.settle(c.uuid, { state: 'hook_failure', eventId: call }, T0);
      assert.deepEqual(await store.events.knownCalls([call, 'nope']), [call]);
      assert.deepEqual(await store.events.hookFailuresByDay(T0 - 86_400_000), [{ day: T0 - (T0 % 86_400_000), count: 1, matched: 1 }]);
      assert.equal(await store.events.prune(T0 + 2), 2);
      assert.deepEqual(await store.events.receive([a], 'hook', T0), { stored: 1, duplicates: 0 }, 'a pruned uuid is new again');
    });

    test('lease: one holder at a time until it expires or is released; the cursor keeps the last value', async () => {
      const store = await fresh();
      assert.equal(await store.events.lease('okta-events', 'one', 30_000, T0), true);
      assert.equal(await store.events.lease('okta-events', 'two', 30_000, T0 + 1_000), false);
      assert.equal(await store.events.lease('okta-events', 'one', 30_000, T0 + 1_000), true, 'renewed');
      assert.equal(await store.events.lease('okta-events', 'two', 30_000, T0 + 31_001), true, 'expired');
      await store.events.release('okta-events', 'two');
      assert.equal(await store.events.lease('okta-events', 'one', 30_000, T0 + 31_002), true, 'released');
      assert.equal(await store.events.cursor('system-log'), undefined);
      await store.events.setCursor('system-log', 'after-1', T0);
      await store.events.setCursor('system-log', 'after-2', T0);
      assert.equal(await store.events.cursor('system-log'), 'after-2');
    });

    test('conversion by country, prefix, provider, channel and request type, with the median time to verify', async () => {
      const store = await fresh();
      const mk = async (over: Partial<CallRecord>, res: Partial<CallResult>, verifyAfterMs?: number) => {
        const id = await send(store, over, res);
        if (verifyAfterMs !== undefined) {
          const e = ev();
          await store.events.receive([e], 'hook', T0);
          await store.events.settle(e.uuid, { state: 'verified', eventId: id, at: (over.receivedAt ?? T0) + verifyAfterMs, basis: 'factor' }, T0);
        }
      };
      await mk({ country: 'GB', phoneMasked: '+4477*****123' }, { provider: 'twilio' }, 20_000);
      await mk({ country: 'GB', phoneMasked: '+4477*****456' }, { provider: 'twilio' }, 40_000);
      await mk({ country: 'GB', phoneMasked: '+4478*****456' }, { provider: 'vonage' });
      await mk({ country: 'FR', phoneMasked: '+33*******12', channel: 'voice', requestType: 'password-reset' }, { provider: 'vonage', status: 'PENDING' }, 10_000);
      await mk({ country: 'FR', phoneMasked: '+33*******99' }, { status: 'FAILED', provider: undefined });
      await mk({ country: 'FR', phoneMasked: '+33*******98', preview: true }, { provider: 'vonage' });
      await mk({ country: 'GB', receivedAt: T0 - 10 * MIN }, { provider: 'twilio' }, 1_000);
      assert.deepEqual(await store.conversion({ sinceMs: T0 }), [{ key: 'all', sent: 4, verified: 3, failedAttempts: 0, conversionRate: 0.75, medianVerifyMs: 20_000 }]);
      const pick = (rows: Awaited<ReturnType<DeliveryStore['conversion']>>) => Object.fromEntries(rows.map((r) => [r.key, [r.sent, r.verified, r.conversionRate, r.medianVerifyMs]]));
      assert.deepEqual(pick(await store.conversion({ sinceMs: T0, by: 'country' })), { GB: [3, 2, 0.6667, 20_000], FR: [1, 1, 1, 10_000] });
      assert.deepEqual(pick(await store.conversion({ sinceMs: T0, by: 'prefix' })), { '+4477': [2, 2, 1, 20_000], '+33': [1, 1, 1, 10_000], '+4478': [1, 0, 0, null] });
      assert.deepEqual(pick(await store.conversion({ sinceMs: T0, by: 'provider' })), { twilio: [2, 2, 1, 20_000], vonage: [2, 1, 0.5, 10_000] });
      assert.deepEqual(pick(await store.conversion({ sinceMs: T0, by: 'channel' })), { sms: [3, 2, 0.6667, 20_000], voice: [1, 1, 1, 10_000] });
      assert.deepEqual(pick(await store.conversion({ sinceMs: T0, by: 'requestType' })), { 'mfa-verification': [3, 2, 0.6667, 20_000], 'password-reset': [1, 1, 1, 10_000] });
      assert.deepEqual(await store.conversion({ sinceMs: T0 + 60 * MIN }), [{ key: 'all', sent: 0, verified: 0, failedAttempts: 0, conversionRate: null, medianVerifyMs: null }]);
      assert.deepEqual(await store.conversion({ sinceMs: T0 + 60 * MIN, by: 'country' }), []);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'byot-inbox-'));
let n = 0;
inboxContract('SQLite', () => openSqliteStore(join(dir, `log-${++n}.sqlite`)), async () => rmSync(dir, { recursive: true, force: true }));

const url = process.env.DATABASE_URL;
if (url) {
  const schemas: PgSchema[] = [];
  inboxContract('PostgreSQL', async () => {
    const schema = await createSchema(url, 'inbox');
    schemas.push(schema);
    return openPostgresStore(schema.url, { poolSize: 4 });
  }, async () => {
    for (const schema of schemas) await schema.drop();
  });
} else {
  test('Okta event inbox on PostgreSQL', (t) => {
    skipOrFail(t, 'DATABASE_URL not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
  });
}
