// The request checker the adapter tests rely on (test/support/openapi.ts): it must refuse what the
// published definitions refuse, or the adapter tests would prove nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { providerSpec, type CapturedRequest } from '../support/openapi.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const basic = 'Basic ' + Buffer.from(`${ACCOUNT}:token`).toString('base64');

function form(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): CapturedRequest {
  return { method: 'POST', url, headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() };
}

function json(url: string, body: unknown, headers: Record<string, string> = {}): CapturedRequest {
  return { method: 'POST', url, headers: { authorization: 'Bearer KEY123', 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

describe('published definition check', () => {
  const twilio = providerSpec('twilio');
  const telnyx = providerSpec('telnyx');
  const messages = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`;

  it('accepts a request the definition allows', () => {
    assert.deepEqual(twilio.requestProblems(form(messages, { To: '+14155550199', From: '+14155550100', Body: 'Your code is 1' })), []);
    assert.deepEqual(telnyx.requestProblems(json('/v2/messages', { from: '+15550001111', to: '+15550002222', text: 'Your code is 1' })), []);
  });

  it("refuses Telnyx's removed TeXML endpoint, which today's definition does not have", () => {
    const old = json('/v2/texml/calls/1494404757140276705', { From: '+15550001111', To: '+15550002222', Texml: '<Response/>' });
    assert.equal(telnyx.matches(old), false);
    assert.match(telnyx.requestProblems(old).join(), /no such operation/);
  });

  it('refuses a missing required field, a wrong type and a value outside an enum', () => {
    assert.match(twilio.requestProblems(form(messages, { From: '+14155550100', Body: 'x' })).join(), /must have required property 'To'/);
    const calls = `/2010-04-01/Accounts/${ACCOUNT}/Calls.json`;
    assert.match(twilio.requestProblems(form(calls, { To: '+1', From: '+1', Twiml: '<Response/>', Timeout: 'soon' })).join(), /Timeout must be integer/);
    const dial = json('/v2/calls', { connection_id: '1', to: '+15550002222', from: '+15550001111', webhook_url_method: 'PUT' });
    assert.match(telnyx.requestProblems(dial).join(), /webhook_url_method must be equal to one of the allowed values/);
  });

  it('refuses the wrong content type and missing credentials', () => {
    assert.match(twilio.requestProblems(form(messages, { To: '+1', From: '+1', Body: 'x' }, { 'content-type': 'application/json' })).join(), /content-type application\/json is not/);
    assert.match(twilio.requestProblems(form(messages, { To: '+1', From: '+1', Body: 'x' }, { authorization: 'Bearer x' })).join(), /must be Basic credentials/);
  });

  it('refuses credentials missing from the query, where a definition asks for them there', () => {
    const conversion = providerSpec('vonage-conversion');
    const url = (q: Record<string, string>) => ({ method: 'POST', url: `/conversions/sms?${new URLSearchParams(q).toString()}`, headers: {}, body: '' });
    const fields = { 'message-id': '0A01', delivered: 'true', timestamp: '2026-03-01 12:00:05' };
    assert.deepEqual(conversion.requestProblems(url({ api_key: 'k', api_secret: 's', ...fields })), []);
    assert.match(conversion.requestProblems(url({ api_key: 'k', ...fields })).join(), /query parameter api_secret must carry the key/);
    assert.match(conversion.requestProblems(url({ api_key: 'k', api_secret: 's', ...fields, timestamp: '2026-03-01T12:00:05Z' })).join(), /timestamp must match pattern/);
  });

  it('checks an answer against the documented response for its status', () => {
    const req = json('/v2/calls', { connection_id: '1', to: '+15550002222', from: '+15550001111' });
    assert.deepEqual(telnyx.responseProblems(req, 200, 'application/json', JSON.stringify({
      data: { call_control_id: 'v3:abc', call_leg_id: 'leg', call_session_id: 'session', is_alive: false, record_type: 'call' },
    })), []);
    assert.match(telnyx.responseProblems(req, 200, 'application/json', JSON.stringify({ data: { call_sid: 'v3:abc', status: 'queued' } })).join(),
      /answer 200\/data must have required property 'call_control_id'/);
  });
});
