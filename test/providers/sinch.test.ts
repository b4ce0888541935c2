import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sinchProvider } from '../../src/providers/sinch.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';
import { json, type RecordedRequest } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { configIssues, createAdapter, providerError, rejectedWith, requestChecks } from '../support/providers.js';

const PLAN = 'jd63jf88477ll123ab4567cd89012ef3';
const TOKEN = 'sms-api-token-0123456789';
const APP_KEY = '669E367E-6BBA-48AB-AF15-266871C28135';
const APP_SECRET = 'JViE5vDor0Sw3WllZka15Q==';
const WEBHOOK_SECRET = 'sinch-webhook-secret-0123';
const CALLBACK_URL = 'https://gw.example.com/callbacks/sinch/main';
const TO = '+14155550199';

function message(channel: 'sms' | 'voice', locale = 'en-US'): OutboundMessage {
  return {
    channel, locale, code: '123456', reference: 'evt-uS5871kJThSsU8qlA1LTcg',
    to: { e164: TO, country: 'US', type: 'MOBILE', valid: true },
    text: channel === 'sms' ? 'Your code is 123456' : 'Your code is 1, 2, 3, 4, 5, 6.',
  };
}

/** What the mock found wrong in a request, checked after each test so no answer hides it. */
const { check, assertNone } = requestChecks('Sinch');

/** The batches endpoint as Sinch checks it, then `answer`. */
function smsEndpoint(answer: (res: ServerResponse) => void) {
  return (req: RecordedRequest, res: ServerResponse) => {
    check('method', req.method === 'POST');
    check('path', req.url === `/xms/v1/${PLAN}/batches`);
    check('bearer token', req.headers.authorization === `Bearer ${TOKEN}`);
    check('content type', req.headers['content-type'] === 'application/json');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    check('from', body.from === '+12345550100');
    check('to', JSON.stringify(body.to) === JSON.stringify([TO]));
    check('body', body.body === 'Your code is 123456');
    check('delivery report', body.delivery_report === 'per_recipient_final' && body.callback_url === CALLBACK_URL);
    answer(res);
  };
}

/** The callouts endpoint: method, path and Sinch's application signature with a fresh timestamp. */
function voiceEndpoint(answer: (res: ServerResponse) => void) {
  return (req: RecordedRequest, res: ServerResponse) => {
    check('method', req.method === 'POST');
    check('path', req.url === '/calling/v1/callouts');
    const timestamp = String(req.headers['x-timestamp']);
    check('fresh x-timestamp', Math.abs(Date.now() - Date.parse(timestamp)) < 60_000);
    const md5 = createHash('md5').update(req.body).digest('base64');
    const toSign = `POST\n${md5}\n${String(req.headers['content-type'])}\nx-timestamp:${timestamp}\n/calling/v1/callouts`;
    const signature = createHmac('sha256', Buffer.from(APP_SECRET, 'base64')).update(toSign).digest('base64');
    check('application signature', req.headers.authorization === `Application ${APP_KEY}:${signature}`);
    const body = JSON.parse(req.body) as { method?: string; ttsCallout?: Record<string, unknown> };
    const tts = body.ttsCallout ?? {};
    check('method ttsCallout', body.method === 'ttsCallout');
    check('cli', tts.cli === '+12345550100');
    check('destination', JSON.stringify(tts.destination) === JSON.stringify({ type: 'number', endpoint: TO }));
    check('text', tts.text === 'Your code is 1, 2, 3, 4, 5, 6.');
    check('locale', typeof tts.locale === 'string');
    answer(res);
  };
}

