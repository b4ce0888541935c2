// The resend after an undelivered receipt (src/pipeline/resend.ts), on a real SQLite delivery log
// with in-process providers and a mock clock: every rule of issue 17 item 3 — once, never after
// verification or expiry, never through a provider that failed — and what is recorded of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { verifyUntil } from '../../src/store/sql.js';
import type { DeliveryStore } from '../../src/store/types.js';
import { createResender, type HeldSend, type Resender } from '../../src/pipeline/resend.js';
import { createMetrics, type Metrics } from '../../src/telemetry/metrics.js';
import { createLogger } from '../../src/telemetry/log.js';
import { ProviderError, type OutboundMessage } from '../../src/providers/types.js';
import type { Attempt, DeliveryReceipt, ReceiptStatus } from '../../src/core/domain.js';
import { EXAMPLE_NUMBER } from '../../src/core/domain.js';
import { fakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { Redis } from 'ioredis';
import { startReceiptRelay } from '../../src/gateway/receipt-relay.js';
import { needEnv } from '../support/env.js';
import { until } from '../support/until.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const CODE = '483920';
const HOOK = { minAttemptMs: 50, onAmbiguous: 'failover' } as const;

describe('resend after an undelivered receipt', () => {
  let dir: string;
  let path: string;
  let store: DeliveryStore;
  let clock = T0;
  const logs: string[] = [];
  const log = createLogger('info', new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(chunk.toString('utf8')); cb(); } }));
  const open: Resender[] = [];
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'byot-resend-'));
    path = join(dir, 'log.sqlite');
    store = await openSqliteStore(path);
  });
  after(async () => {
    await Promise.all(open.map((r) => r.close()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const resender = (metrics: Metrics, over: { maxHeld?: number } = {}): Resender => {
    const r = createResender({ store, hook: HOOK, log, metrics, now: () => clock, ...over });
    open.push(r);
    return r;
  };
  const counts = async (metrics: Metrics): Promise<Record<string, number>> => {
    const values = (await metrics.registry.getSingleMetric('byot_resends_total')!.get()).values;
    return Object.fromEntries(values.filter((v) => v.value > 0).map((v) => [`${String(v.labels.channel)}:${String(v.labels.outcome)}`, v.value]));
  };
  const row = (eventId: string): Record<string, any> => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT * FROM hook_calls WHERE event_id = ?').get(eventId) as Record<string, any>;
    } finally {
      db.close();
    }
  };
  const receipt = (transactionId: string, status: ReceiptStatus = 'undelivered'): DeliveryReceipt =>
    ({ transactionId, status, providerStatus: status, providerCode: '30003', at: new Date(clock) });

  /**
   * A completed call as the hook leaves it: claimed now (code valid for five minutes), the failed
   * attempts of `failedFirst`, then `answering` accepted it. Held by each resender given.
   */
  async function sent(chain: FakeProvider[], answering: FakeProvider, failedFirst: FakeProvider[], holders: Resender[]): Promise<HeldSend> {
    const eventId = `evt-resend-${++n}`;
    const otpExpires = clock + 5 * MINUTE;
    await store.claim({
      eventId, receivedAt: clock, requestType: 'mfa-verification', channel: 'sms', phoneMasked: '+4474****456', phoneHash: 'h',
      locale: 'en', preview: false, otpExpires,
    });
    const transactionId = `${answering.name}-tx-${n}`;
    const attempts: Attempt[] = [
      ...failedFirst.map((p): Attempt => ({ provider: p.name, ok: false, category: 'unavailable', ms: 3 })),
      { provider: answering.name, ok: true, transactionId, ms: 4 },
    ];
    await store.complete(eventId, { status: 'SUCCESSFUL', provider: answering.name, transactionId, attempts, latencyMs: 9, answer: { commands: [] } as never });
    const message: OutboundMessage = { channel: 'sms', to: { e164: EXAMPLE_NUMBER, country: 'GB', type: 'MOBILE', valid: true }, text: `Your code is ${CODE}`, code: CODE, locale: 'en', reference: eventId };
    const send: HeldSend = {
      eventId, channel: 'sms', message, chain, attempts, provider: answering.name, transactionId,
      until: verifyUntil({ receivedAt: clock, otpExpires }),
    };
    for (const h of holders) h.hold(send);
    return send;
  }

  test('an undelivered receipt resends the same text once through the next provider; the row shows both attempts', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b] = [fakeProvider('a1'), fakeProvider('b1')];
    const send = await sent([a, b], a, [], [r]);
    assert.equal(r.size, 1);
    clock += 20_000;
    assert.equal(await r.receive('a1', receipt(send.transactionId)), 'sent');
    assert.equal(a.sent.length, 0);
    assert.equal(b.sent.length, 1);
    assert.equal(b.sent[0]!.text, `Your code is ${CODE}`);
    assert.equal(b.sent[0]!.to.e164, EXAMPLE_NUMBER);
    assert.equal(r.size, 0, 'the message left memory');

    const stored = row(send.eventId);
    assert.equal(stored.resend_state, 'sent');
    assert.equal(stored.resend_at, clock);
    assert.equal(stored.resend_provider, 'b1');
    assert.equal(stored.resend_transaction_id, 'b1-1');
    assert.equal(stored.transaction_id, send.transactionId, 'the answer Okta got is unchanged');
    const attempts = JSON.parse(stored.attempts) as Attempt[];
    assert.deepEqual(attempts.map((x) => [x.provider, x.ok, x.resend ?? false]), [['a1', true, false], ['b1', true, true]]);
    assert.equal(stored.attempt_count, 2);
    assert.ok(!JSON.stringify(stored).includes(CODE), 'the code is not stored');
    assert.ok(!logs.join('').includes(CODE), 'nor logged');
    assert.deepEqual(await counts(metrics), { 'sms:sent': 1 });
    assert.match(await metrics.registry.getSingleMetricAsString('byot_provider_attempts_total'), /provider="b1",outcome="ok"/);
  });

  test('a failed receipt resends too; sent and delivered receipts, and unknown ids, do nothing', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b] = [fakeProvider('a2'), fakeProvider('b2')];
    const send = await sent([a, b], a, [], [r]);
    assert.equal(await r.receive('a2', receipt(send.transactionId, 'sent')), undefined);
    assert.equal(await r.receive('a2', receipt(send.transactionId, 'delivered')), undefined);
    assert.equal(await r.receive('a2', receipt('another-id')), undefined);
    assert.equal(await r.receive('b2', receipt(send.transactionId)), undefined, 'the same id from another provider');
    assert.equal(b.sent.length, 0);
    assert.equal(r.size, 1);
    assert.equal(await r.receive('a2', receipt(send.transactionId, 'failed')), 'sent');
    assert.equal(b.sent.length, 1);
  });

  test('a second undelivered receipt sends nothing more, nor does the resend\'s own', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b, c] = [fakeProvider('a3'), fakeProvider('b3'), fakeProvider('c3')];
    const send = await sent([a, b, c], a, [], [r]);
    const both = await Promise.all([r.receive('a3', receipt(send.transactionId)), r.receive('a3', receipt(send.transactionId))]);
    assert.deepEqual(both, ['sent', undefined]);
    assert.equal(await r.receive('a3', receipt(send.transactionId)), undefined);
    assert.equal(await r.receive('b3', receipt('b3-1')), undefined, 'the resend is never resent');
    assert.equal(b.sent.length + c.sent.length, 1);
    assert.deepEqual(await counts(metrics), { 'sms:sent': 1 });
  });

  test('two instances holding the same call: the row lets only one resend', async () => {
    const [m1, m2] = [createMetrics(), createMetrics()];
    const [r1, r2] = [resender(m1), resender(m2)];
    const [a, b] = [fakeProvider('a4'), fakeProvider('b4')];
    const send = await sent([a, b], a, [], [r1, r2]);
    const outcomes = await Promise.all([r1.receive('a4', receipt(send.transactionId)), r2.receive('a4', receipt(send.transactionId))]);
    assert.deepEqual([...outcomes].sort(), ['already', 'sent']);
    assert.equal(b.sent.length, 1);
    assert.equal(row(send.eventId).resend_state, 'sent');
  });

  test('after the code expired: no resend, counted; an expired call is not even held', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b] = [fakeProvider('a5'), fakeProvider('b5')];
    const send = await sent([a, b], a, [], [r]);
    clock = send.until;
    assert.equal(await r.receive('a5', receipt(send.transactionId)), 'expired');
    assert.equal(b.sent.length, 0);
    assert.equal(row(send.eventId).resend_state, null);
    assert.deepEqual(await counts(metrics), { 'sms:expired': 1 });

    r.hold({ ...send, transactionId: 'late' });
    assert.equal(r.size, 0);
  });

  test('the code expiring between holding and the guard: the row refuses it', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b] = [fakeProvider('a6'), fakeProvider('b6')];
    // Held as if the code lived longer than the row says (another clock): the row's verify_until decides.
    const send = await sent([a, b], a, [], []);
    r.hold({ ...send, until: send.until + MINUTE });
    clock = send.until;
    assert.equal(await r.receive('a6', receipt(send.transactionId)), 'expired');
    assert.equal(b.sent.length, 0);
  });

  test('after verification: no resend, counted; forget() drops the message at once', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b] = [fakeProvider('a7'), fakeProvider('b7')];
    const send = await sent([a, b], a, [], [r]);
    // Okta's verification joined onto the row by another instance (okta/events): only the row knows.
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('UPDATE hook_calls SET verified_at = ? WHERE event_id = ?').run(clock + 1_000, send.eventId);
    } finally {
      db.close();
    }
    clock += 2_000;
    assert.equal(await r.receive('a7', receipt(send.transactionId)), 'verified');
    assert.equal(b.sent.length, 0);
    assert.equal(row(send.eventId).resend_state, null);
    assert.deepEqual(await counts(metrics), { 'sms:verified': 1 });

    const other = await sent([a, b], a, [], [r]);
    assert.equal(r.size, 1);
    r.forget(other.eventId);
    assert.equal(r.size, 0);
    assert.equal(await r.receive('a7', receipt(other.transactionId)), undefined);
    assert.equal(b.sent.length, 0);
  });

  test('a provider that failed is never resent through: the next one of the plan that did not fail is', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b, c] = [fakeProvider('a8'), fakeProvider('b8'), fakeProvider('c8')];
    const send = await sent([a, b, c], b, [a], [r]);
    assert.equal(await r.receive('b8', receipt(send.transactionId)), 'sent');
    assert.deepEqual([a.sent.length, b.sent.length, c.sent.length], [0, 0, 1]);
    assert.deepEqual((JSON.parse(row(send.eventId).attempts) as Attempt[]).map((x) => [x.provider, x.ok, x.resend ?? false]),
      [['a8', false, false], ['b8', true, false], ['c8', true, true]]);
  });

  test('no provider left in the plan: nothing is sent, it is counted and recorded', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b] = [fakeProvider('a9'), fakeProvider('b9')];
    const send = await sent([a, b], b, [a], [r]);
    assert.equal(await r.receive('b9', receipt(send.transactionId)), 'no_provider');
    assert.deepEqual([a.sent.length, b.sent.length], [0, 0]);
    const stored = row(send.eventId);
    assert.equal(stored.resend_state, 'no_provider');
    assert.equal(stored.attempt_count, 2);
    assert.deepEqual(await counts(metrics), { 'sms:no_provider': 1 });
  });

  test('a resend the next provider refuses is recorded as failed, its attempt with the category, and not tried again', async () => {
    const metrics = createMetrics();
    const r = resender(metrics);
    const [a, b, c] = [fakeProvider('a10'), fakeProvider('b10', new ProviderError('rejected', 'blocked destination', { providerCode: '21610' })), fakeProvider('c10')];
    const send = await sent([a, b, c], a, [], [r]);
    assert.equal(await r.receive('a10', receipt(send.transactionId)), 'failed');
    assert.deepEqual([b.sent.length, c.sent.length], [1, 0], 'one attempt: the resend is sent once or not at all');
    const stored = row(send.eventId);
    assert.equal(stored.resend_state, 'failed');
    assert.equal(stored.resend_provider, 'b10');
    assert.equal(stored.resend_transaction_id, null);
    assert.deepEqual((JSON.parse(stored.attempts) as Attempt[]).at(-1), { provider: 'b10', ok: false, category: 'rejected', providerCode: '21610', ms: (JSON.parse(stored.attempts) as Attempt[]).at(-1)!.ms, resend: true });
    assert.deepEqual(await counts(metrics), { 'sms:failed': 1 });
  });

  test('memory is bounded: past maxHeld the oldest call is dropped, expired ones first', async () => {
    const metrics = createMetrics();
    const r = resender(metrics, { maxHeld: 2 });
    const [a, b] = [fakeProvider('a11'), fakeProvider('b11')];
    const first = await sent([a, b], a, [], [r]);
    const second = await sent([a, b], a, [], [r]);
    const third = await sent([a, b], a, [], [r]);
    assert.equal(r.size, 2);
    assert.equal(await r.receive('a11', receipt(first.transactionId)), undefined, 'the oldest was dropped');
    assert.equal(await r.receive('a11', receipt(second.transactionId)), 'sent');
    assert.equal(r.size, 1);

    // An expired call makes room before a live one is dropped.
    const expiring = { ...third, eventId: `${third.eventId}-x`, transactionId: 'x', until: clock + 1 };
    r.hold(expiring);
    clock += 2;
    const fourth = await sent([a, b], a, [], [r]);
    assert.equal(r.size, 2);
    assert.equal(await r.receive('a11', receipt(third.transactionId)), 'sent');
    assert.equal(await r.receive('a11', receipt(fourth.transactionId)), 'sent');
  });

  test('with Redis, an undelivered receipt that reaches the instance not holding the call resends from the one that does', async (t) => {
    const url = needEnv(t, 'REDIS_URL', 'the receipt relay between instances not tested (e.g. REDIS_URL=redis://127.0.0.1:6379)');
    if (!url) return;
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    const channel = `byot-test-${process.pid}-${Date.now().toString(36)}:receipts`;
    const [m1, m2] = [createMetrics(), createMetrics()];
    const [holder, other] = [resender(m1), resender(m2)];
    const relays = [startReceiptRelay(client, channel, holder, log), startReceiptRelay(client, channel, other, log)];
    try {
      const [a, b] = [fakeProvider('a12'), fakeProvider('b12')];
      const send = await sent([a, b], a, [], [holder]);
      // Both subscriptions are up when Redis counts them on the channel.
      await until('both instances subscribed', async () => (await client.pubsub('NUMSUB', channel))[1] === 2);
      clock += 20_000;
      await relays[1]!.onReceipt('a12', receipt(send.transactionId));
      await until('the holding instance resent', () => b.sent.length === 1);
      assert.equal(b.sent[0]!.text, `Your code is ${CODE}`);
      assert.equal(row(send.eventId).resend_state, 'sent');
      assert.deepEqual(await counts(m1), { 'sms:sent': 1 });
      assert.deepEqual(await counts(m2), {}, 'the instance that got the receipt sent nothing itself');
      // A repeat of the receipt, through either instance, sends nothing more.
      await relays[1]!.onReceipt('a12', receipt(send.transactionId));
      await relays[0]!.onReceipt('a12', receipt(send.transactionId));
      assert.equal(b.sent.length, 1);
      assert.ok(!logs.join('').includes(CODE), 'the code is never logged');
    } finally {
      await Promise.all(relays.map((r) => r.close()));
      client.disconnect();
    }
  });
});
