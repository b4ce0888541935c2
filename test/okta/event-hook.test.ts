// Okta's event hook end to end: a real gateway on loopback, Okta's verification GET and deliveries
// of LogEvents (test/fixtures/okta/), the join onto the delivery log, and /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startGateway, SECRET, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { delivery, fixture, logEvent } from '../support/okta-events.js';
import { startServe } from '../support/cli.js';
import { freePort } from '../support/processes.js';
import { until } from '../support/until.js';
import { EVENT_HOOK_TYPES, VERIFYING_EVENTS } from '../../src/okta/events/event-types.js';
import { classify, receivable } from '../../src/okta/events/log-event.js';

const EVENTS_SECRET = 'events-secret-0123456789';

/** A real sign-in's hook call (not Preview) for the fixture's user, its code alive for 5 minutes. */
function signInRequest(over: { channel?: 'SMS' | 'CALL'; requestType?: string; userId?: string } = {}): Record<string, any> {
  const body = oktaRequest({ preview: false, phoneNumber: '+14155550100', deliveryChannel: over.channel ?? 'SMS', requestType: `com.okta.user.telephony.${over.requestType ?? 'mfa-verification'}` });
  body.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
  if (over.userId) body.data.userProfile.userId = over.userId;
  return body;
}

describe('the LogEvents the gateway reads', () => {
  test('the event hook subscribes only to event types Okta tags event-hook-eligible; user.authentication.verify is System Log only', () => {
    const catalog = new Map<string, string[]>(fixture('event-types.json').eventTypes.map((e: any) => [e.id, e.tags]));
    for (const t of EVENT_HOOK_TYPES) assert.ok(catalog.get(t)?.includes('event-hook-eligible'), `${t} is eligible`);
    assert.equal(catalog.get('user.authentication.verify')?.includes('event-hook-eligible'), false);
    for (const t of Object.keys(VERIFYING_EVENTS)) assert.ok(catalog.has(t), `${t} is in Okta's catalog`);
  });

  test('classify: the factor where the event says it, the user as actor or target, SUCCESS and FAILURE only', () => {
    assert.deepEqual(classify(logEvent({ userId: '00uA' }) as never), { kind: 'verification', requestType: 'mfa-verification', result: 'SUCCESS', userIds: ['00uA'], channel: 'sms' });
    assert.equal((classify(logEvent({ factor: 'CALL_FACTOR' }) as never) as { channel?: string }).channel, 'voice');
    assert.equal((classify(logEvent({ factor: null }) as never) as { channel?: string }).channel, undefined, 'absent: user and time decide');
    const inReason = logEvent({ factor: null });
    inReason.outcome.reason = 'CALL_FACTOR';
    assert.equal((classify(inReason as never) as { channel?: string }).channel, 'voice');
    assert.deepEqual(classify(logEvent({ factor: 'OKTA_VERIFY_PUSH' }) as never), { kind: 'ignored', reason: 'factor' });
    assert.deepEqual(classify(logEvent({ result: 'DENY' }) as never), { kind: 'ignored', reason: 'outcome' });
    assert.equal((classify(logEvent({ result: 'FAILURE' }) as never) as { result?: string }).result, 'FAILURE');
    assert.deepEqual(classify(logEvent({ eventType: 'user.session.start' }) as never), { kind: 'ignored', reason: 'event_type' });
    const reset = classify(logEvent({ eventType: 'user.account.reset_password', userAsTarget: true }) as never);
    assert.deepEqual(reset, { kind: 'verification', requestType: 'password-reset', result: 'SUCCESS', userIds: ['00uadmin0000000000g3', '00uyxxSknGtK8022w0g3'] });
    assert.deepEqual(classify(logEvent({ eventType: 'inline_hook.executed', debugData: { inlineHookEventId: 'evt-1' } }) as never), { kind: 'hook_failure', eventIds: ['evt-1'] });
  });

  test('receivable: a uuid, a published time and an event type, and a bounded size', () => {
    assert.equal(receivable(logEvent()).ok, true);
    assert.deepEqual(receivable({ ...logEvent(), uuid: undefined }), { ok: false, problem: 'uuid' });
    assert.deepEqual(receivable({ ...logEvent(), published: 'yesterday' }), { ok: false, problem: 'published' });
    assert.deepEqual(receivable({ ...logEvent(), eventType: 7 }), { ok: false, problem: 'eventType' });
    assert.deepEqual(receivable('x'), { ok: false, problem: 'not_an_object' });
    assert.deepEqual(receivable({ ...logEvent(), displayMessage: 'x'.repeat(40_000) }), { ok: false, problem: 'too_large' });
  });
});

