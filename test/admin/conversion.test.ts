// The admin API's conversion figures (GET /admin/api/conversion), from Okta's events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, AdminClient, startAdminGateway } from './support.js';
import type { TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { delivery, logEvent } from '../support/okta-events.js';

const EVENTS_SECRET = 'events-secret-0123456789';
let gw: TestGateway;

before(async () => {
  gw = await startAdminGateway({ yaml: `providers:\n  console: { kind: console }\noktaEvents:\n  secrets: ["${EVENTS_SECRET}"]\n  processIntervalMs: 100` });
  const userId = '00uAdminConv00000001';
  const body = oktaRequest({ preview: false, phoneNumber: '+447700900123', requestType: 'com.okta.user.telephony.mfa-verification' });
  body.data.userProfile.userId = userId;
  body.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
  assert.equal((await gw.hook(body)).status, 200);
  const events = [
    logEvent({ userId, published: new Date(Date.now() + 30_000) }),
    logEvent({ userId: '00uNobody0000000001', published: new Date(Date.now() + 1_000) }),
    logEvent({ eventType: 'inline_hook.executed', published: new Date(), debugData: { inlineHookEventId: body.eventId } }),
  ];
  const res = await fetch(`${gw.url}/okta/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET }, body: JSON.stringify(delivery(events)) });
  assert.equal(res.status, 200);
  for (const end = Date.now() + 20_000; !gw.rows()[0]?.verified_at;) {
    if (Date.now() > end) throw new Error('not verified');
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(() => gw.close());

test('conversion per window and grouping, Okta\'s failed executions per day, events waiting for a send; no full number', async () => {
  const admin = new AdminClient(gw.url);
  const r = await admin.get('/admin/api/conversion?window=1h', { authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.window, '1h');
  for (const w of ['1h', '24h', '7d']) assert.deepEqual(r.body.totals[w], { key: 'all', sent: 1, verified: 1, failedAttempts: 0, conversionRate: 1, medianVerifyMs: r.body.totals[w].medianVerifyMs });
  assert.ok(r.body.totals['1h'].medianVerifyMs >= 29_000, 'published 30 s after the send');
  assert.deepEqual(r.body.by.country.map((c: any) => [c.key, c.verified]), [['GB', 1]]);
  assert.deepEqual(r.body.by.prefix.map((c: any) => c.key), ['+4477']);
  assert.deepEqual(r.body.by.provider.map((c: any) => c.key), ['console']);
  assert.deepEqual(r.body.by.requestType.map((c: any) => c.key), ['mfa-verification']);
  assert.equal(r.body.hookFailures.length, 1);
  assert.deepEqual({ ...r.body.hookFailures[0], day: undefined }, { day: undefined, count: 1, matched: 1 });
  assert.equal(r.body.pending, 1, 'the unknown user\'s event waits for a send');
  assert.ok(!r.text.includes('447700900123'));
  const bad = await admin.get('/admin/api/conversion?window=2d', { authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(bad.status, 400);
});
