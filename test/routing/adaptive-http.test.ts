// Adaptive routing end to end: hook calls through POST /okta/telephony to two Infobip mocks, the
// first one's receipts (through its callback URL) saying undelivered; once it has enough samples,
// the other is tried first, and the admin Preview and `byot explain` show the figures behind it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startMock, json, type MockServer } from '../support/mock-http.js';
import { oktaRequest } from '../support/okta.js';
import { runCli } from '../support/cli.js';
import { adminYaml, loggedIn, ADMIN_PASSWORD } from '../admin/support.js';

const TOKEN = 'receipt-token-0123456789abcdef';
const PHONE = '+41793026727';
const providers = (url: string) => `
providers:
  first: { kind: infobip, apiKey: key-first, baseUrl: ${url}, sender: ACME, callbackToken: ${TOKEN} }
  second: { kind: infobip, apiKey: key-second, baseUrl: ${url}, sender: ACME, callbackToken: ${TOKEN} }
routing:
  adaptive: { minSamples: 4, exploration: 0, refreshSeconds: 3600 }
  rules:
    - name: swiss
      match: { country: CH }
      providers: [first, second]
`;

describe('routing.adaptive through the HTTP endpoints', () => {
  let infobip: MockServer;
  let gw: TestGateway;
  let ids = 0;

  before(async () => {
    infobip = await startMock((req, res) => {
      const key = req.headers.authorization;
      if (req.method === 'POST' && req.url === '/sms/3/messages' && (key === 'App key-first' || key === 'App key-second')) {
        json(res, 200, { bulkId: 'b1', messages: [{ messageId: `${key.slice(8)}-${++ids}`, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED' } }] });
      } else json(res, 401, { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } });
    });
    gw = await startGateway({
      yaml: `server:\n  publicUrl: https://byot.example.com/\n${adminYaml()}${providers(infobip.url)}`,
      env: { BYOT_TEST_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
  });
  after(async () => {
    await gw.close();
    await infobip.close();
  });

  const sendOne = async (): Promise<{ provider: string; transactionId: string }> => {
    const res = await gw.hook(oktaRequest({ phoneNumber: PHONE, preview: false }));
    assert.equal(res.status, 200);
    const value = res.body.commands[0].value[0];
    assert.equal(value.status, 'SUCCESSFUL');
    return { provider: infobip.requests.at(-1)!.headers.authorization === 'App key-first' ? 'first' : 'second', transactionId: value.transactionId };
  };
  const undelivered = (provider: string, messageId: string) => fetch(`${gw.url}/callbacks/infobip/${provider}/${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ results: [{
      messageId, to: PHONE.slice(1), doneAt: '2026-11-22T10:00:05.000+0000',
      status: { groupName: 'UNDELIVERABLE', name: 'UNDELIVERABLE_NOT_DELIVERED' },
      error: { groupId: 1, groupName: 'HANDSET_ERRORS', id: 27, name: 'EC_ABSENT_SUBSCRIBER' },
    }] }),
  });

  test('after minSamples undelivered receipts, the other provider is tried first; Preview and explain name the figures', async () => {
    for (let i = 0; i < 4; i++) {
      const sent = await sendOne();
      assert.equal(sent.provider, 'first', 'the configured order while nothing is measured');
      assert.equal((await undelivered('first', sent.transactionId)).status, 204);
    }
    // The table is read periodically (refreshSeconds); the test reads it now instead of waiting.
    await gw.gateway.routeScores!.refresh();
    assert.equal((await sendOne()).provider, 'second');
    assert.equal((await sendOne()).provider, 'second');

    const admin = await loggedIn(gw);
    const request = (await admin.post('/admin/api/preview/request', { channel: 'sms', phone: PHONE })).body.request;
    const plan = (await admin.post('/admin/api/preview/plan', { request })).body.plan;
    assert.deepEqual(plan.steps.map((s: { provider: string }) => s.provider), ['second', 'first']);
    assert.equal(plan.steps[0].reason, 'rule chain #2; adaptive: nothing sent yet, not judged below 4 sent, ranks as 0.50');
    assert.equal(plan.steps[1].reason, 'rule chain #1; adaptive: delivered 0% of 4, verified 0% of 4, score 0.00');

    // byot explain reads the same delivery log once and shows the same figures.
    const file = join(gw.dir, 'explain.yaml');
    writeFileSync(file, `auth: { type: header, secrets: ["a-long-enough-hook-secret"] }\nstore: { path: ${JSON.stringify(gw.config.store.path)} }\n${providers(infobip.url)}`);
    const out = await runCli(['explain', '--config', file, '--phone', PHONE, '--channel', 'sms'], { env: { NO_COLOR: '1' } });
    assert.equal(out.code, 0, out.stderr);
    // It reads the log as it is now: the two calls `second` answered since, without receipts yet.
    assert.match(out.stdout, /1\.\s+second .*adaptive: no receipts of 2 sent, verified 0% of 2, not judged below 4 sent/);
    assert.match(out.stdout, /2\.\s+first .*adaptive: delivered 0% of 4, verified 0% of 4, score 0\.00/);
    assert.match(out.stdout, /Measured\s+the last 86400 s of the delivery log at /);
    const asJson = JSON.parse((await runCli(['explain', '--config', file, '--phone', PHONE, '--channel', 'sms', '--json'])).stdout);
    assert.deepEqual(asJson.route.chain.map((c: { provider: string }) => c.provider), ['second', 'first']);
  });
});