describe('the event hook endpoint', () => {
  let gw: TestGateway;
  const post = async (body: unknown, headers: Record<string, string> = { authorization: EVENTS_SECRET }) => {
    const res = await fetch(`${gw.url}/okta/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  };
  const metric = async (re: RegExp): Promise<number> => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const rowOf = (eventId: string) => gw.rows().find((r) => r.event_id === eventId);

  before(async () => {
    gw = await startGateway({ yaml: `oktaEvents:\n  secrets: ["${EVENTS_SECRET}"]\n  processIntervalMs: 100\n  unmatchedKeepMs: 500\n  bodyLimitBytes: 65536` });
  });
  after(() => gw.close());

  test('the one-time verification GET answers the challenge; it needs the events secret', async () => {
    const ok = await fetch(`${gw.url}/okta/events`, { headers: { authorization: EVENTS_SECRET, 'x-okta-verification-challenge': 'vT3kU8Wc0zSyY1XkQ2Mn' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { verification: 'vT3kU8Wc0zSyY1XkQ2Mn' });
    for (const headers of [{}, { authorization: 'wrong-secret-0123456789' }, { authorization: SECRET }] as Record<string, string>[]) {
      const no = await fetch(`${gw.url}/okta/events`, { headers: { ...headers, 'x-okta-verification-challenge': 'x' } });
      assert.equal(no.status, 401, 'the telephony hook\'s secret is not the events secret');
      assert.deepEqual(await no.json(), { error: { errorSummary: 'Unauthorized', errorCauses: [] } });
    }
    const missing = await fetch(`${gw.url}/okta/events`, { headers: { authorization: EVENTS_SECRET } });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as any).error.errorCauses[0].reason, 'MISSING_CHALLENGE');
  });

  test('bad input is a 400 in Okta\'s error form: not JSON, no data.events, over the body limit, nothing usable', async () => {
    const cases: [unknown, string][] = [
      ['{"data": {"events": [', 'FST_ERR_CTP_INVALID_JSON_BODY'],
      [{ eventType: 'com.okta.event_hook', data: {} }, 'INVALID_TYPE'],
      [delivery([logEvent({ debugData: { filler: 'x'.repeat(70_000) } })]), 'FST_ERR_CTP_BODY_TOO_LARGE'],
      [delivery([{ uuid: 'no-time' }]), 'INVALID_EVENT'],
    ];
    for (const [body, reason] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, reason);
      assert.equal(r.body.error.errorCauses[0].reason, reason);
    }
    const unauthorized = await post(delivery([logEvent()]), {});
    assert.equal(unauthorized.status, 401);
  });

  test('a hook call and its success event: verified once, whatever the duplicates; a wrong code first is recorded too', async () => {
    const userId = '00uJoinTest000000001';
    const call = await gw.hook(signInRequest({ userId }));
    assert.equal(call.status, 200);
    const eventId = signInEventId(gw, userId);
    const success = logEvent({ userId, published: new Date(Date.now() + 1_000) });
    const failure = logEvent({ userId, result: 'FAILURE', published: new Date(Date.now() + 500) });
    // Out of order and twice: the success first, then the failure, then the success again.
    const first = await post(delivery([success, { ...success }]));
    assert.equal(first.status, 200);
    assert.equal(first.text, '', 'an empty body, as Okta asks');
    assert.equal((await post(delivery([failure, success]))).status, 200);
    const row = await until('the row verified and the failure recorded', () => {
      const r = rowOf(eventId);
      return r?.verified_at && r.verify_failures === 1 ? r : undefined;
    });
    assert.equal(Number(row.verified_at), Date.parse(success.published));
    assert.equal(row.verified_by, success.uuid);
    assert.equal(row.verify_basis, 'factor');
    assert.equal(Number(row.verify_failed_at), Date.parse(failure.published));
    // A late duplicate, after processing, changes nothing.
    assert.equal((await post(delivery([success]))).status, 200);
    await until('the processor idle', async () => (await gw.gateway.store.events.due(Date.now() + 60_000, 10)).length === 0);
    assert.equal(rowOf(eventId)!.verified_by, success.uuid);
    assert.equal(await metric(/byot_verifications_total\{channel="sms",request_type="mfa-verification",outcome="SUCCESS"\} (\d+)/), 1);
    assert.equal(await metric(/byot_verifications_total\{channel="sms",request_type="mfa-verification",outcome="FAILURE"\} (\d+)/), 1);
    assert.ok(await metric(/byot_okta_events_total\{result="duplicate",event_type="none"\} (\d+)/) >= 2);
    const [conversion] = await gw.gateway.store.conversion({ sinceMs: Date.now() - 60_000 });
    assert.equal(conversion!.verified, 1);
  });

  test('a voice call is verified by a CALL_FACTOR event, not by an SMS one; an event without a factor matches on user and time', async () => {
    const userId = '00uVoiceTest00000001';
    await gw.hook(signInRequest({ userId, channel: 'CALL' }));
    const eventId = signInEventId(gw, userId);
    const sms = logEvent({ userId, factor: 'SMS_FACTOR', published: new Date(Date.now() + 100) });
    assert.equal((await post(delivery([sms]))).status, 200);
    await until('the SMS event unmatched', async () => (await gw.gateway.store.events.counts(0)).some((c) => c.state === 'unmatched'));
    assert.equal(rowOf(eventId)!.verified_at, null);
    const voice = logEvent({ userId, factor: 'CALL_FACTOR', published: new Date(Date.now() + 200) });
    await post(delivery([voice]));
    await until('the voice call verified', () => rowOf(eventId)?.verified_at);
    assert.equal(rowOf(eventId)!.verified_by, voice.uuid);

    const resetUser = '00uResetTest00000001';
    await gw.hook(signInRequest({ userId: resetUser, requestType: 'password-reset' }));
    const resetCall = signInEventId(gw, resetUser);
    await post(delivery([logEvent({ eventType: 'user.account.reset_password', userId: resetUser, userAsTarget: true, factor: null, published: new Date(Date.now() + 100) })]));
    const reset = await until('the reset verified', () => (rowOf(resetCall)?.verified_at ? rowOf(resetCall) : undefined));
    assert.equal(reset.verify_basis, 'user_time');
    assert.ok(await metric(/byot_verifications_total\{channel="unknown",request_type="mfa-verification",outcome="unmatched"\} (\d+)/) === 0);
    assert.equal(await metric(/byot_verifications_total\{channel="sms",request_type="mfa-verification",outcome="unmatched"\} (\d+)/), 1);
  });

  test('a batch of 1,000 events is stored and answered; unknown types are ignored, each counted', async () => {
    const events = Array.from({ length: 1_000 }, () => ({ ...logEvent({ eventType: 'user.session.start' }), debugContext: { debugData: {} }, target: [] }));
    const gw2 = await startGateway({ yaml: `oktaEvents:\n  secrets: ["${EVENTS_SECRET}"]\n  processIntervalMs: 100` });
    try {
      const res = await fetch(`${gw2.url}/okta/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET }, body: JSON.stringify(delivery(events)) });
      assert.equal(res.status, 200);
      await until('all ignored', async () => (await gw2.gateway.store.events.counts(0)).find((c) => c.state === 'ignored' && c.count === 1_000));
      const text = await (await fetch(`${gw2.url}/metrics`)).text();
      assert.match(text, /byot_okta_events_total\{result="ignored",event_type="other"\} 1000/);
    } finally {
      await gw2.close();
    }
  });
});

