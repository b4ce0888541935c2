// The resend after an undelivered receipt end to end, through the real HTTP endpoints: an Okta hook
// call → mock Twilio accepts → Twilio's signed status callback says undelivered → the gateway sends
// the same text through mock Infobip, whose token-authenticated report then settles the resend; the
// row shows both attempts and both receipts in the admin API. Routes without the option, and codes
// Okta already reported as used (its event hook), get no resend.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import type { TestGateway } from './support/gateway.js';
import { AdminClient, ADMIN_TOKEN, startAdminGateway } from './admin/support.js';
import { json, startMock, type MockServer } from './support/mock-http.js';
import { startTwilioMock, twilioProvider, type TwilioMock } from './support/twilio-mock.js';
import { oktaRequest, uniqueCode } from './support/okta.js';
import { delivery, logEvent } from './support/okta-events.js';
import { until } from './support/until.js';
import { skipOrFail } from './support/env.js';
import { createSchema, type PgSchema } from './support/stores.js';

const PUBLIC = 'https://byot.example.com';
const IB_TOKEN = 'resend-report-token-0123456789';
const EVENTS_SECRET = 'events-secret-0123456789';
const TWILIO_TOKEN = 'test-auth-token';
const SWISS = '+41793026727';
const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The gateway's configuration: Swiss numbers resend through Infobip after Twilio's undelivered receipt. */
const gatewayYaml = (infobipUrl: string, twilioUrl: string, extra = ''): string => `server:
  publicUrl: ${PUBLIC}/
providers:
${twilioProvider('tw', twilioUrl)}  ib:
    kind: infobip
    apiKey: ib-api-key
    baseUrl: ${infobipUrl}
    sender: ACME
    callbackToken: ${IB_TOKEN}
routing:
  rules:
    - name: swiss
      match: { country: CH }
      providers: [tw, ib]
      resendOnUndelivered: true
    - name: elsewhere
      providers: [tw, ib]
oktaEvents:
  secrets: ["${EVENTS_SECRET}"]
  processIntervalMs: 100
${extra}`;

