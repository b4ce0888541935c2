import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpTemplateProvider } from '../../src/providers/http-template.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';
import { json, startMock, type MockServer } from '../support/mock-http.js';
import { configIssues, createAdapter, expectProviderError, rejectedWith, type FailureCase } from '../support/providers.js';

const TOKEN = 'Zx8_r2VqL0m4Nw7pK3sT9uYb';
const CALLBACK = 'https://gw.example.com/callbacks/http/gw';
// Quotes, a backslash, a newline, & and + exercise both encodings.
const TEXT = 'Your "code" is 4815\\16 & more +\nbye';

function message(channel: 'sms' | 'voice'): OutboundMessage {
  return {
    channel,
    to: { e164: '+447700900123', country: 'GB', type: 'MOBILE', valid: true },
    text: TEXT,
    code: '481516',
    locale: 'en-GB',
    reference: 'evt-uS5871kJThSsU8qlA1LTcg',
  };
}

function config(mockUrl: string): Record<string, unknown> {
  return {
    kind: 'http',
    sms: {
      url: `${mockUrl}/v1/sms`,
      headers: { Authorization: 'Bearer gw-token' },
      body: '{"to":"{{phone}}","text":"{{text}}","ref":"{{reference}}","callback":"{{callbackUrl}}"}',
      idPath: 'data.id',
      errorPath: 'error.code',
      errors: { INVALID_NUMBER: 'invalid_number', COUNTRY_BLOCKED: 'region_blocked', NO_CREDIT: 'insufficient_funds' },
    },
    voice: {
      url: `${mockUrl}/calls`,
      method: 'PUT',
      encoding: 'form',
      body: 'to={{phoneDigits}}&say={{text}}&lang={{locale}}',
      idPath: 'calls.0.id',
      successStatuses: [200],
      failureStatuses: { 403: 'region_blocked' },
      errorPath: 'status',
      okValues: ['0'],
      errors: { 6: 'invalid_number', 9: 'insufficient_funds' },
    },
    callbackToken: TOKEN,
    receipt: { idPath: 'id', statusPath: 'status', codePath: 'err', delivered: ['DELIVERED'], undelivered: ['UNDELIVERED'], failed: ['FAILED'] },
  };
}

function build(raw: Record<string, unknown>): ProviderAdapter {
  return createAdapter(httpTemplateProvider, 'gw', raw, { callbackUrl: CALLBACK });
}

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = ['481516', '7700900123'];

/** The failures every channel must classify: network trouble, the deadline and the common statuses. */
const COMMON: FailureCase[] = [
  { name: 'bad credentials (401)', answer: (res) => json(res, 401, { message: 'unauthorized' }), category: 'auth', providerCode: '401' },
  { name: 'rate limiting (429)', answer: (res) => json(res, 429, { message: 'slow down' }), category: 'rate_limited', providerCode: '429' },
  { name: 'a server error (500)', answer: (res) => json(res, 500, { message: 'oops' }), category: 'unavailable', providerCode: '500' },
  { name: 'a connection reset', answer: (res) => res.socket?.destroy(), category: 'unavailable', ambiguous: true },
  { name: 'no answer within the deadline', answer: () => { /* never answers */ }, category: 'timeout', ambiguous: true, deadlineMs: 200 },
];

