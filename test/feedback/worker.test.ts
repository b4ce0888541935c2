// The feedback worker with a real delivery log (SQLite) and a real Twilio adapter, against a
// loopback Twilio held to its published definition: retries on 5xx and not on 4xx, the record on the
// row, the bounded queue, what a restart finds, and one instance telling each send.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { createFeedbackWorker, FEEDBACK_TAKE_TTL_MS, type FeedbackOutcome, type FeedbackWorkerOptions } from '../../src/feedback/worker.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { twilioProvider } from '../../src/providers/twilio.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import type { DeliveryStore } from '../../src/store/types.js';
import { json, type RecordedRequest } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { createAdapter, silentLog } from '../support/providers.js';
import { rowOf, verifiedSend } from '../support/feedback.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

const feedbackAnswer = (req: RecordedRequest, res: ServerResponse) => {
  const sid = /\/Messages\/([^/]+)\/Feedback\.json$/.exec(req.url)?.[1] ?? '';
  json(res, 200, { account_sid: ACCOUNT, message_sid: sid, outcome: 'confirmed', date_created: 'Sun, 01 Mar 2026 12:00:06 +0000', date_updated: 'Sun, 01 Mar 2026 12:00:06 +0000', uri: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid}/Feedback.json` });
};
const twilioError = (res: ServerResponse, status: number, code: number) => json(res, status, { code, message: 'refused', more_info: `https://www.twilio.com/docs/errors/${code}`, status });

describe('the feedback worker', () => {
  let mock: SpecMock;
  let dir: string;
  let store: DeliveryStore;
  let tw: ProviderAdapter;
  let plain: ProviderAdapter;
  let counted: string[];
  const stores: DeliveryStore[] = [];

  before(async () => {
    mock = await startSpecMock('twilio');
    dir = mkdtempSync(join(tmpdir(), 'byot-feedback-worker-'));
    store = await openSqliteStore(join(dir, 'log.sqlite'));
    stores.push(store);
    const options = { kind: 'twilio', accountSid: ACCOUNT, authToken: 'twilio-auth-token-5f1e', from: '+14155550100', baseUrl: mock.url };
    tw = createAdapter(twilioProvider, 'tw', { ...options, feedback: true });
    plain = createAdapter(twilioProvider, 'plain', options);
  });
  after(async () => {
    await Promise.all([tw, plain].map((a) => a.close?.()));
    await Promise.all(stores.map((s) => s.close()));
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => mock.assertValid());

  function worker(over: Partial<FeedbackWorkerOptions> = {}) {
    counted = [];
    return createFeedbackWorker({
      log: silentLog, store: store.feedback, adapters: new Map([['tw', tw], ['plain', plain]]),
      metrics: { feedback: (provider: string, outcome: FeedbackOutcome) => counted.push(`${provider} ${outcome}`) },
      backoffMs: () => 0, ...over,
    });
  }
  /** One worker told of `send`'s verification, run until it has nothing left to do. */
  async function tell(send: { eventId: string; transactionId: string }, over: Partial<FeedbackWorkerOptions> = {}): Promise<void> {
    const w = worker(over);
    w.verified({ eventId: send.eventId, provider: 'tw', transactionId: send.transactionId, channel: 'sms' }, Date.now());
    await w.idle();
    await w.close();
  }
  const feedbackCalls = (sid: string) => mock.requests.filter((r) => r.url.endsWith(`/Messages/${sid}/Feedback.json`));
  const record = async (sid: string) => {
    const r = await rowOf(store, sid);
    return { status: r.feedbackStatus, code: r.feedbackCode, tries: r.feedbackTries };
  };

  it('tells the provider once Okta reported the code used, and records it on the row', async () => {
    const send = await verifiedSend(store, { provider: 'tw' });
    mock.handle(feedbackAnswer);
    await tell(send);
    assert.equal(feedbackCalls(send.transactionId).length, 1);
    assert.deepEqual(await record(send.transactionId), { status: 'sent', code: undefined, tries: 1 });
    const at = (await rowOf(store, send.transactionId)).feedbackAt!;
    assert.ok(at > 0);
    assert.deepEqual(counted, ['tw sent']);
  });

  it('a 5xx, then success: tried once more', async () => {
    const send = await verifiedSend(store, { provider: 'tw' });
    let calls = 0;
    mock.answersOffSpec();
    mock.handle((req, res) => (++calls === 1 ? twilioError(res, 503, 20503) : feedbackAnswer(req, res)));
    await tell(send);
    assert.equal(feedbackCalls(send.transactionId).length, 2);
    assert.deepEqual(await record(send.transactionId), { status: 'sent', code: undefined, tries: 2 });
    assert.deepEqual(counted, ['tw retried', 'tw sent']);
  });

  it('a 4xx: never tried again, recorded as refused with the provider\'s code', async () => {
    const send = await verifiedSend(store, { provider: 'tw' });
    mock.answersOffSpec();
    mock.handle((_req, res) => twilioError(res, 404, 20404));
    await tell(send);
    assert.equal(feedbackCalls(send.transactionId).length, 1);
    assert.deepEqual(await record(send.transactionId), { status: 'refused', code: '20404', tries: 1 });
    assert.deepEqual(counted, ['tw refused']);
  });

  it('429 on every try: gives up after maxTries, recorded as failed', async () => {
    const send = await verifiedSend(store, { provider: 'tw' });
    mock.answersOffSpec();
    mock.handle((_req, res) => twilioError(res, 429, 20429));
    await tell(send, { maxTries: 3 });
    assert.equal(feedbackCalls(send.transactionId).length, 3);
    assert.deepEqual(await record(send.transactionId), { status: 'failed', code: '20429', tries: 3 });
    assert.deepEqual(counted, ['tw retried', 'tw retried', 'tw failed']);
  });

  it('nothing for a provider without feedback: true, a voice call, or a send without a provider id', async () => {
    const off = await verifiedSend(store, { provider: 'plain' });
    const call = await verifiedSend(store, { provider: 'tw', channel: 'voice', transactionId: 'CA0123456789abcdef0123456789abcdef' });
    const w = worker();
    const before = mock.requests.length;
    w.verified({ eventId: off.eventId, provider: 'plain', transactionId: off.transactionId, channel: 'sms' }, Date.now());
    w.verified({ eventId: call.eventId, provider: 'tw', transactionId: call.transactionId, channel: 'voice' }, Date.now());
    w.verified({ eventId: 'evt-none', channel: 'sms' }, Date.now());
    await w.idle();
    await w.close();
    assert.equal(mock.requests.length, before);
    assert.equal((await record(off.transactionId)).status, undefined);
    assert.equal((await record(call.transactionId)).status, undefined);
  });

  it('after a resend, the resend\'s message is told of, through its provider; none when that provider takes no feedback', async () => {
    const viaTw = await verifiedSend(store, { provider: 'plain', resend: { provider: 'tw', transactionId: 'SM00000000000000000000000000feed01' } });
    const viaPlain = await verifiedSend(store, { provider: 'tw', resend: { provider: 'plain', transactionId: 'SM00000000000000000000000000feed02' } });
    mock.handle(feedbackAnswer);
    const w = worker();
    // What the event processor knows: the call's first provider and message.
    w.verified({ eventId: viaPlain.eventId, provider: 'tw', transactionId: viaPlain.transactionId, channel: 'sms' }, Date.now());
    w.start();
    await w.idle();
    await w.close();
    assert.equal(feedbackCalls('SM00000000000000000000000000feed01').length, 1);
    assert.equal((await record(viaTw.transactionId)).status, 'sent');
    assert.equal(feedbackCalls(viaPlain.transactionId).length + feedbackCalls('SM00000000000000000000000000feed02').length, 0);
    assert.equal((await record(viaPlain.transactionId)).status, undefined, 'given back untold');
  });

  it('a full queue drops the oldest waiting send, counts it and records it; the others are told', async () => {
    const sends = await Promise.all([1, 2, 3, 4].map(() => verifiedSend(store, { provider: 'tw' })));
    const w = worker({ maxQueue: 2, concurrency: 1 });
    // The first call is held until the others are queued: one in flight, three waiting for two places.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    mock.handle(async (req, res) => {
      if (first) {
        first = false;
        arrived();
        await held;
      }
      feedbackAnswer(req, res);
    });
    const [a, b, c, d] = sends as [typeof sends[0], typeof sends[0], typeof sends[0], typeof sends[0]];
    w.verified({ ...a, provider: 'tw', channel: 'sms' }, Date.now());
    await inFlight;
    for (const s of [b, c, d]) w.verified({ ...s, provider: 'tw', channel: 'sms' }, Date.now());
    release();
    await w.idle();
    await w.close();
    assert.deepEqual(await Promise.all(sends.map(async (s) => (await record(s.transactionId)).status)), ['sent', 'dropped', 'sent', 'sent']);
    assert.equal(feedbackCalls(b.transactionId).length, 0);
    assert.deepEqual(counted.sort(), ['tw dropped', 'tw sent', 'tw sent', 'tw sent']);
  });

  it('after a restart: verified sends never told are found in the log and told; sends another instance holds are left to it until they go stale', async () => {
    const untold = await verifiedSend(store, { provider: 'tw' });
    const held = await verifiedSend(store, { provider: 'tw' });
    const now = Date.now();
    assert.ok(await store.feedback.take(held.eventId, now, now - FEEDBACK_TAKE_TTL_MS));
    mock.handle(feedbackAnswer);

    const restarted = worker();
    restarted.start();
    await restarted.idle();
    await restarted.close();
    assert.equal(feedbackCalls(untold.transactionId).length, 1);
    assert.equal((await record(untold.transactionId)).status, 'sent');
    assert.equal(feedbackCalls(held.transactionId).length, 0, 'held by a live instance');

    // Its holder died: once the hold is stale, the next start tells it.
    const later = worker({ now: () => now + FEEDBACK_TAKE_TTL_MS + 1 });
    later.start();
    await later.idle();
    await later.close();
    assert.equal(feedbackCalls(held.transactionId).length, 1);
    assert.equal((await record(held.transactionId)).status, 'sent');
  });

  it('two instances on one log: each send is told once', async () => {
    const sends = await Promise.all([1, 2, 3].map(() => verifiedSend(store, { provider: 'tw' })));
    mock.handle(feedbackAnswer);
    const workers = [worker(), worker()];
    for (const w of workers) w.start();
    await Promise.all(workers.map((w) => w.idle()));
    await Promise.all(workers.map((w) => w.close()));
    for (const s of sends) assert.equal(feedbackCalls(s.transactionId).length, 1);
  });
});
