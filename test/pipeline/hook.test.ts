import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, SECRET, type TestGateway } from '../support/gateway.js';
import { oktaRequest, uniqueCode } from '../support/okta.js';
import { fakeProvider } from '../support/fake-provider.js';
import { ProviderError } from '../../src/providers/types.js';

const rows = (gw: TestGateway): Record<string, any>[] => gw.rows();

describe('the hook on embedded defaults', () => {
  let gw: TestGateway;
  after(() => gw.close());

  test("answers Okta's published sample with SUCCESSFUL from the console provider", async () => {
    gw = await startGateway();
    const res = await gw.hook(oktaRequest({ eventId: 'uS5871kJThSsU8qlA1LTcg' }));
    assert.equal(res.status, 200);
    const value = res.body.commands[0].value[0];
    assert.equal(res.body.commands[0].type, 'com.okta.telephony.action');
    assert.equal(value.status, 'SUCCESSFUL');
    assert.equal(value.provider, 'CONSOLE');
    assert.match(value.transactionId, /^console-[0-9a-f-]{36}$/);
    assert.match(value.transactionMetadata, /^attempts=console:ok;ms=\d+$/);
    assert.ok(JSON.stringify(res.body).length < 1_024);
  });

  test('health and readiness', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${gw.url}/readyz`)).json(), { status: 'ready' });
  });

  test('one delivery-log row per call, phone masked and hashed, no code', async () => {
    const [row] = rows(gw);
    assert.ok(row);
    assert.equal(row.event_id, 'uS5871kJThSsU8qlA1LTcg');
    assert.equal(row.state, 'done');
    assert.equal(row.request_type, 'pre-enrollment');
    assert.equal(row.channel, 'sms');
    assert.equal(row.phone_masked, '+1987****210');
    assert.match(row.phone_hash, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(row.user_id, '00uyxxSknGtK8022w0g3');
    assert.equal(row.login, 'test.user@okta.com');
    assert.equal(row.status, 'SUCCESSFUL');
    assert.equal(row.provider, 'console');
    assert.match(row.transaction_id, /^console-/);
    assert.equal(row.attempt_count, 1);
    assert.equal(JSON.parse(row.attempts)[0].provider, 'console');
    assert.equal(typeof row.latency_ms, 'number');
    assert.equal(row.preview, 1);
    assert.ok(!JSON.stringify(row).includes('11111'), 'the code is not stored');
  });

  test('unknown routes are 404', async () => {
    const res = await fetch(`${gw.url}/nope`);
    assert.equal(res.status, 404);
    assert.equal((await fetch(`${gw.url}/okta/telephony`)).status, 404, 'GET on the hook');
  });
});

describe('request variants reach the provider normalised', () => {
  const sms = fakeProvider('alpha');
  let gw: TestGateway;
  after(() => gw?.close());

  test('channels, phone formats and locales', async () => {
    gw = await startGateway({ adapters: new Map([['alpha', sms]]), yaml: 'phone:\n  defaultRegion: GB\nproviders:\n  alpha: { kind: console }' });
    const cases: [Parameters<typeof oktaRequest>[0], { channel: string; e164: string; country?: string; locale: string }][] = [
      [{ deliveryChannel: 'SMS', phoneNumber: '+14155550100', locale: 'EN-US' }, { channel: 'sms', e164: '+14155550100', country: 'US', locale: 'en-US' }],
      [{ deliveryChannel: 'CALL', phoneNumber: '14155550100', locale: 'en-us' }, { channel: 'voice', e164: '+14155550100', country: 'US', locale: 'en-US' }],
      [{ deliveryChannel: 'voice call', phoneNumber: '+44 20 7946 0958', locale: 'en' }, { channel: 'voice', e164: '+442079460958', country: 'GB', locale: 'en' }],
      [{ deliveryChannel: 'Voice', phoneNumber: '020 7946 0958', locale: 'fr_FR' }, { channel: 'voice', e164: '+442079460958', country: 'GB', locale: 'fr-FR' }],
      [{ deliveryChannel: 'sms', phoneNumber: '07700 900123', locale: 'de' }, { channel: 'sms', e164: '+447700900123', country: 'GB', locale: 'de' }],
    ];
    for (const [req, want] of cases) {
      const before = sms.sent.length;
      const res = await gw.hook(oktaRequest(req));
      assert.equal(res.body.commands[0].value[0].status, 'SUCCESSFUL', JSON.stringify(req));
      const msg = sms.sent[before]!;
      assert.equal(msg.channel, want.channel);
      assert.equal(msg.to.e164, want.e164, JSON.stringify(req));
      assert.equal(msg.to.country, want.country);
      assert.equal(msg.locale, want.locale);
      assert.equal(msg.code, '11111');
      if (want.channel === 'sms') assert.equal(msg.text, '(HOOK)Your code is 11111', "Okta's text as sent");
      else assert.match(msg.text, /1, 1, 1, 1, 1/);
    }
  });

  test('each of the four requestTypes, and none, is answered', async () => {
    for (const t of ['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset']) {
      const res = await gw.hook(oktaRequest({ requestType: `com.okta.user.telephony.${t}` }));
      assert.equal(res.body.commands[0].value[0].status, 'SUCCESSFUL', t);
    }
    const res = await gw.hook(oktaRequest({ requestType: null }));
    assert.equal(res.body.commands[0].value[0].status, 'SUCCESSFUL');
    const types = rows(gw).map((r) => r.request_type);
    for (const t of ['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset', 'unknown']) assert.ok(types.includes(t), t);
  });

  test('a dry run routes and answers but sends and records nothing', async () => {
    const before = sms.sent.length;
    const rowsBefore = rows(gw).length;
    const req = oktaRequest({ phoneNumber: '+14155550100' });
    const res = await gw.hook(req, { authorization: SECRET, 'x-byot-dry-run': '1' });
    assert.deepEqual(res.body.commands[0].value[0], { status: 'SUCCESSFUL', provider: 'ALPHA', transactionId: 'dry-run', transactionMetadata: 'attempts=none;ms=0' });
    assert.equal(sms.sent.length, before);
    assert.equal(rows(gw).length, rowsBefore);
    const real = await gw.hook(req);
    assert.equal(sms.sent.length, before + 1, 'the same eventId still sends for real afterwards');
    assert.match(real.body.commands[0].value[0].transactionId, /^alpha-/);
  });

  test('a number-like value that is no possible number is refused without sending', async () => {
    const before = sms.sent.length;
    const res = await gw.hook(oktaRequest({ phoneNumber: '+000 000' }));
    assert.equal(res.status, 200);
    assert.equal(res.body.error.errorCauses[0].reason, 'INVALID_PHONE_NUMBER');
    assert.equal(sms.sent.length, before);
  });
});

describe('idempotency on eventId', () => {
  let gw: TestGateway;
  afterEach(() => gw?.close());

  test('a repeated eventId replays the first answer and sends nothing', async () => {
    const p = fakeProvider('alpha');
    gw = await startGateway({ adapters: new Map([['alpha', p]]), yaml: 'providers:\n  alpha: { kind: console }' });
    const req = oktaRequest();
    const first = await gw.hook(req);
    const second = await gw.hook(req);
    assert.equal(p.sent.length, 1);
    assert.deepEqual(second.body, first.body);
    assert.equal(rows(gw).length, 1);
  });

  test('concurrent requests with one eventId send once and all get the same answer', async () => {
    const p = fakeProvider('alpha', 'ok', { delayMs: 150 });
    gw = await startGateway({ adapters: new Map([['alpha', p]]), yaml: 'providers:\n  alpha: { kind: console }' });
    const req = oktaRequest();
    const answers = await Promise.all(Array.from({ length: 12 }, () => gw.hook(req)));
    assert.equal(p.sent.length, 1);
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.body, answers[0]!.body);
    }
    assert.equal(answers[0]!.body.commands[0].value[0].status, 'SUCCESSFUL');
  });

  test('a repeat after a restart replays from the delivery log', async () => {
    const p = fakeProvider('alpha');
    gw = await startGateway({ adapters: new Map([['alpha', p]]), yaml: 'providers:\n  alpha: { kind: console }' });
    const req = oktaRequest();
    const first = await gw.hook(req);
    await gw.gateway.app.close();
    const again = await startGateway({ adapters: new Map([['alpha', p]]), yaml: `providers:\n  alpha: { kind: console }\nstore:\n  path: ${gw.config.store.path}\n  hashKey: test-hash-key-0123456789` });
    try {
      const replay = await again.hook(req);
      assert.deepEqual(replay.body, first.body);
      assert.equal(p.sent.length, 1);
    } finally {
      await again.gateway.app.close();
    }
  });
});

describe('deadline and failover', () => {
  let gw: TestGateway;
  afterEach(() => gw?.close());

  test('a provider that never answers: the answer still leaves before the budget', async () => {
    const stuck = fakeProvider('stuck', 'hang-ignoring-signal', { timeoutMs: 5_000 });
    gw = await startGateway({ adapters: new Map([['stuck', stuck]]), yaml: 'hook:\n  budgetMs: 700\n  reserveMs: 100\n  minAttemptMs: 50\nproviders:\n  stuck: { kind: console }' });
    const res = await gw.hook(oktaRequest());
    assert.equal(res.status, 200);
    assert.ok(res.ms < 700, `answered after ${res.ms} ms`);
    assert.ok(res.ms >= 550, `the attempt used its budget (${res.ms} ms)`);
    assert.equal(res.body.error.errorCauses[0].reason, 'DELIVERY_FAILED');
    const [row] = rows(gw);
    assert.equal(row!.status, 'FAILED');
    assert.equal(JSON.parse(row!.attempts)[0].category, 'timeout');
  });

  test('the attempt signal aborts a provider that honours it, and the next provider delivers', async () => {
    const slow = fakeProvider('slow', 'hang', { timeoutMs: 300 });
    const good = fakeProvider('good');
    gw = await startGateway({ adapters: new Map([['slow', slow], ['good', good]]), yaml: 'providers:\n  slow: { kind: console }\n  good: { kind: console }' });
    const res = await gw.hook(oktaRequest());
    const value = res.body.commands[0].value[0];
    assert.equal(value.status, 'SUCCESSFUL');
    assert.equal(value.provider, 'GOOD');
    assert.match(value.transactionMetadata, /^attempts=slow:timeout,good:ok;ms=\d+$/);
    assert.equal(slow.inFlight, 0, 'the aborted attempt ended');
  });

  test('invalid_number stops the chain; FAILED form when configured', async () => {
    const first = fakeProvider('first', new ProviderError('invalid_number', 'not a mobile', { providerCode: '21614' }));
    const second = fakeProvider('second');
    gw = await startGateway({ adapters: new Map([['first', first], ['second', second]]), yaml: 'hook:\n  onFailure: FAILED\nproviders:\n  first: { kind: console }\n  second: { kind: console }' });
    const res = await gw.hook(oktaRequest());
    assert.equal(res.body.commands[0].value[0].status, 'FAILED');
    assert.equal(second.sent.length, 0);
    assert.equal(JSON.parse(rows(gw)[0]!.attempts)[0].providerCode, '21614');
  });

  test('in-flight hook calls finish during a graceful shutdown', async () => {
    const slow = fakeProvider('slow', 'ok', { delayMs: 300 });
    gw = await startGateway({ adapters: new Map([['slow', slow]]), yaml: 'providers:\n  slow: { kind: console }' });
    const pending = gw.hook(oktaRequest());
    await new Promise((r) => setTimeout(r, 100));
    const closing = gw.close();
    const res = await pending;
    await closing;
    assert.equal(res.status, 200);
    assert.equal(res.body.commands[0].value[0].status, 'SUCCESSFUL');
  });
});

describe('bad input', () => {
  let gw: TestGateway;
  after(() => gw.close());

  const post = async (body: string | undefined, contentType: string | undefined, headers: Record<string, string> = { authorization: SECRET }) => {
    const res = await fetch(`${gw.url}/okta/telephony`, {
      method: 'POST',
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
      body,
    });
    return { status: res.status, body: JSON.parse(await res.text()) };
  };

  test('malformed, empty, oversized, wrongly typed or incomplete bodies: 400 in Okta\'s error form', async () => {
    gw = await startGateway();
    const big = JSON.stringify({ ...oktaRequest(), padding: 'x'.repeat(70_000) });
    const cases: [string | undefined, string | undefined, string][] = [
      ['{"eventId": ', 'application/json', 'FST_ERR_CTP_INVALID_JSON_BODY'],
      ['', 'application/json', 'FST_ERR_CTP_EMPTY_JSON_BODY'],
      [JSON.stringify(oktaRequest()), 'text/plain', 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
      [big, 'application/json', 'FST_ERR_CTP_BODY_TOO_LARGE'],
      [JSON.stringify({ ...oktaRequest(), data: { userProfile: {} } }), 'application/json', 'MISSING_FIELD'],
      [JSON.stringify(oktaRequest({ phoneNumber: 'not a phone' })), 'application/json', 'INVALID_VALUE'],
      [JSON.stringify(oktaRequest({ otpCode: 1234.5 })), 'application/json', 'INVALID_TYPE'],
      [JSON.stringify(oktaRequest({ otpCode: null })), 'application/json', 'MISSING_FIELD'],
      ['[1,2]', 'application/json', 'INVALID_BODY'],
      [undefined, undefined, 'INVALID_BODY'],
    ];
    for (const [body, ct, reason] of cases) {
      const res = await post(body, ct);
      assert.equal(res.status, 400, reason);
      assert.equal(typeof res.body.error.errorSummary, 'string');
      assert.ok(Array.isArray(res.body.error.errorCauses));
      assert.ok(res.body.error.errorCauses.some((c: { reason: string }) => c.reason === reason), `${reason}: ${JSON.stringify(res.body)}`);
    }
    // Still serving.
    const ok = await gw.hook(oktaRequest());
    assert.equal(ok.body.commands[0].value[0].status, 'SUCCESSFUL');
    assert.ok(gw.logs.filter((l) => /"msg":"(invalid hook request|rejected request)"/.test(l)).length >= cases.length);
  });

  test('missing or wrong credentials: 401, logged without the presented value', async () => {
    const missing = await post(JSON.stringify(oktaRequest()), 'application/json', {});
    assert.equal(missing.status, 401);
    const wrong = await post(JSON.stringify(oktaRequest()), 'application/json', { authorization: 'guess-what-i-am-wrong' });
    assert.equal(wrong.status, 401);
    // Auth runs before the body is read: garbage from a stranger is still 401, not 400.
    const garbage = await post('{oops', 'application/json', { authorization: 'nope' });
    assert.equal(garbage.status, 401);
    const logs = gw.logs.join('');
    assert.match(logs, /wrong Authorization value/);
    assert.ok(!logs.includes('guess-what-i-am-wrong'));
    assert.ok(!logs.includes(SECRET));
  });
});

test('the code never appears in the logs or the delivery log, whatever the outcome', async () => {
  const code = uniqueCode();
  const failing = fakeProvider('failing', new ProviderError('unavailable', 'HTTP 503'));
  const gw = await startGateway({
    adapters: new Map([['failing', failing], ['console', fakeProvider('console')]]),
    yaml: 'log:\n  level: trace\nproviders:\n  failing: { kind: console }\n  console: { kind: console }',
  });
  try {
    await gw.hook(oktaRequest({ otpCode: code }));
    await gw.hook(oktaRequest({ otpCode: code, deliveryChannel: 'voice call' }));
    await gw.hook(oktaRequest({ otpCode: code, phoneNumber: 'nonsense' }));
    await gw.hook(JSON.stringify(oktaRequest({ otpCode: code })).slice(0, -3));
    await gw.hook({ ...oktaRequest({ otpCode: code }), eventId: 7 });
    assert.ok(gw.logs.length > 10, 'trace logging produced lines');
    assert.ok(!gw.logs.join('').includes(code), 'code found in the logs');
    assert.ok(!JSON.stringify(rows(gw)).includes(code), 'code found in the delivery log');
  } finally {
    await gw.close();
  }
});

describe('the toll-fraud guard in the pipeline', () => {
  let gw: TestGateway;
  const p = fakeProvider('alpha');
  after(() => gw?.close());

  test('a refused request sends nothing, answers generically, and records the rule for the operator only', async () => {
    gw = await startGateway({
      adapters: new Map([['alpha', p]]),
      yaml: 'guard:\n  limits: { phone: { max: 1, perSeconds: 30 } }\n  countries: { voice: { allow: [US] } }\nproviders:\n  alpha: { kind: console }',
    });
    const first = await gw.hook(oktaRequest({ phoneNumber: '+14155550100' }));
    assert.equal(first.body.commands[0].value[0].status, 'SUCCESSFUL');
    const again = oktaRequest({ phoneNumber: '+14155550100' });
    const second = await gw.hook(again);
    assert.equal(p.sent.length, 1, 'the second request to the number within 30 s is not sent');
    assert.equal(second.body.error.errorCauses[0].reason, 'DELIVERY_FAILED');
    assert.ok(!JSON.stringify(second.body).includes('limits'), 'the rule is not shown to Okta');
    const row = gw.rows().find((r) => r.event_id === again.eventId)!;
    assert.equal(row.status, 'FAILED');
    assert.equal(row.reason, 'blocked');
    assert.equal(row.blocked_by, 'limits.phone.30s');

    const voice = await gw.hook(oktaRequest({ phoneNumber: '+447400123456', deliveryChannel: 'voice call' }));
    assert.ok(voice.body.error, 'voice to a country outside the voice allow list is refused');
    const premium = await gw.hook(oktaRequest({ phoneNumber: '+19005550123' }));
    assert.ok(premium.body.error, 'premium-rate numbers are refused by default');
    const invalid = await gw.hook(oktaRequest({ phoneNumber: '9876543210' }));
    assert.ok(invalid.body.error, 'invalid numbers are refused by default');
    assert.equal(p.sent.length, 1);
    const rules = gw.rows().map((r) => r.blocked_by).filter(Boolean);
    assert.deepEqual(rules, ['limits.phone.30s', 'countries.voice', 'numbers.type.PREMIUM_RATE', 'numbers.invalid']);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /byot_guard_blocks_total\{rule="limits\.phone\.30s"\} 1/);
  });

  test('a dry run applies the number and country policy but consumes no limit', async () => {
    const dry = await gw.hook(oktaRequest({ phoneNumber: '+19005550123' }), { authorization: SECRET, 'x-byot-dry-run': '1' });
    assert.ok(dry.body.error, 'premium rate refused in a dry run too');
    const fresh = '+14155550177';
    const d1 = await gw.hook(oktaRequest({ phoneNumber: fresh }), { authorization: SECRET, 'x-byot-dry-run': '1' });
    const d2 = await gw.hook(oktaRequest({ phoneNumber: fresh }), { authorization: SECRET, 'x-byot-dry-run': '1' });
    assert.equal(d1.body.commands[0].value[0].status, 'SUCCESSFUL');
    assert.equal(d2.body.commands[0].value[0].status, 'SUCCESSFUL');
    const real = await gw.hook(oktaRequest({ phoneNumber: fresh }));
    assert.equal(real.body.commands[0].value[0].status, 'SUCCESSFUL', 'the dry runs left the phone limit untouched');
  });
});

test('behind a trusted proxy, the client address in the request log is the forwarded one', async () => {
  const trusting = await startGateway({ yaml: 'server:\n  trustProxy: 127.0.0.1' });
  const direct = await startGateway();
  try {
    for (const gw of [trusting, direct]) await gw.hook(oktaRequest(), { authorization: SECRET, 'x-forwarded-for': '203.0.113.9' });
    assert.match(trusting.logs.join(''), /"remoteAddress":"203\.0\.113\.9"/);
    assert.ok(!direct.logs.join('').includes('203.0.113.9'), 'without trustProxy the header is ignored');
  } finally {
    await trusting.close();
    await direct.close();
  }
});
