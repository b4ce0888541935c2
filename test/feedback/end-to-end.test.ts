// Provider feedback end to end: a real gateway on loopback with a Twilio provider (feedback: true)
// held to Twilio's published definition; Okta's hook call sends the SMS, Okta's event hook delivers
// the user's auth_via_mfa LogEvent (test/fixtures/okta), and Twilio gets Message Feedback for that
// message, recorded on its row and counted in /metrics.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { json } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { delivery, logEvent } from '../support/okta-events.js';
import { until } from '../support/until.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token-e2e-4d2a';
const EVENTS_SECRET = 'events-secret-feedback-0123';
const basic = 'Basic ' + Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64');

describe('provider feedback, end to end', () => {
  let twilio: SpecMock;
  let gw: TestGateway;

  before(async () => {
    twilio = await startSpecMock('twilio');
    twilio.handle((req, res) => {
      const feedback = /\/Messages\/(SM[0-9a-f]{32})\/Feedback\.json$/.exec(req.url);
      if (feedback) {
        return json(res, 200, {
          account_sid: ACCOUNT, message_sid: feedback[1], outcome: 'confirmed', date_created: 'Sun, 01 Mar 2026 12:00:06 +0000',
          date_updated: 'Sun, 01 Mar 2026 12:00:06 +0000', uri: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${feedback[1]}/Feedback.json`,
        });
      }
      return json(res, 201, { sid: 'SM' + randomBytes(16).toString('hex'), account_sid: ACCOUNT, status: 'queued' });
    });
    gw = await startGateway({ yaml: `
providers:
  tw:
    kind: twilio
    accountSid: ${ACCOUNT}
    authToken: ${AUTH_TOKEN}
    from: "+14155550100"
    baseUrl: ${twilio.url}
    feedback: true
oktaEvents:
  secrets: ["${EVENTS_SECRET}"]
  processIntervalMs: 100
` });
  });
  after(async () => {
    await gw.close();
    await twilio.close();
  });
  afterEach(() => twilio.assertValid());

  test('hook call, then Okta reports the code used: Twilio gets Outcome=confirmed for that message, and the row says so', async () => {
    const userId = '00uFeedbackE2E000001';
    const body = oktaRequest({ preview: false, phoneNumber: '+14155550100', deliveryChannel: 'SMS', requestType: 'com.okta.user.telephony.mfa-verification' });
    body.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
    body.data.userProfile.userId = userId;
    const call = await gw.hook(body);
    assert.equal(call.status, 200);
    const sent = twilio.requests.at(-1)!;
    assert.equal(new URLSearchParams(sent.body).get('ProvideFeedback'), 'true', 'the message was created for feedback');
    const row = gw.rows().find((r) => r.user_id === userId)!;
    assert.match(row.transaction_id, /^SM[0-9a-f]{32}$/);
    assert.equal(row.feedback_status, null, 'nothing told before Okta reports the code used');

    const events = await fetch(`${gw.url}/okta/events`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET },
      body: JSON.stringify(delivery([logEvent({ userId, factor: 'SMS_FACTOR', published: new Date(Date.now() + 1_000) })])),
    });
    assert.equal(events.status, 200, 'the event hook answers before any feedback is sent');

    const told = await until('the feedback recorded on the row', () => gw.rows().find((r) => r.event_id === row.event_id && r.feedback_status === 'sent'));
    assert.ok(told.verified_at > 0);
    assert.equal(told.feedback_tries, 1);
    const feedback = twilio.requests.filter((r) => r.url.endsWith('/Feedback.json'));
    assert.equal(feedback.length, 1);
    assert.equal(feedback[0]!.url, `/2010-04-01/Accounts/${ACCOUNT}/Messages/${row.transaction_id}/Feedback.json`);
    assert.equal(feedback[0]!.headers.authorization, basic);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(feedback[0]!.body)), { Outcome: 'confirmed' });

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /^byot_provider_feedback_total\{provider="tw",outcome="sent"\} 1$/m);
    const [shown] = await gw.gateway.store.search({ transactionId: row.transaction_id });
    assert.equal(shown?.feedbackStatus, 'sent');
    assert.ok(!gw.logs.join('').includes(AUTH_TOKEN), 'no credential in the logs');
  });
});
