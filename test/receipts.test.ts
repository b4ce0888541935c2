import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startGateway, type TestGateway } from './support/gateway.js';
import { startMock, json, type MockServer } from './support/mock-http.js';
import { oktaRequest } from './support/okta.js';

const TOKEN = 'receipt-token-0123456789abcdef';

describe('delivery receipts through POST /callbacks/:provider/:name', () => {
  let infobip: MockServer;
  let gw: TestGateway;
  let ids = 0;

  before(async () => {
    infobip = await startMock((req, res) => {
      if (req.method === 'POST' && req.url === '/sms/3/messages' && req.headers.authorization === 'App test-api-key') {
        json(res, 200, { bulkId: 'b1', messages: [{ messageId: `MSG-${++ids}`, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED' } }] });
      } else json(res, 401, { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } });
    });
    gw = await startGateway({ yaml: `
server:
  publicUrl: https://byot.example.com/
providers:
  ib:
    kind: infobip
    apiKey: test-api-key
    baseUrl: ${infobip.url}
    sender: ACME
    callbackToken: ${TOKEN}
` });
  });
  after(async () => {
    await gw.close();
    await infobip.close();
  });

  const receipt = (path: string, results: unknown[]) => fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ results }),
  });
  const row = (eventId: string) => {
    const db = new Database(gw.config.store.path, { readonly: true });
    try {
      return db.prepare('SELECT transaction_id, receipt_status, receipt_provider_status, receipt_code, receipt_at FROM hook_calls WHERE event_id = ?').get(eventId) as Record<string, any>;
    } finally {
      db.close();
    }
  };
  const report = (messageId: string, groupName: string, name: string, doneAt: string, error?: object) =>
    ({ messageId, to: '41793026727', status: { groupName, name }, doneAt, ...(error ? { error } : {}) });

  test('the provider is given the callback URL, and a verified receipt updates the call', async () => {
    const req = oktaRequest({ phoneNumber: '+41793026727' });
    const answer = await gw.hook(req);
    const transactionId = answer.body.commands[0].value[0].transactionId;
    assert.match(transactionId, /^MSG-\d+$/);
    const sent = JSON.parse(infobip.requests.at(-1)!.body);
    assert.equal(sent.messages[0].webhooks.delivery.url, `https://byot.example.com/callbacks/infobip/ib/${TOKEN}`);

    const res = await receipt(`/callbacks/infobip/ib/${TOKEN}`, [report(transactionId, 'DELIVERED', 'DELIVERED_TO_HANDSET', '2026-11-22T10:00:05.000+0000')]);
    assert.equal(res.status, 204);
    const r = row(req.eventId);
    assert.equal(r.receipt_status, 'delivered');
    assert.equal(r.receipt_provider_status, 'DELIVERED_TO_HANDSET');
    assert.equal(r.receipt_at, Date.parse('2026-11-22T10:00:05.000Z'));

    // A late or replayed earlier state does not undo a final one.
    const late = await receipt(`/callbacks/infobip/ib/${TOKEN}`, [report(transactionId, 'PENDING', 'PENDING_ENROUTE', '2026-11-22T10:00:01.000+0000')]);
    assert.equal(late.status, 204);
    assert.equal(row(req.eventId).receipt_status, 'delivered');
  });

  test('a failure receipt keeps the provider\'s error code', async () => {
    const req = oktaRequest({ phoneNumber: '+41793026727' });
    const transactionId = (await gw.hook(req)).body.commands[0].value[0].transactionId;
    await receipt(`/callbacks/infobip/ib/${TOKEN}`, [report(transactionId, 'UNDELIVERABLE', 'UNDELIVERABLE_NOT_DELIVERED', '2026-11-22T10:01:00.000+0000',
      { groupId: 1, groupName: 'HANDSET_ERRORS', id: 27, name: 'EC_ABSENT_SUBSCRIBER' })]);
    const r = row(req.eventId);
    assert.equal(r.receipt_status, 'undelivered');
    assert.equal(r.receipt_code, 'EC_ABSENT_SUBSCRIBER');
  });

  test('a receipt dated in the future counts as arriving now, so a later genuine receipt still settles the call', async () => {
    const req = oktaRequest({ phoneNumber: '+41793026727' });
    const transactionId = (await gw.hook(req)).body.commands[0].value[0].transactionId;
    const before = Date.now();
    await receipt(`/callbacks/infobip/ib/${TOKEN}`, [report(transactionId, 'UNDELIVERABLE', 'UNDELIVERABLE_NOT_DELIVERED', '2099-01-01T00:00:00.000+0000')]);
    const frozen = row(req.eventId);
    assert.equal(frozen.receipt_status, 'undelivered');
    assert.ok(frozen.receipt_at >= before && frozen.receipt_at <= Date.now(), `receipt_at ${frozen.receipt_at} is the arrival time, not 2099`);
    // Dated a little after the first arrived (within the clock skew allowed): newer, so it wins.
    const later = new Date(Date.now() + 2_000).toISOString().replace('Z', '+0000');
    await receipt(`/callbacks/infobip/ib/${TOKEN}`, [report(transactionId, 'DELIVERED', 'DELIVERED_TO_HANDSET', later)]);
    assert.equal(row(req.eventId).receipt_status, 'delivered');
  });

  test('a missing token is 401, a wrong one 403, and neither changes anything', async () => {
    const req = oktaRequest({ phoneNumber: '+41793026727' });
    const transactionId = (await gw.hook(req)).body.commands[0].value[0].transactionId;
    const delivered = [report(transactionId, 'DELIVERED', 'DELIVERED_TO_HANDSET', '2026-11-22T10:02:00.000+0000')];
    assert.equal((await receipt('/callbacks/infobip/ib', delivered)).status, 401);
    assert.equal((await receipt(`/callbacks/infobip/ib/${TOKEN.replace(/.$/, 'x')}`, delivered)).status, 403);
    assert.equal(row(req.eventId).receipt_status, null);
    assert.ok(!gw.logs.join('').includes(TOKEN.slice(0, 20)), 'the token is not logged');
  });

  test('unknown providers, kinds that do not match, and bad bodies', async () => {
    assert.equal((await receipt(`/callbacks/infobip/nope/${TOKEN}`, [])).status, 404);
    assert.equal((await receipt(`/callbacks/twilio/ib/${TOKEN}`, [])).status, 404);
    const bad = await fetch(`${gw.url}/callbacks/infobip/ib/${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(bad.status, 400);
  });
});
