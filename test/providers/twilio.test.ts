import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json, type MockHandler } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { createAdapter, expectProviderError, issueAt, networkFailureTests, rejectedWith } from '../support/providers.js';
import type { ErrorCategory } from '../../src/core/domain.js';
import { twilioProvider } from '../../src/providers/twilio.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter, ProviderContext } from '../../src/providers/types.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-5f1e';
const KEY_SID = 'SK0123456789abcdef0123456789abcdef';
const KEY_SECRET = 'twilio-key-secret-77a0';
const MG = 'MG0123456789abcdef0123456789abcdef';
const FROM = '+14155550100';
const TO = '+14155550199';
const CODE = '482913';
const CALLBACK_URL = 'https://otp.example.com/callbacks/twilio/tw';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const twilioError = (code: number, message: string, status: number) =>
  ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

function message(channel: 'sms' | 'voice', locale = 'en-US', text = `Your verification code is ${CODE}.`): OutboundMessage {
  return { channel, to: { e164: TO, country: 'US', type: 'MOBILE', valid: true }, text, code: CODE, locale, reference: 'evt-1' };
}

type Resource = 'Messages' | 'Calls';

/**
 * Twilio's REST API as far as this adapter uses it: checks path, method, Basic auth, form encoding
 * and the required fields the way Twilio does, then lets `answer` reply to a well-formed request.
 */
function twilioApi(answer: (resource: Resource, form: URLSearchParams, res: ServerResponse) => void): MockHandler {
  return (req, res) => {
    const path = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(Messages|Calls)\.json$/.exec(req.url);
    if (req.method !== 'POST' || !path) return json(res, 404, twilioError(20404, 'The requested resource was not found', 404));
    const auth = req.headers.authorization;
    if (path[1] !== ACCOUNT || (auth !== basic(ACCOUNT, TOKEN) && auth !== basic(KEY_SID, KEY_SECRET))) {
      return json(res, 401, twilioError(20003, 'Authenticate', 401));
    }
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      return json(res, 400, twilioError(21604, "A 'To' phone number is required.", 400));
    }
    const form = new URLSearchParams(req.body);
    const resource = path[2] as Resource;
    if (!form.get('To')) return json(res, 400, twilioError(21604, "A 'To' phone number is required.", 400));
    if (!form.get('From') && !(resource === 'Messages' && form.get('MessagingServiceSid'))) {
      return json(res, 400, twilioError(21603, "A 'From' phone number is required.", 400));
    }
    if (resource === 'Messages' && !form.get('Body')) return json(res, 400, twilioError(21602, 'Message body is required.', 400));
    if (resource === 'Calls' && !form.get('Twiml') && !form.get('Url')) return json(res, 400, twilioError(21205, 'Url parameter is required.', 400));
    answer(resource, form, res);
  };
}

const created = (resource: Resource, form: URLSearchParams, res: ServerResponse) =>
  json(res, 201, {
    sid: resource === 'Messages' ? 'SM49a8ece2822d44e4adaccd7ed268f954' : 'CA3c1b2fdc8e1c4c6d8b9b2f0e6a1d7e55',
    account_sid: ACCOUNT,
    status: form.get('MessagingServiceSid') ? 'accepted' : 'queued',
    to: form.get('To'),
    from: form.get('From'),
    error_code: null,
    error_message: null,
  });

/** Twilio's signature computed independently of the adapter: URL, then each field name + value, sorted by name. */
function sign(url: string, params: Record<string, string>, token = TOKEN): string {
  const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(data).digest('base64');
}

function callback(params: Record<string, string>, headers: Record<string, string>, url = CALLBACK_URL): CallbackRequest {
  return { url, headers, rawBody: new URLSearchParams(params).toString(), body: params, receivedAt: new Date('2025-03-01T12:00:00Z') };
}

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = [CODE, TO.slice(2)];

const rejectsWith = (p: Promise<unknown>, category: ErrorCategory, providerCode: string | undefined, ambiguous = false) =>
  expectProviderError(p, { category, providerCode, ambiguous }, LEAKS);