describe('generic http provider', () => {
  let mock: MockServer;
  let adapter: ProviderAdapter;
  before(async () => {
    mock = await startMock();
    adapter = build(config(mock.url));
  });
  after(async () => {
    await adapter.close?.();
    await mock.close();
  });

  function classifies(channel: 'sms' | 'voice', cases: FailureCase[]): void {
    for (const c of cases) {
      it(`classifies ${c.name}`, async () => {
        mock.handle((_req, res) => c.answer(res));
        await expectProviderError(adapter.send(message(channel), AbortSignal.timeout(c.deadlineMs ?? 2_000)), c, LEAKS);
      });
    }
  }

  describe('SMS (JSON template)', () => {
    it('fills the template with JSON-escaped values and reads the id at idPath', async () => {
      mock.handle((_req, res) => json(res, 201, { data: { id: 'msg-77', state: 'queued' } }));
      const result = await adapter.send(message('sms'), AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: 'msg-77', status: 'accepted' });
      const req = mock.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/v1/sms');
      assert.equal(req.headers.authorization, 'Bearer gw-token');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body), {
        to: '+447700900123', text: TEXT, ref: 'evt-uS5871kJThSsU8qlA1LTcg', callback: `${CALLBACK}/${TOKEN}`,
      });
    });

    it('fails over, flagged as possibly sent, when a 2xx answer has no id', async () => {
      mock.handle((_req, res) => json(res, 200, { data: {} }));
      await expectProviderError(adapter.send(message('sms'), AbortSignal.timeout(2_000)), { category: 'rejected', providerCode: '200', ambiguous: true }, LEAKS);
    });

    classifies('sms', [
      { name: 'an invalid number from the error body', answer: (res) => json(res, 400, { error: { code: 'INVALID_NUMBER' } }), category: 'invalid_number', providerCode: 'INVALID_NUMBER' },
      { name: 'a blocked country reported inside a 200', answer: (res) => json(res, 200, { error: { code: 'COUNTRY_BLOCKED' } }), category: 'region_blocked', providerCode: 'COUNTRY_BLOCKED' },
      { name: 'no credit', answer: (res) => json(res, 402, { error: { code: 'NO_CREDIT' } }), category: 'insufficient_funds', providerCode: 'NO_CREDIT' },
      { name: 'an unlisted error value as rejected', answer: (res) => json(res, 400, { error: { code: 'SPAM' } }), category: 'rejected', providerCode: 'SPAM' },
      ...COMMON,
    ]);
  });

  describe('voice (form template, PUT)', () => {
    it('fills the template with URL-encoded values and reads the id from an array', async () => {
      mock.handle((_req, res) => json(res, 200, { status: '0', calls: [{ id: 'call-9' }] }));
      const result = await adapter.send(message('voice'), AbortSignal.timeout(2_000));
      assert.equal(result.transactionId, 'call-9');
      const req = mock.requests.at(-1)!;
      assert.equal(req.method, 'PUT');
      assert.equal(req.url, '/calls');
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.match(req.body, /^to=447700900123&say=Your\+%22code%22\+is\+4815%5C16\+%26\+more\+%2B%0Abye&lang=en-GB$/);
      assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), { to: '447700900123', say: TEXT, lang: 'en-GB' });
    });

    classifies('voice', [
      { name: 'an invalid number inside a 200', answer: (res) => json(res, 200, { status: '6', calls: [] }), category: 'invalid_number', providerCode: '6' },
      { name: 'a 403 the gateway uses for blocked countries', answer: (res) => json(res, 403, { message: 'forbidden' }), category: 'region_blocked', providerCode: '403' },
      { name: 'no credit inside a 200', answer: (res) => json(res, 200, { status: '9', calls: [] }), category: 'insufficient_funds', providerCode: '9' },
      { name: 'a 2xx outside successStatuses', answer: (res) => json(res, 202, { status: '0', calls: [{ id: 'c' }] }), category: 'rejected', providerCode: '202' },
      ...COMMON,
    ]);
  });

  it('puts placeholders in the URL of a GET, and uses the eventId when the gateway returns no id', async () => {
    const get = build({
      kind: 'http',
      sms: { url: `${mock.url}/send?to={{phoneDigits}}&msg={{text}}&ref={{reference}}`, method: 'GET', headers: { 'X-Api-Key': 'k1' } },
    });
    mock.handle((_req, res) => { res.end('OK'); });
    const result = await get.send(message('sms'), AbortSignal.timeout(2_000));
    await get.close?.();
    assert.equal(result.transactionId, 'evt-uS5871kJThSsU8qlA1LTcg');
    const req = mock.requests.at(-1)!;
    assert.equal(req.method, 'GET');
    assert.equal(req.body, '');
    assert.equal(req.headers['x-api-key'], 'k1');
    const query = new URL(req.url, mock.url).searchParams;
    assert.equal(query.get('to'), '447700900123');
    assert.equal(query.get('msg'), TEXT);
    assert.deepEqual([...get.channels], ['sms']);
  });

  describe('receipts', () => {
    const receivedAt = new Date('2024-05-01T06:00:00Z');
    const callback = (body: unknown, token: string | undefined = TOKEN): CallbackRequest => ({
      url: `${CALLBACK}/${TOKEN}`, headers: {}, rawBody: JSON.stringify(body), body, token, receivedAt,
    });

    it('reads a JSON receipt with the configured paths', async () => {
      assert.deepEqual(await adapter.receipts!(callback({ id: 'msg-77', status: 'delivered' })), [
        { transactionId: 'msg-77', status: 'delivered', providerStatus: 'delivered', providerCode: undefined, at: receivedAt },
      ]);
    });

    it('reads a form receipt with its error code, and an unknown status as sent', async () => {
      const [failed] = await adapter.receipts!(callback({ id: 'msg-78', status: 'FAILED', err: '42' }));
      assert.equal(failed!.status, 'failed');
      assert.equal(failed!.providerCode, '42');
      const [other] = await adapter.receipts!(callback({ id: 'msg-78', status: 'ENROUTE' }));
      assert.equal(other!.status, 'sent');
    });

    it('reads a body without an id as no receipt', async () => {
      assert.deepEqual(await adapter.receipts!(callback({ status: 'DELIVERED' })), []);
    });

    it('refuses a callback without the token (401) or with a wrong one (403)', async () => {
      await assert.rejects(adapter.receipts!({ ...callback({ id: 'm', status: 'DELIVERED' }), token: undefined }), rejectedWith(401));
      await assert.rejects(adapter.receipts!(callback({ id: 'm', status: 'DELIVERED' }, `x${TOKEN.slice(1)}`)), rejectedWith(403));
    });
  });

  describe('config', () => {
    const sms = { url: 'https://gw.example/sms', body: '{"to":"{{phone}}","text":"{{text}}"}' };
    const issues = (input: Record<string, unknown>) => configIssues(httpTemplateProvider.schema, { kind: 'http', ...input });

    it('parses a good config with defaults', () => {
      const parsed = httpTemplateProvider.schema.parse({ kind: 'http', sms });
      assert.equal(parsed.sms!.method, 'POST');
      assert.equal(parsed.sms!.encoding, 'json');
      assert.equal(parsed.voice, undefined);
    });

    it('the example from the README parses', () => {
      assert.equal(httpTemplateProvider.schema.safeParse(config('https://gw.example')).success, true);
    });

    it('names an unknown placeholder', () => {
      assert.deepEqual(issues({ sms: { ...sms, body: '{"to":"{{number}}"}' } }), [
        { path: 'sms.body', message: 'unknown placeholder {{number}} (expected one of phone, phoneDigits, text, code, locale, reference, callbackUrl)' },
      ]);
    });

    it('refuses a JSON template with an unquoted placeholder', () => {
      const [first] = issues({ sms: { ...sms, body: '{"code":{{code}}}' } });
      assert.equal(first!.path, 'sms.body');
      assert.match(first!.message, /valid JSON/);
    });

    it('refuses a GET with a body and a POST without one', () => {
      assert.equal(issues({ sms: { ...sms, method: 'GET' } })[0]!.message, 'a GET request has no body: put the placeholders in url');
      assert.equal(issues({ sms: { url: sms.url } })[0]!.message, 'expected a body template for POST');
    });

    it('refuses a config without any channel block, or a listed channel without its block', () => {
      assert.deepEqual(issues({}), [{ path: '', message: 'expected an sms: or a voice: block' }]);
      assert.deepEqual(issues({ sms, channels: ['voice'] }), [{ path: 'voice', message: 'expected a voice: block, since channels lists voice' }]);
    });

    it('refuses an unknown category and errors without errorPath', () => {
      const [bad] = issues({ sms: { ...sms, errorPath: 'e', errors: { X: 'lost' } } });
      assert.equal(bad!.path, 'sms.errors.X');
      assert.match(bad!.message, /expected one of invalid_number/);
      assert.equal(issues({ sms: { ...sms, errors: { X: 'rejected' } } })[0]!.path, 'sms.errorPath');
    });

    it('refuses a receipt mapping without a callback token', () => {
      assert.equal(issues({ sms, receipt: { idPath: 'id', statusPath: 'status' } })[0]!.path, 'callbackToken');
    });

    it('refuses a URL that is not http(s)', () => {
      assert.deepEqual(issues({ sms: { ...sms, url: 'ftp://gw.example/sms' } }), [{ path: 'sms.url', message: 'expected an http(s) URL' }]);
    });
  });
});
