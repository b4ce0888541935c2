// The System Log poller against a loopback Okta (test/cli/fake-okta.ts): pages into the inbox,
// the cursor that lets a restart resume, 429 with X-Rate-Limit-Reset, 500 and a hang, one poller
// among instances, and the same join as the event hook.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { DeliveryStore } from '../../src/store/types.js';
import { createOktaTransport } from '../../src/okta/management/client.js';
import { SYSTEM_LOG_SCOPES, systemLogApi } from '../../src/okta/management/system-log.js';
import { createPoller, CURSOR, SYSTEM_LOG_FILTER, type PollerOptions } from '../../src/okta/events/poller.js';
import { createEventProcessor } from '../../src/okta/events/processor.js';
import { startFakeOkta, type FakeOkta } from '../cli/fake-okta.js';
import { logEvent } from '../support/okta-events.js';

const TOKEN = '00PollerToken-abcdefghijklmnopqrstuvwxyz01';
const dir = mkdtempSync(join(tmpdir(), 'byot-poller-'));
const silent = pino({ level: 'silent' });
const counted: string[] = [];
const metrics = { oktaEvents: (r: string) => void counted.push(r), verification: (_c: string, _t: string, outcome: string) => void counted.push(`verification:${outcome}`) };
let okta: FakeOkta;
let store: DeliveryStore;
let n = 0;

const logs = (timeoutMs = 5_000) => systemLogApi(createOktaTransport({ org: okta.url, auth: { type: 'ssws', token: TOKEN }, timeoutMs, maxRateLimitWaitMs: 0 }, SYSTEM_LOG_SCOPES));
const poller = (over: Partial<PollerOptions> = {}) => createPoller({
  inbox: store.events, logs: logs(), log: silent, metrics, holder: 'instance-a', intervalMs: 60_000, backfillMs: 3_600_000, ...over,
});

before(async () => {
  okta = await startFakeOkta({ apiToken: TOKEN });
});
beforeEach(async () => {
  await store?.close();
  store = await openSqliteStore(join(dir, `log-${++n}.sqlite`));
  okta.logEvents.length = 0;
  okta.logFaults.length = 0;
  okta.requests.length = 0;
  counted.length = 0;
});
after(async () => {
  await store?.close();
  await okta.close();
  rmSync(dir, { recursive: true, force: true });
});

test('polls the event types the gateway joins, pages by `after`, stores the cursor; a restart resumes from it', async () => {
  const t0 = Date.now() - 10 * 60_000;
  okta.logEvents.push(...Array.from({ length: 2_500 }, (_, i) => logEvent({ published: new Date(t0 + i), userId: `00uPoll${i}` })));
  const first = await poller().pollOnce();
  assert.equal(first.stored, 2_500);
  const calls = okta.requests.filter((r) => r.url.startsWith('/api/v1/logs'));
  assert.equal(calls.length, 3, 'three pages of at most 1,000');
  const q = new URL(calls[0]!.url, 'http://x').searchParams;
  assert.equal(q.get('filter'), SYSTEM_LOG_FILTER);
  assert.match(q.get('filter')!, /eventType eq "user\.authentication\.verify"/, 'the System Log has the Identity Engine event too');
  assert.equal(q.get('sortOrder'), 'ASCENDING');
  assert.equal(q.get('limit'), '1000');
  assert.ok(Math.abs(Date.parse(q.get('since')!) - (Date.now() - 3_600_000)) < 60_000, 'the first poll reads the backfill window');
  assert.equal(calls[0]!.headers.authorization, `SSWS ${TOKEN}`);
  assert.equal(JSON.parse((await store.events.cursor(CURSOR))!).after, okta.logEvents.at(-1)!.uuid);

  okta.logEvents.push(logEvent({ published: new Date() }));
  okta.requests.length = 0;
  const again = await poller({ holder: 'instance-a' }).pollOnce();
  assert.equal(again.stored, 1, 'only the new event');
  const resumed = new URL(okta.requests[0]!.url, 'http://x').searchParams;
  assert.equal(resumed.get('after'), okta.logEvents.at(-2)!.uuid);
});

test('polled events join like the event hook\'s: a hook call becomes verified', async () => {
  const userId = '00uPolledJoin0000001';
  const eventId = `evt-poll-${n}`;
  await store.claim({ eventId, receivedAt: Date.now() - 60_000, requestType: 'mfa-verification', channel: 'sms', phoneMasked: '+1415****100', phoneHash: 'h', userId, locale: 'en', preview: false, otpExpires: Date.now() + 4 * 60_000 });
  await store.complete(eventId, { status: 'SUCCESSFUL', provider: 'twilio', transactionId: 'SM1', attempts: [], latencyMs: 10, answer: { commands: [] } as never });
  okta.logEvents.push(logEvent({ userId, eventType: 'user.authentication.verify', factor: null, published: new Date(Date.now() - 30_000) }));
  const processor = createEventProcessor({ inbox: store.events, log: silent, metrics, holder: 'instance-a', unmatchedKeepMs: 60_000, retainMs: 86_400_000, intervalMs: 60_000 });
  assert.equal((await poller().pollOnce()).stored, 1);
  assert.equal(await processor.drain(), 1);
  const [row] = await store.search({ userId });
  assert.equal(row?.verifiedBy, okta.logEvents[0]!.uuid);
  assert.equal(row?.verifyBasis, 'user_time', 'the Identity Engine event named no factor');
  assert.ok(counted.includes('verification:SUCCESS'));
  await processor.close();
});

test('429 waits for X-Rate-Limit-Reset; 500 and a hang back off, growing; nothing is lost and the cursor stays', async () => {
  okta.logEvents.push(logEvent({ published: new Date(Date.now() - 1_000) }));
  const p = createPoller({ inbox: store.events, logs: logs(300), log: silent, metrics, holder: 'instance-a', intervalMs: 10_000, backfillMs: 3_600_000 });
  okta.logFaults.push({ status: 429, resetInSec: 30 });
  const limited = await p.pollOnce();
  assert.equal(limited.skipped, 'rate_limited');
  assert.ok(limited.nextInMs > 25_000 && limited.nextInMs <= 32_000, `waits for the reset (${limited.nextInMs} ms)`);
  okta.logFaults.push({ status: 500 });
  const failed = await p.pollOnce();
  assert.equal(failed.skipped, 'failed');
  okta.logFaults.push({ hang: true });
  const hung = await p.pollOnce();
  assert.equal(hung.skipped, 'failed');
  assert.ok(hung.nextInMs > failed.nextInMs, 'the backoff grows');
  assert.equal(await store.events.cursor(CURSOR), undefined);
  const ok = await p.pollOnce();
  assert.deepEqual([ok.stored, ok.skipped, ok.nextInMs], [1, undefined, 10_000]);
});

test('with several instances one polls: the lease', async () => {
  okta.logEvents.push(logEvent({ published: new Date(Date.now() - 1_000) }));
  const [a, b] = [poller({ holder: 'instance-a' }), poller({ holder: 'instance-b' })];
  const [ra, rb] = await Promise.all([a.pollOnce(), b.pollOnce()]);
  assert.deepEqual([ra.skipped, rb.skipped].sort(), ['lease', undefined].sort());
  assert.equal(okta.requests.filter((r) => r.url.startsWith('/api/v1/logs')).length, 1);
  await a.close();
  await b.close();
  assert.equal((await poller({ holder: 'instance-b' }).pollOnce()).skipped, undefined, 'a closed poller gives its lease back');
});