describe('sinch provider', () => {
  let mock: SpecMock;
  let adapter: ProviderAdapter;

  before(async () => {
    mock = await startSpecMock('sinch-sms', 'sinch-voice');
    adapter = createAdapter(sinchProvider, 'main', {
      kind: 'sinch',
      sms: { servicePlanId: PLAN, apiToken: TOKEN, from: '+12345550100', baseUrl: mock.url, callbackSecret: WEBHOOK_SECRET },
      voice: { applicationKey: APP_KEY, applicationSecret: APP_SECRET, cli: '+12345550100', baseUrl: mock.url },
    }, { callbackUrl: CALLBACK_URL });
  });
  after(async () => {
    await adapter.close?.();
    await mock.close();
  });
  afterEach(() => {
    assertNone();
    mock.assertValid();
  });

  /** The send's ProviderError, whose message leaks neither the code nor the number. */
  const failure = (channel: 'sms' | 'voice', signal = AbortSignal.timeout(2_000)) => providerError(adapter.send(message(channel), signal), ['123456', TO]);

  test('serves both channels when both sections are configured', () => {
    assert.deepEqual([...adapter.channels].sort(), ['sms', 'voice']);
  });

  describe('sms', () => {
    test('success: the batch id is the transaction id', async () => {
      mock.handle(smsEndpoint((res) => json(res, 201, {
        id: '01FC66621XXXXX119Z8PMV1QPQ', to: [TO], from: '+12345550100', canceled: false, type: 'mt_text', delivery_report: 'per_recipient_final',
      })));
      const result = await adapter.send(message('sms'), AbortSignal.timeout(2_000));
      assert.equal(result.transactionId, '01FC66621XXXXX119Z8PMV1QPQ');
      assert.equal(JSON.parse(mock.requests.at(-1)!.body).client_reference, 'evt-uS5871kJThSsU8qlA1LTcg');
    });

    test('invalid number: 400 syntax_invalid_parameter_format on to', async () => {
      mock.handle(smsEndpoint((res) => json(res, 400, { code: 'syntax_invalid_parameter_format', text: 'Invalid number format in field to' })));
      const err = await failure('sms');
      assert.equal(err.category, 'invalid_number');
      assert.equal(err.providerCode, 'syntax_invalid_parameter_format');
    });

    test('a malformed field other than the recipient is a rejection, not the number', async () => {
      mock.handle(smsEndpoint((res) => json(res, 400, { code: 'syntax_invalid_parameter_format', text: 'Invalid format of field from' })));
      const err = await failure('sms');
      assert.equal(err.category, 'rejected');
    });

    test('region not provisioned: 403 unprovisioned_region', async () => {
      mock.handle(smsEndpoint((res) => json(res, 403, { code: 'unprovisioned_region', text: 'Not provisioned for region' })));
      const err = await failure('sms');
      assert.equal(err.category, 'region_blocked');
      assert.equal(err.providerCode, 'unprovisioned_region');
    });

    test('no credit: 403 blocked_account', async () => {
      mock.handle(smsEndpoint((res) => json(res, 403, { code: 'blocked_account', text: 'Account is blocked' })));
      const err = await failure('sms');
      assert.equal(err.category, 'insufficient_funds');
      assert.equal(err.providerCode, 'blocked_account');
    });

    test('401 is auth', async () => {
      mock.handle(smsEndpoint((res) => json(res, 401, { code: 'unauthorized', text: 'Unauthorized' })));
      const err = await failure('sms');
      assert.equal(err.category, 'auth');
      assert.equal(err.providerCode, 'unauthorized');
    });

    test('429 is rate limited', async () => {
      mock.answersOffSpec(); // a bare 429, as a rate limiter in front of the API may answer
      mock.handle(smsEndpoint((res) => { res.writeHead(429); res.end(); }));
      const err = await failure('sms');
      assert.equal(err.category, 'rate_limited');
      assert.equal(err.providerCode, '429');
    });

    test('500 is unavailable', async () => {
      mock.handle(smsEndpoint((res) => json(res, 500, { code: 'internal_error', text: 'Internal error' })));
      const err = await failure('sms');
      assert.equal(err.category, 'unavailable');
      assert.equal(err.providerCode, 'internal_error');
    });

    test('connection reset is unavailable and ambiguous', async () => {
      mock.handle(smsEndpoint((res) => res.socket?.destroy()));
      const err = await failure('sms');
      assert.equal(err.category, 'unavailable');
      assert.equal(err.ambiguous, true);
      assert.match(err.providerCode ?? '', /ECONNRESET|UND_ERR_SOCKET|EPIPE/);
    });

    test('no answer within the deadline is a timeout', async () => {
      mock.handle(smsEndpoint(() => { /* never answers */ }));
      const err = await failure('sms', AbortSignal.timeout(200));
      assert.equal(err.category, 'timeout');
      assert.equal(err.ambiguous, true);
    });

    test('a 2xx answer without an id is an ambiguous failure', async () => {
      mock.answersOffSpec();
      mock.handle(smsEndpoint((res) => json(res, 201, {})));
      const err = await failure('sms');
      assert.equal(err.category, 'unavailable');
      assert.equal(err.ambiguous, true);
    });
  });

  describe('voice', () => {
    test('success: the callId is the transaction id, spoken in the locale of the message', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 200, { callId: '4398599d1ba84ef3bde0a82dfb61abed' })));
      const result = await adapter.send(message('voice', 'fr-CA'), AbortSignal.timeout(2_000));
      assert.equal(result.transactionId, '4398599d1ba84ef3bde0a82dfb61abed');
      const tts = (JSON.parse(mock.requests.at(-1)!.body) as { ttsCallout: Record<string, unknown> }).ttsCallout;
      assert.equal(tts.locale, 'fr-CA');
      assert.equal(tts.enableDice, true);
    });

    test('a language without its own voice falls back to English', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 200, { callId: 'c2' })));
      await adapter.send(message('voice', 'xx-YY'), AbortSignal.timeout(2_000));
      assert.equal((JSON.parse(mock.requests.at(-1)!.body) as { ttsCallout: { locale: string } }).ttsCallout.locale, 'en-US');
    });

    test('invalid number: 400 errorCode 40005', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 400, { errorCode: 40005, message: 'Number missing leading plus' })));
      const err = await failure('voice');
      assert.equal(err.category, 'invalid_number');
      assert.equal(err.providerCode, '40005');
    });

    test('country not enabled: 403 naming the destination country', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 403, { errorCode: 40300, message: 'Calls to the destination country are not allowed' })));
      const err = await failure('voice');
      assert.equal(err.category, 'region_blocked');
      assert.equal(err.providerCode, '40300');
    });

    test('no credit: 402', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 402, { errorCode: 40200, message: 'Account locked due to negative balance' })));
      const err = await failure('voice');
      assert.equal(err.category, 'insufficient_funds');
      assert.equal(err.providerCode, '40200');
    });

    test('401 is auth', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 401, { errorCode: 40100, message: 'Invalid signature' })));
      const err = await failure('voice');
      assert.equal(err.category, 'auth');
      assert.equal(err.providerCode, '40100');
    });

    test('429 is rate limited', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 429, { errorCode: 42900, message: 'Too many requests' })));
      const err = await failure('voice');
      assert.equal(err.category, 'rate_limited');
      assert.equal(err.providerCode, '42900');
    });

    test('500 is unavailable', async () => {
      mock.handle(voiceEndpoint((res) => json(res, 500, { errorCode: 50000, message: 'Internal error' })));
      const err = await failure('voice');
      assert.equal(err.category, 'unavailable');
      assert.equal(err.providerCode, '50000');
    });

    test('connection reset is unavailable and ambiguous', async () => {
      mock.handle(voiceEndpoint((res) => res.socket?.destroy()));
      const err = await failure('voice');
      assert.equal(err.category, 'unavailable');
      assert.equal(err.ambiguous, true);
    });

    test('no answer within the deadline is a timeout', async () => {
      mock.handle(voiceEndpoint(() => { /* never answers */ }));
      const err = await failure('voice', AbortSignal.timeout(200));
      assert.equal(err.category, 'timeout');
    });
  });

  describe('sms delivery reports', () => {
    const now = new Date('2024-06-06T08:17:30Z');
    const report = JSON.stringify({
      type: 'recipient_delivery_report_sms', batch_id: '01FC66621XXXXX119Z8PMV1QPQ', recipient: '+14155550199',
      code: 0, status: 'Delivered', at: '2024-06-06T08:17:15.603Z', client_reference: 'evt-uS5871kJThSsU8qlA1LTcg',
    });

    function signed(body: string, opts: { timestamp?: number; secret?: string } = {}): CallbackRequest {
      const timestamp = String(opts.timestamp ?? Math.floor(now.getTime() / 1000));
      const nonce = '01FJA8B4A7BM43YGWSG9GBV067';
      const signature = createHmac('sha256', opts.secret ?? WEBHOOK_SECRET).update(`${body}.${nonce}.${timestamp}`).digest('base64');
      return {
        url: CALLBACK_URL, rawBody: body, body: JSON.parse(body) as unknown, receivedAt: now,
        headers: {
          'content-type': 'application/json',
          'x-sinch-webhook-signature': signature,
          'x-sinch-webhook-signature-nonce': nonce,
          'x-sinch-webhook-signature-timestamp': timestamp,
          'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
        },
      };
    }

    test('a correctly signed report becomes a receipt', async () => {
      const receipts = await adapter.receipts!(signed(report));
      assert.deepEqual(receipts, [{
        transactionId: '01FC66621XXXXX119Z8PMV1QPQ', status: 'delivered', providerStatus: 'Delivered', providerCode: '0',
        at: new Date('2024-06-06T08:17:15.603Z'),
      }]);
    });

    test('a failed delivery reads as undelivered with its code', async () => {
      const body = report.replace('"code":0', '"code":402').replace('"Delivered"', '"Failed"');
      const [receipt] = await adapter.receipts!(signed(body));
      assert.equal(receipt?.status, 'undelivered');
      assert.equal(receipt?.providerCode, '402');
    });

    test("the signature scheme matches Sinch's own published example", async () => {
      // Vector from the Sinch .NET SDK's webhook test (secret foo_secret1234).
      const body = '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4",'
        + '"contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS",'
        + '"identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"",'
        + '"metadata":"","language":"EN_US"}},"message_metadata":""}';
      const other = createAdapter(sinchProvider, 'vector', { kind: 'sinch', sms: { servicePlanId: PLAN, apiToken: TOKEN, from: 'ACME', callbackSecret: 'foo_secret1234' } });
      try {
        const receipts = await other.receipts!({
          url: CALLBACK_URL, rawBody: body, body: JSON.parse(body) as unknown, receivedAt: new Date(1634579353_000),
          headers: {
            'x-sinch-webhook-signature': '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
            'x-sinch-webhook-signature-nonce': '01FJA8B4A7BM43YGWSG9GBV067',
            'x-sinch-webhook-signature-timestamp': '1634579353',
          },
        });
        assert.deepEqual(receipts, [], 'verified, and not a delivery report');
      } finally {
        await other.close?.();
      }
    });

    test('a tampered body is refused with 403', async () => {
      const req = signed(report);
      req.rawBody = req.rawBody.replace('Delivered', 'Failed');
      await assert.rejects(adapter.receipts!(req), rejectedWith(403));
    });

    test('a report signed with another secret is refused with 403', async () => {
      await assert.rejects(adapter.receipts!(signed(report, { secret: 'someone-else' })), rejectedWith(403));
    });

    test('a missing signature is refused with 401', async () => {
      const req = signed(report);
      delete req.headers['x-sinch-webhook-signature'];
      await assert.rejects(adapter.receipts!(req), rejectedWith(401));
    });

    test('a stale report is refused with 403 even when its signature holds', async () => {
      const stale = signed(report, { timestamp: Math.floor(now.getTime() / 1000) - 600 });
      await assert.rejects(adapter.receipts!(stale), rejectedWith(403));
    });
  });

  describe('voice callbacks (DiCE)', () => {
    const now = new Date('2024-01-15T10:30:05Z');

    function signed(body: string, opts: { timestamp?: string; key?: string } = {}): CallbackRequest {
      const timestamp = opts.timestamp ?? now.toISOString();
      const md5 = createHash('md5').update(body).digest('base64');
      const toSign = `POST\n${md5}\napplication/json; charset=utf-8\nx-timestamp:${timestamp}\n/callbacks/sinch/main`;
      const signature = createHmac('sha256', Buffer.from(APP_SECRET, 'base64')).update(toSign).digest('base64');
      return {
        url: CALLBACK_URL, rawBody: body, body: JSON.parse(body) as unknown, receivedAt: now,
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-timestamp': timestamp, authorization: `application ${opts.key ?? APP_KEY}:${signature}` },
      };
    }
    const dice = JSON.stringify({ event: 'dice', callid: '4398599d1ba84ef3bde0a82dfb61abed', timestamp: '2024-01-15T10:30:00Z', reason: 'CALLEEHANGUP', result: 'ANSWERED', version: 1 });

    test('an answered call is delivered', async () => {
      assert.deepEqual(await adapter.receipts!(signed(dice)), [{
        transactionId: '4398599d1ba84ef3bde0a82dfb61abed', status: 'delivered', providerStatus: 'ANSWERED', providerCode: undefined,
        at: new Date('2024-01-15T10:30:00Z'),
      }]);
    });

    test('an unanswered call is undelivered with its reason', async () => {
      const [receipt] = await adapter.receipts!(signed(dice.replace('ANSWERED', 'NOANSWER').replace('CALLEEHANGUP', 'NOANSWERTIMEOUT')));
      assert.equal(receipt?.status, 'undelivered');
      assert.equal(receipt?.providerCode, 'NOANSWERTIMEOUT');
    });

    test("the signature scheme matches Sinch's published callback example", async () => {
      const body = '{"event":"ace","callid":"822aa4b7-05b4-4d83-87c7-1f835ee0b6f6_257","timestamp":"2014-09-24T10:59:41Z","version":1}';
      const other = createAdapter(sinchProvider, 'vector', { kind: 'sinch', voice: { applicationKey: APP_KEY, applicationSecret: 'BeIukql3pTKJ8RGL5zo0DA==' } });
      try {
        const receipts = await other.receipts!({
          url: 'https://callbacks.yourdomain.com/sinch/callback/ace', rawBody: body, body: JSON.parse(body) as unknown,
          receivedAt: new Date('2014-09-24T10:59:45Z'),
          headers: {
            'content-type': 'application/json', 'x-timestamp': '2014-09-24T10:59:41Z',
            authorization: `application ${APP_KEY}:Tg6fMyo8mj9pYfWQ9ssbx3Tc1BNC87IEygAfLbJqZb4=`,
          },
        });
        assert.deepEqual(receipts, [], 'verified, and not a DiCE event');
      } finally {
        await other.close?.();
      }
    });

    test('a tampered body is refused with 403', async () => {
      const req = signed(dice);
      req.rawBody = req.rawBody.replace('"result":"ANSWERED"', '"result":"BUSY"');
      await assert.rejects(adapter.receipts!(req), rejectedWith(403));
    });

    test('an unknown application is refused with 401', async () => {
      await assert.rejects(adapter.receipts!(signed(dice, { key: 'another-app' })), rejectedWith(401));
    });

    test('a stale callback is refused with 403', async () => {
      await assert.rejects(adapter.receipts!(signed(dice, { timestamp: '2024-01-15T10:00:00Z' })), rejectedWith(403));
    });
  });

  describe('config', () => {
    test('a full config parses with regional defaults', () => {
      const config = sinchProvider.schema.parse({
        kind: 'sinch',
        sms: { servicePlanId: PLAN, apiToken: TOKEN, from: 'ACME' },
        voice: { applicationKey: APP_KEY, applicationSecret: APP_SECRET, cli: '+12345550100' },
      });
      assert.equal(config.sms?.region, 'us');
      assert.equal(config.voice?.region, 'global');
      assert.equal(config.timeoutMs, 1_200);
    });

    test('an SMS-only config serves SMS only', async () => {
      const sms = createAdapter(sinchProvider, 'sms-only', { kind: 'sinch', sms: { servicePlanId: PLAN, apiToken: TOKEN, from: '12345' } });
      assert.deepEqual([...sms.channels], ['sms']);
      await sms.close?.();
    });

    const issues = (input: unknown) => configIssues(sinchProvider.schema, input);

    test('a voice cli that is not E.164 fails on voice.cli', () => {
      assert.deepEqual(issues({ kind: 'sinch', voice: { applicationKey: APP_KEY, applicationSecret: APP_SECRET, cli: '4155550100' } }),
        [{ path: 'voice.cli', message: 'expected E.164 number' }]);
    });

    test('an SMS sender that is neither a number nor a short alphanumeric fails on sms.from', () => {
      const found = issues({ kind: 'sinch', sms: { servicePlanId: PLAN, apiToken: TOKEN, from: 'A very long sender name' } });
      assert.equal(found[0]?.path, 'sms.from');
      assert.match(found[0]!.message, /E\.164 number, a short code or an alphanumeric sender/);
    });

    test('a missing API token fails on sms.apiToken', () => {
      const found = issues({ kind: 'sinch', sms: { servicePlanId: PLAN, from: 'ACME' } });
      assert.equal(found[0]?.path, 'sms.apiToken');
    });

    test('an application secret that is not base64 fails with what is expected', () => {
      const found = issues({ kind: 'sinch', voice: { applicationKey: APP_KEY, applicationSecret: 'not base64!' } });
      assert.deepEqual(found, [{ path: 'voice.applicationSecret', message: 'expected the base64 application secret from the Sinch dashboard' }]);
    });

    test('voice in channels without a voice section fails on voice', () => {
      const found = issues({ kind: 'sinch', channels: ['sms', 'voice'], sms: { servicePlanId: PLAN, apiToken: TOKEN, from: 'ACME' } });
      assert.deepEqual(found, [{ path: 'voice', message: 'expected a voice section when channels include voice' }]);
    });

    test('neither section fails', () => {
      assert.deepEqual(issues({ kind: 'sinch' }), [{ path: 'sms', message: 'expected an sms or a voice section' }]);
    });
  });
});