describe('twilio provider', () => {
  let mock: SpecMock;
  const adapters: ProviderAdapter[] = [];

  before(async () => {
    mock = await startSpecMock('twilio');
  });
  after(async () => {
    await mock.close();
    await Promise.all(adapters.map((a) => a.close?.()));
  });
  afterEach(() => mock.assertValid());

  function adapter(options: Record<string, unknown> = {}, ctx: Partial<ProviderContext> = { callbackUrl: CALLBACK_URL }): ProviderAdapter {
    const a = createAdapter(twilioProvider, 'tw', { kind: 'twilio', accountSid: ACCOUNT, authToken: TOKEN, from: FROM, baseUrl: mock.url, ...options }, ctx);
    adapters.push(a);
    return a;
  }
  const last = () => mock.requests.at(-1)!;

  describe('sms', () => {
    it('sends a form-encoded message with Basic auth and returns the message sid', async () => {
      mock.handle(twilioApi(created));
      const sent = await adapter().send(message('sms'), AbortSignal.timeout(2_000));
      assert.deepEqual(sent, { transactionId: 'SM49a8ece2822d44e4adaccd7ed268f954', status: 'queued' });
      const req = last();
      assert.equal(req.method, 'POST');
      assert.equal(req.url, `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
      assert.equal(req.headers.authorization, basic(ACCOUNT, TOKEN));
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
        To: TO, Body: `Your verification code is ${CODE}.`, From: FROM, StatusCallback: CALLBACK_URL,
      });
    });

    it('sends through a Messaging Service when one is configured, with an API key', async () => {
      mock.handle(twilioApi(created));
      const a = adapter({ authToken: undefined, apiKeySid: KEY_SID, apiKeySecret: KEY_SECRET, messagingServiceSid: MG });
      const sent = await a.send(message('sms'), AbortSignal.timeout(2_000));
      assert.equal(sent.status, 'accepted');
      const req = last();
      assert.equal(req.headers.authorization, basic(KEY_SID, KEY_SECRET));
      const form = new URLSearchParams(req.body);
      assert.equal(form.get('MessagingServiceSid'), MG);
      assert.equal(form.get('From'), null);
      // Without the auth token nothing could verify a callback, so none is requested.
      assert.equal(form.get('StatusCallback'), null);
      assert.equal(a.receipts, undefined);
    });

    const refusals: [string, number, number, ErrorCategory][] = [
      ['an invalid number', 21211, 400, 'invalid_number'],
      ['a landline', 21614, 400, 'invalid_number'],
      ['a region without geo permission', 21408, 400, 'region_blocked'],
      ['an account without credit', 20005, 401, 'insufficient_funds'],
      ['wrong credentials', 20003, 401, 'auth'],
      ['too many requests', 20429, 429, 'rate_limited'],
      ['an opted-out recipient', 21610, 400, 'rejected'],
      ['an internal error', 20500, 500, 'unavailable'],
    ];
    for (const [what, code, status, category] of refusals) {
      it(`classifies ${what} (${code}) as ${category}`, async () => {
        mock.handle(twilioApi((_r, _f, res) => json(res, status, twilioError(code, `Invalid 'To' Phone Number: ${TO}`, status))));
        await rejectsWith(adapter().send(message('sms'), AbortSignal.timeout(2_000)), category, String(code));
      });
    }

    it('classifies real wrong credentials rejected by the mock as auth', async () => {
      mock.handle(twilioApi(created));
      await rejectsWith(adapter({ authToken: 'not-the-token' }).send(message('sms'), AbortSignal.timeout(2_000)), 'auth', '20003');
    });

    it('falls back to the HTTP status when the body is not Twilio JSON', async () => {
      mock.handle((_req, res) => { res.writeHead(502, { 'content-type': 'text/html' }); res.end('<html>Bad gateway</html>'); });
      await rejectsWith(adapter().send(message('sms'), AbortSignal.timeout(2_000)), 'unavailable', '502');
    });

    it('treats an acceptance without a sid as ambiguous: the message may be on its way', async () => {
      mock.handle(twilioApi((_r, _f, res) => json(res, 201, {})));
      await rejectsWith(adapter().send(message('sms'), AbortSignal.timeout(2_000)), 'unavailable', '201', true);
    });

    networkFailureTests(() => mock, (signal) => adapter().send(message('sms'), signal), LEAKS);
  });

  describe('voice', () => {
    it('places a call speaking the text with the Polly voice of the locale, and returns the call sid', async () => {
      mock.handle(twilioApi(created));
      const sent = await adapter().send(message('voice', 'en-US', 'Your code is 4, 8, 2.'), AbortSignal.timeout(2_000));
      assert.deepEqual(sent, { transactionId: 'CA3c1b2fdc8e1c4c6d8b9b2f0e6a1d7e55', status: 'queued' });
      const req = last();
      assert.equal(req.url, `/2010-04-01/Accounts/${ACCOUNT}/Calls.json`);
      assert.equal(req.headers.authorization, basic(ACCOUNT, TOKEN));
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
        To: TO,
        From: FROM,
        Twiml: '<Response><Say voice="Polly.Joanna" language="en-US">Your code is 4, 8, 2.</Say></Response>',
        Timeout: '30',
        StatusCallback: CALLBACK_URL,
      });
    });

    const voices: [string, string, string][] = [
      ['fr-CA', 'Polly.Chantal', 'fr-CA'],
      ['de-AT', 'Polly.Marlene', 'de-DE'],
      ['pt-BR', 'Polly.Vitoria', 'pt-BR'],
      ['zh-CN', 'Polly.Zhiyu', 'cmn-CN'],
      ['xx', 'Polly.Joanna', 'en-US'],
    ];
    for (const [locale, voice, language] of voices) {
      it(`speaks ${locale} with ${voice} (${language})`, async () => {
        mock.handle(twilioApi(created));
        await adapter().send(message('voice', locale, 'Code 4, 8, 2.'), AbortSignal.timeout(2_000));
        assert.equal(new URLSearchParams(last().body).get('Twiml'),
          `<Response><Say voice="${voice}" language="${language}">Code 4, 8, 2.</Say></Response>`);
      });
    }

    it('escapes markup in the spoken text', async () => {
      mock.handle(twilioApi(created));
      await adapter().send(message('voice', 'en', 'A & B <Hangup/> "x"'), AbortSignal.timeout(2_000));
      assert.match(new URLSearchParams(last().body).get('Twiml') ?? '', />A &amp; B &lt;Hangup\/&gt; &quot;x&quot;<\/Say>/);
    });

    const refusals: [string, number, number, ErrorCategory][] = [
      ['an invalid number', 21217, 400, 'invalid_number'],
      ['a region without geo permission', 21215, 400, 'region_blocked'],
      ['an inactive account', 10001, 400, 'insufficient_funds'],
      ['wrong credentials', 20003, 401, 'auth'],
      ['too many requests', 20429, 429, 'rate_limited'],
      ['an internal error', 20500, 500, 'unavailable'],
    ];
    for (const [what, code, status, category] of refusals) {
      it(`classifies ${what} (${code}) as ${category}`, async () => {
        mock.handle(twilioApi((_r, _f, res) => json(res, status, twilioError(code, 'refused', status))));
        await rejectsWith(adapter().send(message('voice'), AbortSignal.timeout(2_000)), category, String(code));
      });
    }

    networkFailureTests(() => mock, (signal) => adapter().send(message('voice'), signal), LEAKS);
  });

  describe('receipts', () => {
    it("accepts the example from Twilio's webhook security documentation", async () => {
      const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
      const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
      const req = callback(params, { 'x-twilio-signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' }, url);
      const a = adapter({ authToken: '12345' });
      // Verified (no throw); it carries no CallStatus, so it is no receipt.
      assert.deepEqual(await a.receipts!(req), []);
    });

    it('reads a signed message status callback', async () => {
      const params = { MessageSid: 'SM49a8ece2822d44e4adaccd7ed268f954', MessageStatus: 'delivered', AccountSid: ACCOUNT, To: TO, From: FROM };
      const req = callback(params, { 'x-twilio-signature': sign(CALLBACK_URL, params) });
      assert.deepEqual(await adapter().receipts!(req), [{
        transactionId: 'SM49a8ece2822d44e4adaccd7ed268f954', status: 'delivered', providerStatus: 'delivered', providerCode: undefined, at: req.receivedAt,
      }]);
    });

    it('keeps the error code of an undelivered message', async () => {
      const params = { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' };
      const [receipt] = await adapter().receipts!(callback(params, { 'x-twilio-signature': sign(CALLBACK_URL, params) }));
      assert.equal(receipt?.status, 'undelivered');
      assert.equal(receipt?.providerCode, '30003');
    });

    it('reads a call status callback with its timestamp', async () => {
      const params = { CallSid: 'CA1', CallStatus: 'no-answer', Timestamp: 'Sat, 01 Mar 2025 11:59:30 +0000', CallDuration: '0' };
      const [receipt] = await adapter().receipts!(callback(params, { 'x-twilio-signature': sign(CALLBACK_URL, params) }));
      assert.equal(receipt?.transactionId, 'CA1');
      assert.equal(receipt?.status, 'undelivered');
      assert.equal(receipt?.providerStatus, 'no-answer');
      assert.equal(receipt?.at.toISOString(), '2025-03-01T11:59:30.000Z');
    });

    it('refuses a callback without a signature with 401', async () => {
      const req = callback({ MessageSid: 'SM1', MessageStatus: 'delivered' }, {});
      await assert.rejects(adapter().receipts!(req), rejectedWith(401));
    });

    it('refuses a tampered callback with 403', async () => {
      const signed = { MessageSid: 'SM1', MessageStatus: 'failed' };
      const req = callback({ ...signed, MessageStatus: 'delivered' }, { 'x-twilio-signature': sign(CALLBACK_URL, signed) });
      await assert.rejects(adapter().receipts!(req), rejectedWith(403));
    });

    it('refuses a callback signed for another URL or with another token with 403', async () => {
      const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
      for (const signature of [sign('https://evil.example.com/cb', params), sign(CALLBACK_URL, params, 'other-token')]) {
        const req = callback(params, { 'x-twilio-signature': signature });
        await assert.rejects(adapter().receipts!(req), rejectedWith(403));
      }
    });

    it('has no staleness check: Twilio signs no timestamp, so an old genuine callback still verifies', async () => {
      const params = { CallSid: 'CA1', CallStatus: 'completed', Timestamp: 'Mon, 01 Jan 2024 00:00:00 +0000' };
      const [receipt] = await adapter().receipts!(callback(params, { 'x-twilio-signature': sign(CALLBACK_URL, params) }));
      assert.equal(receipt?.status, 'delivered');
    });
  });

  describe('config', () => {
    const good = { kind: 'twilio', accountSid: ACCOUNT, authToken: '${TWILIO_AUTH_TOKEN}', from: FROM };

    it('parses a good config with defaults', () => {
      const config = twilioProvider.schema.parse(good);
      assert.equal(config.baseUrl, 'https://api.twilio.com');
      assert.equal(config.timeoutMs, 1_200);
    });

    const bad: [string, Record<string, unknown>, string, RegExp][] = [
      ['a sender that is not E.164', { from: '4155550100' }, 'from', /expected E\.164 number/],
      ['a missing account SID', { accountSid: undefined }, 'accountSid', /expected the Account SID/],
      ['neither auth token nor API key', { authToken: undefined }, 'authToken', /expected authToken, or apiKeySid with apiKeySecret/],
      ['an API key without its secret', { apiKeySid: KEY_SID }, 'apiKeySecret', /together/],
      ['voice without a caller id', { from: undefined, messagingServiceSid: MG }, 'from', /voice calls/],
    ];
    for (const [what, change, path, message] of bad) {
      it(`refuses ${what} on ${path}`, () => {
        assert.match(issueAt(twilioProvider.schema, { ...good, ...change }, path), message);
      });
    }

    it('accepts an SMS-only provider with just a Messaging Service', () => {
      assert.equal(twilioProvider.schema.safeParse({ ...good, from: undefined, messagingServiceSid: MG, channels: ['sms'] }).success, true);
    });
  });
});
