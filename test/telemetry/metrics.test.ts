import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { fakeProvider } from '../support/fake-provider.js';
import { ProviderError } from '../../src/providers/types.js';

let gw: TestGateway;
const flaky = fakeProvider('flaky', new ProviderError('unavailable', 'HTTP 503', { providerCode: '503' }));
const steady = fakeProvider('steady');

before(async () => {
  gw = await startGateway({
    adapters: new Map([['flaky', flaky], ['steady', steady]]),
    yaml: 'metrics:\n  token: metrics-token-0123456789\nresilience:\n  breaker: { threshold: 2 }\nproviders:\n  flaky: { kind: console }\n  steady: { kind: console }',
  });
});
after(() => gw.close());

const scrape = async (token = 'metrics-token-0123456789') => {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
};
const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

test('/metrics needs the token when one is configured', async () => {
  assert.equal((await scrape('wrong-token-0123456789')).status, 401);
  assert.equal((await fetch(`${gw.url}/metrics`)).status, 401);
  assert.equal((await scrape()).status, 200);
});

test('known traffic shows up in the counters, with bounded labels only', async () => {
  const sms = oktaRequest({ requestType: 'com.okta.user.telephony.mfa-verification' });
  await gw.hook(sms);
  await gw.hook(sms); // replayed
  await gw.hook(oktaRequest({ deliveryChannel: 'voice call', requestType: 'com.okta.user.telephony.password-reset' }));
  await gw.hook(oktaRequest({ deliveryChannel: 'pigeon' }));
  await gw.hook(oktaRequest({ phoneNumber: 'garbage' }));
  await gw.hook(oktaRequest(), { authorization: 'nope' });

  const { text } = await scrape();
  assert.equal(value(text, 'byot_hook_requests_total{outcome="SUCCESSFUL",channel="sms",request_type="mfa-verification"}'), 1);
  assert.equal(value(text, 'byot_hook_requests_total{outcome="replayed",channel="sms",request_type="mfa-verification"}'), 1);
  assert.equal(value(text, 'byot_hook_requests_total{outcome="SUCCESSFUL",channel="voice",request_type="password-reset"}'), 1);
  assert.equal(value(text, 'byot_provider_attempts_total{provider="flaky",outcome="failed",category="unavailable"}'), 2, 'two failures, then the breaker opened');
  assert.equal(value(text, 'byot_provider_attempts_total{provider="steady",outcome="ok",category="none"}'), 3);
  assert.equal(value(text, 'byot_breaker_state{provider="flaky"}'), 2);
  assert.equal(value(text, 'byot_breaker_state{provider="steady"}'), 0);
  assert.equal(value(text, 'byot_hook_unusual_total{note="unknown_channel"}'), 1);
  assert.equal(value(text, 'byot_hook_refused_total{kind="bad_request",reason="INVALID_VALUE"}'), 1);
  assert.equal(value(text, 'byot_hook_refused_total{kind="unauthorized",reason="credentials"}'), 1);
  assert.ok(value(text, 'byot_hook_duration_seconds_count{channel="sms"}') >= 2);
  assert.match(text, /byot_process_resident_memory_bytes/);
  assert.ok(!/\+1987|9876543210|00uyxx|test\.user/.test(text), 'no phone numbers or users in labels');
});