/** The eventId of the user's latest hook call in the log. */
function signInEventId(gw: TestGateway, userId: string): string {
  const rows = gw.rows().filter((r) => r.user_id === userId);
  assert.ok(rows.length > 0, `a row for ${userId}`);
  return rows.at(-1)!.event_id as string;
}

describe('durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byot-events-kill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('SIGKILL right after the 200: the stored events are processed by the next start', async () => {
    const port = await freePort();
    const db = join(dir, 'byot.sqlite');
    writeFileSync(join(dir, 'byot.yaml'), [
      `server: { host: 127.0.0.1, port: ${port} }`,
      `auth: { type: header, header: Authorization, secrets: ["${SECRET}"] }`,
      `store: { path: ${db}, hashKey: test-hash-key-0123456789 }`,
      'guard: { numbers: { refuseInvalid: false } }',
      // No periodic rounds: only the one at start and the one a delivery asks for.
      `oktaEvents: { secrets: ["${EVENTS_SECRET}"], processIntervalMs: 600000 }`,
    ].join('\n'));
    const env = { BYOT_CONFIG: join(dir, 'byot.yaml'), OKTA_HOOK_SECRET: '', OKTA_EVENTS_SECRET: '' };
    const first = startServe(['--config', join(dir, 'byot.yaml')], { cwd: dir, env });
    await first.waitFor(/byot-gateway ready/, 30_000);
    const url = `http://127.0.0.1:${port}`;
    const userId = '00uKillTest000000001';
    const hook = await fetch(`${url}/okta/telephony`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: JSON.stringify(signInRequest({ userId })) });
    assert.equal(hook.status, 200);
    // Another instance holds the processing lease: this one can only store what it receives.
    const sql = new Database(db);
    sql.prepare(`INSERT INTO okta_leases (name, holder, expires_at) VALUES ('okta-events', 'another-instance', ?)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`).run(Date.now() + 2_000);
    sql.close();
    const event = logEvent({ userId, published: new Date(Date.now() + 500) });
    const res = await fetch(`${url}/okta/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET }, body: JSON.stringify(delivery([event])) });
    assert.equal(res.status, 200);
    first.child.kill('SIGKILL');
    await first.stop();

    const read = () => {
      const s = new Database(db, { readonly: true });
      try {
        return s.prepare('SELECT verified_by FROM hook_calls WHERE user_id = ?').get(userId) as { verified_by: string | null };
      } finally {
        s.close();
      }
    };
    assert.equal(read().verified_by, null, 'not processed before the kill');
    // The other instance's lease runs out before the next start, whose first round then takes it.
    await new Promise((r) => setTimeout(r, 2_100));
    const second = startServe(['--config', join(dir, 'byot.yaml')], { cwd: dir, env });
    try {
      await second.waitFor(/byot-gateway ready/, 30_000);
      await until('the event processed after the restart', () => read().verified_by ?? undefined, 30_000);
      assert.equal(read().verified_by, event.uuid);
    } finally {
      await second.stop();
    }
  });
});
