// The feedback record (migration 6, src/store/feedback.ts) on both databases: SQLite (a temp file)
// and PostgreSQL (DATABASE_URL, a fresh schema per store, dropped at the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryStore } from '../../src/store/types.js';
import { onBothDatabases } from '../support/stores.js';
import { rowOf, verifiedSend } from '../support/feedback.js';

const T0 = 1_800_000_000_000;
const MIN = 60_000;

function feedbackContract(fresh: () => Promise<DeliveryStore>): void {
  test('due: verified sends of the named providers in the window, never told or held too long, oldest verification first', async () => {
    const store = await fresh();
    const late = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + 3 * MIN });
    const early = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + MIN });
    await verifiedSend(store, { receivedAt: T0, verifiedAt: null });
    await verifiedSend(store, { receivedAt: T0, provider: 'other', verifiedAt: T0 + MIN });
    await verifiedSend(store, { receivedAt: T0 - 60 * MIN, verifiedAt: T0 - 59 * MIN });
    const stale = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + 2 * MIN });
    const held = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + 2 * MIN });
    const told = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + 2 * MIN });
    assert.ok(await store.feedback.take(stale.eventId, T0 + 3 * MIN, 0));
    assert.ok(await store.feedback.take(held.eventId, T0 + 10 * MIN, 0));
    await store.feedback.settle(told.eventId, { status: 'sent', at: T0 + 4 * MIN, tries: 1 });

    const due = await store.feedback.due(['tw'], T0 - 10 * MIN, T0 + 5 * MIN, 10);
    assert.deepEqual(due.map((d) => d.eventId), [early.eventId, stale.eventId, late.eventId]);
    assert.deepEqual(due[0], { eventId: early.eventId, provider: 'tw', transactionId: early.transactionId, channel: 'sms', verifiedAt: T0 + MIN });
    assert.equal((await store.feedback.due(['tw'], T0 - 10 * MIN, T0 + 5 * MIN, 1)).length, 1, 'limit');
    assert.deepEqual(await store.feedback.due([], 0, T0, 10), []);
  });

  test('take: once, unless the holder let it go stale; never a send Okta did not verify', async () => {
    const store = await fresh();
    const send = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + MIN });
    const [first, second] = await Promise.all([
      store.feedback.take(send.eventId, T0 + 2 * MIN, T0), store.feedback.take(send.eventId, T0 + 2 * MIN, T0),
    ]);
    assert.deepEqual([first, second].map((t) => t !== undefined).sort(), [false, true], 'two instances at once: one holds it');
    assert.equal(await store.feedback.take(send.eventId, T0 + 3 * MIN, T0 + MIN), undefined, 'held since T0+2min, fresh');
    assert.ok(await store.feedback.take(send.eventId, T0 + 20 * MIN, T0 + 10 * MIN), 'held too long: taken again');
    assert.equal((await rowOf(store, send.transactionId)).feedbackStatus, 'sending');
    const unverified = await verifiedSend(store, { receivedAt: T0, verifiedAt: null });
    assert.equal(await store.feedback.take(unverified.eventId, T0, 0), undefined);
  });

  test('after a resend, the message to tell of is the resend\'s (the first was undelivered); release gives a send back untold', async () => {
    const store = await fresh();
    const resent = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + MIN, provider: 'first', resend: { provider: 'tw', transactionId: 'SMresend000000000000000000000001' } });
    const due = await store.feedback.due(['tw'], T0 - 10 * MIN, T0, 10);
    assert.deepEqual(due.map((d) => [d.eventId, d.provider, d.transactionId]), [[resent.eventId, 'tw', 'SMresend000000000000000000000001']]);
    assert.deepEqual(await store.feedback.due(['first'], T0 - 10 * MIN, T0, 10), [], 'not the undelivered first message');
    const taken = await store.feedback.take(resent.eventId, T0 + 2 * MIN, 0);
    assert.deepEqual(taken, { eventId: resent.eventId, provider: 'tw', transactionId: 'SMresend000000000000000000000001', channel: 'sms', verifiedAt: T0 + MIN });
    await store.feedback.release(resent.eventId);
    assert.equal((await rowOf(store, resent.transactionId)).feedbackStatus, undefined);
    assert.ok(await store.feedback.take(resent.eventId, T0 + 3 * MIN, 0), 'untold again, so it can be taken');
  });

  test('settle: status, time, code and tries on the row; a settled send is never changed again', async () => {
    const store = await fresh();
    const send = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + MIN });
    assert.ok(await store.feedback.take(send.eventId, T0 + 2 * MIN, 0));
    await store.feedback.settle(send.eventId, { status: 'refused', at: T0 + 3 * MIN, tries: 1, code: '20404' });
    await store.feedback.settle(send.eventId, { status: 'dropped', at: T0 + 4 * MIN, tries: 0 });
    assert.equal(await store.feedback.take(send.eventId, T0 + 99 * MIN, T0 + 98 * MIN), undefined);
    const row = await rowOf(store, send.transactionId);
    assert.deepEqual([row.feedbackStatus, row.feedbackAt, row.feedbackCode, row.feedbackTries], ['refused', T0 + 3 * MIN, '20404', 1]);
    const quiet = await verifiedSend(store, { receivedAt: T0, verifiedAt: T0 + MIN });
    const untold = await rowOf(store, quiet.transactionId);
    assert.deepEqual([untold.feedbackStatus, untold.feedbackAt, untold.feedbackCode, untold.feedbackTries], [undefined, undefined, undefined, undefined], 'absent, not null or 0');
  });
}

onBothDatabases('feedback record', 'feedback', feedbackContract);
