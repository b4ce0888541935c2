import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerFor, normaliseChannel, normaliseLocale, normaliseRequestType, parseHookRequest } from '../../src/okta/contract.js';
import { oktaRequest } from '../support/okta.js';

test('parses Okta\'s published sample into one normalised request', () => {
  const r = parseHookRequest(oktaRequest({ eventId: 'uS5871kJThSsU8qlA1LTcg' }));
  assert.ok(r.ok);
  assert.deepEqual(r.request, {
    eventId: 'uS5871kJThSsU8qlA1LTcg',
    requestType: 'pre-enrollment',
    channel: 'sms',
    phone: '9876543210',
    otp: '11111',
    otpExpires: new Date('2022-01-28T21:48:34.321Z'),
    locale: 'en-US',
    smsText: '(HOOK)Your code is 11111',
    user: { userId: '00uyxxSknGtK8022w0g3', login: 'test.user@okta.com', firstName: 'test', lastName: 'user' },
    clientIp: '127.0.0.1',
    preview: true,
  });
  assert.deepEqual(r.notes, []);
});

test('reads the four requestType values, and accepts a missing or unknown one', () => {
  for (const t of ['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset']) {
    const r = parseHookRequest(oktaRequest({ requestType: `com.okta.user.telephony.${t}` }));
    assert.ok(r.ok);
    assert.equal(r.request.requestType, t);
  }
  const missing = parseHookRequest(oktaRequest({ requestType: null }));
  assert.ok(missing.ok);
  assert.equal(missing.request.requestType, 'unknown');
  assert.deepEqual(missing.notes, ['unknown_request_type']);
  assert.equal(normaliseRequestType('com.okta.user.telephony.something-new'), 'unknown');
});

test('deliveryChannel: SMS in any case is SMS; CALL, voice call and Voice in any case are voice', () => {
  const cases: [string, 'sms' | 'voice'][] = [
    ['SMS', 'sms'], ['sms', 'sms'], ['Sms', 'sms'], [' SMS ', 'sms'],
    ['CALL', 'voice'], ['call', 'voice'], ['voice call', 'voice'], ['VOICE CALL', 'voice'], ['Voice', 'voice'], ['voice', 'voice'],
  ];
  for (const [raw, expected] of cases) {
    assert.equal(normaliseChannel(raw), expected, raw);
    const r = parseHookRequest(oktaRequest({ deliveryChannel: raw }));
    assert.ok(r.ok);
    assert.equal(r.request.channel, expected, raw);
    assert.deepEqual(r.notes, [], raw);
  }
  const odd = parseHookRequest(oktaRequest({ deliveryChannel: 'carrier pigeon' }));
  assert.ok(odd.ok);
  assert.equal(odd.request.channel, 'voice');
  assert.deepEqual(odd.notes, ['unknown_channel']);
});

test('locale: EN-US, en-us, en_gb, en and empty all become BCP 47 tags', () => {
  const cases: [string | undefined, string][] = [
    ['EN-US', 'en-US'], ['en-us', 'en-US'], ['en_gb', 'en-GB'], ['en', 'en'], ['EN', 'en'], ['fr-CA', 'fr-CA'],
    ['zh-hant-tw', 'zh-Hant-TW'], ['es-419', 'es-419'], ['', 'en'], [undefined, 'en'], ['12', 'en'],
  ];
  for (const [raw, expected] of cases) assert.equal(normaliseLocale(raw), expected, String(raw));
  const r = parseHookRequest(oktaRequest({ locale: null }));
  assert.ok(r.ok);
  assert.equal(r.request.locale, 'en');
});

test('phone numbers with and without + are kept as sent for the phone step', () => {
  for (const phone of ['+14155550100', '14155550100', '+44 20 7946 0958', '(415) 555-0100']) {
    const r = parseHookRequest(oktaRequest({ phoneNumber: phone }));
    assert.ok(r.ok, phone);
    assert.equal(r.request.phone, phone);
  }
});

test('a voice request needs no msgTemplate', () => {
  const r = parseHookRequest(oktaRequest({ deliveryChannel: 'voice call', msgTemplate: null }));
  assert.ok(r.ok);
  assert.equal(r.request.smsText, undefined);
});