/** Twilio's status callback, signed as Twilio signs: the URL, then each field name and value sorted by name. */
const twilioStatus = (base: string, params: Record<string, string>) => {
  const url = `${PUBLIC}/callbacks/twilio/tw`;
  const signature = createHmac('sha1', TWILIO_TOKEN).update(Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url)).digest('base64');
  return fetch(`${base}/callbacks/twilio/tw`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
};
const undelivered = (base: string, sid: string) => twilioStatus(base, { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003', AccountSid: 'AC' + '0123456789abcdef'.repeat(2) });

/** Infobip's SMS API as its documentation shows it: App-key auth, an accepted message with its id. */
const startInfobipMock = (): Promise<MockServer> => startMock((req, res) => {
  if (req.method !== 'POST' || req.url !== '/sms/3/messages' || req.headers.authorization !== 'App ib-api-key') {
    return json(res, 401, { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } });
  }
  return json(res, 200, { bulkId: 'b1', messages: [{ messageId: `IB-${randomBytes(6).toString('hex')}`, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED' } }] });
});

describe('resend after an undelivered receipt, through the HTTP endpoints', () => {
  let twilio: TwilioMock;
  let infobip: MockServer;
  let gw: TestGateway;
  let admin: AdminClient;

  before(async () => {
    twilio = await startTwilioMock();
    infobip = await startInfobipMock();
    gw = await startAdminGateway({ yaml: gatewayYaml(infobip.url, twilio.url) });
    admin = new AdminClient(gw.url);
  });
  after(async () => {
    await gw?.close();
    await twilio?.close();
    await infobip?.close();
  });

  /** A sign-in's hook call (not Preview), its code alive for five minutes, as Okta sends it. */
  const signIn = async (phoneNumber: string, userId: string) => {
    const code = uniqueCode();
    const body = oktaRequest({ preview: false, phoneNumber, otpCode: code, requestType: 'com.okta.user.telephony.mfa-verification' });
    body.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
    body.data.userProfile.userId = userId;
    const res = await gw.hook(body);
    assert.equal(res.status, 200);
    const value = res.body.commands[0].value[0];
    assert.equal(value.status, 'SUCCESSFUL');
    return { code, eventId: body.eventId as string, transactionId: value.transactionId as string };
  };
  const infobipReport = (messageId: string, groupName: string, name: string) => fetch(`${gw.url}/callbacks/infobip/ib/${IB_TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ results: [{ messageId, to: SWISS.slice(1), status: { groupName, name }, doneAt: new Date().toISOString().replace('Z', '+0000') }] }),
  });
  const deliveryRow = async (transactionId: string) => {
    const res = await admin.get(`/admin/api/deliveries?transactionId=${encodeURIComponent(transactionId)}`, bearer);
    assert.equal(res.status, 200);
    return res.body.rows[0];
  };
  const resends = async (outcome: string): Promise<number> => {
    const m = new RegExp(`^byot_resends_total\\{channel="sms",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(await (await fetch(`${gw.url}/metrics`)).text());
    return m ? Number(m[1]) : 0;
  };

  test('Twilio says undelivered: the same text goes once through Infobip; the row shows both attempts and both receipts', async () => {
    const call = await signIn(SWISS, '00uResendTest0000001');
    assert.match(call.transactionId, /^SM[0-9a-f]{32}$/);
    const firstText = new URLSearchParams(twilio.requests.at(-1)!.body).get('Body');
    assert.ok(firstText?.includes(call.code));
    assert.equal(infobip.requests.length, 0);

    assert.equal((await undelivered(gw.url, call.transactionId)).status, 204);
    await until('the resend through Infobip', () => infobip.requests.length === 1);
    const resent = JSON.parse(infobip.requests[0]!.body);
    assert.equal(resent.messages[0].content.text, firstText, 'the same text');
    assert.equal(resent.messages[0].destinations[0].to, SWISS.slice(1));
    assert.equal(resent.messages[0].webhooks.delivery.url, `${PUBLIC}/callbacks/infobip/ib/${IB_TOKEN}`);

    const row = await until('the resend recorded', async () => {
      const r = await deliveryRow(call.transactionId);
      return r?.resendState === 'sent' ? r : undefined;
    });
    assert.equal(row.eventId, call.eventId);
    assert.equal(row.transactionId, call.transactionId, 'the answer Okta got is unchanged');
    assert.equal(row.receiptStatus, 'undelivered');
    assert.equal(row.receiptCode, '30003');
    assert.equal(row.resendProvider, 'ib');
    assert.match(row.resendTransactionId, /^IB-/);
    assert.deepEqual(row.attempts.map((a: any) => [a.provider, a.ok, a.resend ?? false]), [['tw', true, false], ['ib', true, true]]);
    assert.equal(row.attemptCount, 2);
    assert.equal(await resends('sent'), 1);

    // Infobip's report of the resend lands on the same row, beside Twilio's.
    assert.equal((await infobipReport(row.resendTransactionId, 'DELIVERED', 'DELIVERED_TO_HANDSET')).status, 204);
    const settled = await deliveryRow(row.resendTransactionId);
    assert.equal(settled.eventId, call.eventId, 'found by the resend\'s id too');
    assert.equal(settled.resendReceiptStatus, 'delivered');
    assert.equal(settled.resendReceiptProviderStatus, 'DELIVERED_TO_HANDSET');
    assert.equal(settled.receiptStatus, 'undelivered');
    const providers = await admin.get('/admin/api/providers', bearer);
    assert.equal(providers.status, 200);
    assert.ok(!providers.text.includes(call.code));

    // Twilio repeating its callback sends nothing more.
    assert.equal((await undelivered(gw.url, call.transactionId)).status, 204);
    assert.equal(infobip.requests.length, 1);
    assert.equal(twilio.requests.length, 1);
    assert.ok(!gw.logs.join('').includes(call.code), 'the code is never logged');
    assert.ok(!JSON.stringify(gw.rows()).includes(call.code), 'nor stored');
  });

  test('a route without resendOnUndelivered (the default) does not resend', async () => {
    const before = infobip.requests.length;
    const call = await signIn('+14155550100', '00uResendTest0000002');
    assert.equal((await undelivered(gw.url, call.transactionId)).status, 204);
    const row = await deliveryRow(call.transactionId);
    assert.equal(row.receiptStatus, 'undelivered');
    assert.equal(row.resendState, undefined);
    assert.equal(infobip.requests.length, before);
  });

  test('a code Okta reported as used (its event hook) is not resent', async () => {
    const before = infobip.requests.length;
    const userId = '00uResendTest0000003';
    const call = await signIn(SWISS, userId);
    const used = logEvent({ userId, published: new Date(Date.now() + 1_000) });
    const posted = await fetch(`${gw.url}/okta/events`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET }, body: JSON.stringify(delivery([used])),
    });
    assert.equal(posted.status, 200);
    await until('the verification joined onto the row', async () => (await deliveryRow(call.transactionId))?.verifiedAt);

    assert.equal((await undelivered(gw.url, call.transactionId)).status, 204);
    const row = await deliveryRow(call.transactionId);
    assert.equal(row.receiptStatus, 'undelivered');
    assert.equal(row.resendState, undefined);
    assert.equal(infobip.requests.length, before);
  });
});

describe('resend across instances: the receipt reaches the instance that did not send', () => {
  const redisUrl = process.env.REDIS_URL;
  const databaseUrl = process.env.DATABASE_URL;
  if (!redisUrl || !databaseUrl) {
    test('two gateways sharing Redis and PostgreSQL', (t) => skipOrFail(t, 'REDIS_URL and DATABASE_URL are needed (e.g. redis://127.0.0.1:6379, postgres://postgres@127.0.0.1:5432/test)'));
    return;
  }
  let twilio: TwilioMock;
  let infobip: MockServer;
  let schema: PgSchema;
  const gateways: TestGateway[] = [];

  before(async () => {
    twilio = await startTwilioMock();
    infobip = await startInfobipMock();
    schema = await createSchema(databaseUrl, 'resend');
    const keyPrefix = `byot-resend-${process.pid}-${Date.now().toString(36)}`;
    const shared = `store:\n  url: ${JSON.stringify(schema.url)}\nlimits:\n  url: ${JSON.stringify(redisUrl)}\nguard:\n  store: { keyPrefix: ${JSON.stringify(keyPrefix)} }\n`;
    for (let i = 0; i < 2; i++) gateways.push(await startAdminGateway({ yaml: gatewayYaml(infobip.url, twilio.url, shared) }));
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await schema?.drop();
    await twilio?.close();
    await infobip?.close();
  });

  test('A sends through Twilio, Twilio\'s undelivered callback reaches B: A resends through Infobip, once', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const code = uniqueCode();
    const body = oktaRequest({ preview: false, phoneNumber: SWISS, otpCode: code, requestType: 'com.okta.user.telephony.mfa-verification' });
    body.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
    const res = await a.hook(body);
    assert.equal(res.body.commands[0].value[0].status, 'SUCCESSFUL');
    const sid = res.body.commands[0].value[0].transactionId as string;

    // B holds nothing of this call; it passes the receipt on, and A, which holds the message, resends.
    assert.equal((await undelivered(b.url, sid)).status, 204);
    await until('the resend through Infobip', () => infobip.requests.length === 1);
    assert.ok(JSON.parse(infobip.requests[0]!.body).messages[0].content.text.includes(code), 'the same text');
    const rows = await until('the resend recorded', async () => {
      const r = await schema.query<{ resend_state: string | null; resend_provider: string | null }>('SELECT resend_state, resend_provider FROM {schema}.hook_calls WHERE transaction_id = $1', [sid]);
      return r[0]?.resend_state === 'sent' ? r : undefined;
    });
    assert.equal(rows[0]!.resend_provider, 'ib');
    assert.match(a.logs.join(''), /acted on a receipt another instance received/);

    // The same callback again, through either instance, sends nothing more.
    assert.equal((await undelivered(b.url, sid)).status, 204);
    assert.equal((await undelivered(a.url, sid)).status, 204);
    assert.equal(infobip.requests.length, 1);
    for (const g of gateways) assert.ok(!g.logs.join('').includes(code), 'the code is never logged');
  });
});