test('bad input is refused with causes located by JSON path, never echoing values', () => {
  const cases: [unknown, string, string][] = [
    [null, 'INVALID_BODY', ''],
    [[], 'INVALID_BODY', ''],
    ['text', 'INVALID_BODY', ''],
    [{ ...oktaRequest(), eventId: undefined }, 'MISSING_FIELD', 'eventId'],
    [{ ...oktaRequest(), eventId: 42 }, 'INVALID_TYPE', 'eventId'],
    [{ ...oktaRequest(), data: { userProfile: {} } }, 'MISSING_FIELD', 'data.messageProfile'],
    [{ ...oktaRequest(), data: 'x' }, 'INVALID_TYPE', 'data'],
    [oktaRequest({ phoneNumber: null }), 'MISSING_FIELD', 'data.messageProfile.phoneNumber'],
    [oktaRequest({ phoneNumber: '' }), 'MISSING_FIELD', 'data.messageProfile.phoneNumber'],
    [oktaRequest({ phoneNumber: 'call me maybe' }), 'INVALID_VALUE', 'data.messageProfile.phoneNumber'],
    [oktaRequest({ phoneNumber: '12' }), 'INVALID_VALUE', 'data.messageProfile.phoneNumber'],
    [oktaRequest({ phoneNumber: 4155550100.5 }), 'INVALID_TYPE', 'data.messageProfile.phoneNumber'],
    [oktaRequest({ phoneNumber: -4155550100 }), 'INVALID_TYPE', 'data.messageProfile.phoneNumber'],
    [oktaRequest({ otpCode: null }), 'MISSING_FIELD', 'data.messageProfile.otpCode'],
    [oktaRequest({ otpCode: 1e30 }), 'INVALID_TYPE', 'data.messageProfile.otpCode'],
    [oktaRequest({ otpCode: true }), 'INVALID_TYPE', 'data.messageProfile.otpCode'],
    [oktaRequest({ otpCode: '12 34<' }), 'INVALID_VALUE', 'data.messageProfile.otpCode'],
    [oktaRequest({ deliveryChannel: null }), 'MISSING_FIELD', 'data.messageProfile.deliveryChannel'],
    [oktaRequest({ deliveryChannel: ['SMS'] }), 'INVALID_TYPE', 'data.messageProfile.deliveryChannel'],
    [oktaRequest({ locale: { lang: 'en' } }), 'INVALID_TYPE', 'data.messageProfile.locale'],
    [oktaRequest({ msgTemplate: 'x'.repeat(2_000) }), 'TOO_LONG', 'data.messageProfile.msgTemplate'],
  ];
  for (const [body, reason, location] of cases) {
    const r = parseHookRequest(body);
    assert.equal(r.ok, false, `${reason} ${location}`);
    if (r.ok) continue;
    const cause = r.causes.find((c) => c.reason === reason);
    assert.ok(cause, `expected ${reason} for ${location}, got ${JSON.stringify(r.causes)}`);
    if (location) assert.equal(cause.location, location);
    assert.ok(!JSON.stringify(r.causes).includes('call me maybe'));
  }
});

test('answers: SUCCESSFUL in the commands form, failure as an error object or FAILED', () => {
  const ok = answerFor({ status: 'SUCCESSFUL', provider: 'twilio', transactionId: 'SM123', attempts: [
    { provider: 'vonage', ok: false, category: 'unavailable', ms: 20 },
    { provider: 'twilio', ok: true, transactionId: 'SM123', ms: 30 },
  ] }, 'error');
  assert.deepEqual(ok, { commands: [{ type: 'com.okta.telephony.action', value: [{
    status: 'SUCCESSFUL', provider: 'TWILIO', transactionId: 'SM123', transactionMetadata: 'attempts=vonage:unavailable,twilio:ok;ms=50',
  }] }] });

  const failed = { status: 'FAILED' as const, reason: 'blocked' as const, blockedBy: 'velocity.phone', attempts: [] };
  const asError = answerFor(failed, 'error');
  assert.ok('error' in asError);
  assert.equal(typeof asError.error.errorSummary, 'string');
  assert.equal(asError.error.errorCauses.length, 1);
  assert.deepEqual(Object.keys(asError.error.errorCauses[0]!).sort(), ['errorSummary', 'location', 'reason']);
  assert.ok(!JSON.stringify(asError).includes('velocity'), 'never names the rule');

  const asFailed = answerFor(failed, 'FAILED');
  assert.ok('commands' in asFailed);
  assert.equal(asFailed.commands[0].value[0].status, 'FAILED');
  assert.ok(!JSON.stringify(asFailed).includes('velocity'));
  assert.ok(!JSON.stringify(asFailed).includes('blocked'));
});
