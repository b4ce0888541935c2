import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eightbyeightProvider } from '../../src/providers/eightbyeight.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';
import type { ErrorCategory } from '../../src/core/domain.js';
import { json, type MockServer } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { configIssues, createAdapter, expectProviderError, networkFailureTests, rejectedWith } from '../support/providers.js';

const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4';
const CALLBACK = 'https://gw.example.com/callbacks/eightbyeight/sg';

function message(channel: 'sms' | 'voice', locale = 'en-US'): OutboundMessage {
  return {
    channel,
    to: { e164: '+6591234567', country: 'SG', type: 'MOBILE', valid: true },
    text: 'Your code is 4, 8, 1, 5, 1, 6.',
    code: '481516',
    locale,
    reference: 'evt-uS5871kJThSsU8qlA1LTcg',
  };
}

function build(mock: MockServer, extra: Record<string, unknown> = {}): ProviderAdapter {
  return createAdapter(eightbyeightProvider, 'sg', {
    kind: 'eightbyeight',
    apiKey: 'key-123',
    subAccountId: 'acme_otp',
    sender: 'ACME',
    callerId: '+6568332048',
    smsBaseUrl: mock.url,
    voiceBaseUrl: `${mock.url}/`,
    callbackToken: TOKEN,
    ...extra,
  }, { callbackUrl: CALLBACK });
}

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = ['481516', '91234567'];

const failure = (promise: Promise<unknown>, category: ErrorCategory, providerCode: string) =>
  expectProviderError(promise, { category, providerCode }, LEAKS);

const smsError = (code: number, message: string) => ({ code, message, errorId: '1cc1eda1-f5dd-ea11-8288-0263195dd35a', timestamp: '2024-05-01T05:52:01.85Z' });
const voiceError = (statusCode: number, statusMessage: string) => ({ sessionStatus: 'NOT_CREATED', callFlowRequestId: 'c6e6dee5-3846-11ef-9e95-b903e2ed7273', statusCode, statusMessage });

describe('8x8 provider', () => {
  let mock: SpecMock;
  let adapter: ProviderAdapter;
  before(async () => {
    mock = await startSpecMock('8x8-sms', '8x8-voice');
    adapter = build(mock);
  });
  after(async () => {
    await adapter.close?.();
    await mock.close();
  });
  afterEach(() => mock.assertValid());

  describe('SMS', () => {
    it('sends through the SMS API and returns the umid', async () => {
      mock.handle((_req, res) => json(res, 200, {
        umid: '6a7c1b8e-3f1d-4a3e-9c1d-1a2b3c4d5e6f', clientMessageId: 'evt-uS5871kJThSsU8qlA1LTcg', destination: '6591234567', encoding: 'GSM7',
        status: { code: 'QUEUED', description: 'SMS is accepted and queued for processing' },
      }));
      const result = await adapter.send(message('sms'), AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: '6a7c1b8e-3f1d-4a3e-9c1d-1a2b3c4d5e6f', status: 'QUEUED' });
      const req = mock.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/api/v1/subaccounts/acme_otp/messages');
      assert.equal(req.headers.authorization, 'Bearer key-123');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body), {
        destination: '+6591234567', text: 'Your code is 4, 8, 1, 5, 1, 6.', source: 'ACME',
        clientMessageId: 'evt-uS5871kJThSsU8qlA1LTcg', encoding: 'AUTO', dlrCallbackUrl: `${CALLBACK}/${TOKEN}`,
      });
    });

    it('sends no dlrCallbackUrl without a callback token', async () => {
      const plain = build(mock, { callbackToken: undefined });
      mock.handle((_req, res) => json(res, 200, { umid: 'u-1', destination: '6591234567', encoding: 'GSM7', status: { code: 'QUEUED', description: 'SMS is accepted and queued for processing' } }));
      await plain.send(message('sms'), AbortSignal.timeout(2_000));
      await plain.close?.();
      assert.equal('dlrCallbackUrl' in JSON.parse(mock.requests.at(-1)!.body), false);
    });

    it('classifies an invalid number (code 1002)', async () => {
      mock.handle((_req, res) => json(res, 400, smsError(1002, 'Invalid MSISDN format')));
      await failure(adapter.send(message('sms'), AbortSignal.timeout(2_000)), 'invalid_number', '1002');
    });

    it('classifies 1014 (HTTP 426, TLS 1.3 required) as unavailable, so the next provider is tried', async () => {
      mock.handle((_req, res) => json(res, 426, smsError(1014, 'TLS 1.3+ is required for Singapore-bound messages. Detected: TLSv1.2'), { upgrade: 'TLS/1.3' }));
      await failure(adapter.send(message('sms'), AbortSignal.timeout(2_000)), 'unavailable', '1014');
    });

    it('treats a 200 answer with status REJECTED as a failure', async () => {
      mock.handle((_req, res) => json(res, 200, {
        umid: 'f3ea5276-a824-e711-8146-022a22cc1c71', destination: '+1123456789', encoding: 'GSM7',
        status: { code: 'REJECTED', description: 'Invalid MSISDN format (not E.164 international number)' },
      }));
      await failure(adapter.send(message('sms'), AbortSignal.timeout(2_000)), 'invalid_number', 'REJECTED');
    });

    it('classifies bad credentials (401, code 1200)', async () => {
      mock.handle((_req, res) => json(res, 401, smsError(1200, 'Unauthorized Access')));
      await failure(adapter.send(message('sms'), AbortSignal.timeout(2_000)), 'auth', '1200');
    });

    it('classifies rate limiting (429)', async () => {
      mock.handle((_req, res) => json(res, 429, { message: 'Too many requests', errorId: 'e1', timestamp: '2024-05-01T05:52:01.85Z' }));
      await failure(adapter.send(message('sms'), AbortSignal.timeout(2_000)), 'rate_limited', '429');
    });

    it('classifies a server error (500, code 2000)', async () => {
      mock.handle((_req, res) => json(res, 500, smsError(2000, 'Internal Error')));
      await failure(adapter.send(message('sms'), AbortSignal.timeout(2_000)), 'unavailable', '2000');
    });

    networkFailureTests(() => mock, (signal) => adapter.send(message('sms'), signal), LEAKS);
  });

  describe('voice', () => {
    it('starts a callflow that calls, says the text with the locale\'s voice profile and hangs up', async () => {
      mock.handle((_req, res) => json(res, 200, {
        sessionId: '03cc8cac-376b-11ef-a28b-0582ff0039d5', sessionStatus: 'CREATED', callFlowRequestId: '03cc3e8b-376b-11ef-a28b-4dd5d900ecb3',
        statusCode: 1, statusMessage: 'Created',
      }));
      const result = await adapter.send(message('voice', 'fr-FR'), AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: '03cc8cac-376b-11ef-a28b-0582ff0039d5', status: 'CREATED' });
      const req = mock.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/api/v1/subaccounts/acme_otp/callflows');
      assert.equal(req.headers.authorization, 'Bearer key-123');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body), {
        callflow: [
          { action: 'makeCall', params: { source: '+6568332048', destination: '+6591234567' } },
          { action: 'say', params: { text: 'Your code is 4, 8, 1, 5, 1, 6.', voiceProfile: 'fr-FR-DeniseNeural', repetition: 1 } },
          { action: 'hangup' },
        ],
      });
    });

    it('picks the English profile for an unknown language and honours configured profiles', async () => {
      const custom = build(mock, { voiceProfiles: { de: 'de-DE-ConradNeural' } });
      mock.handle((_req, res) => json(res, 200, { sessionId: 's-1', sessionStatus: 'CREATED', callFlowRequestId: 'r', statusCode: 1, statusMessage: 'Created' }));
      await custom.send(message('voice', 'xx-YY'), AbortSignal.timeout(2_000));
      const profile = (i: number) => (JSON.parse(mock.requests.at(i)!.body) as { callflow: { params?: { voiceProfile?: string } }[] }).callflow[1]!.params!.voiceProfile;
      assert.equal(profile(-1), 'en-US-Jenny');
      await custom.send(message('voice', 'de-AT'), AbortSignal.timeout(2_000));
      assert.equal(profile(-1), 'de-DE-ConradNeural');
      await custom.close?.();
    });

    it('classifies an invalid destination (-1017)', async () => {
      mock.handle((_req, res) => json(res, 400, voiceError(-1017, 'Invalid MSISDN format in Destination')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'invalid_number', '-1017');
    });

    it('leaves -1011 (multiple destinations in the request) to failover: a request fault, not the number', async () => {
      mock.handle((_req, res) => json(res, 400, voiceError(-1011, 'Multiple destination phone numbers found in the request')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'rejected', '-1011');
    });

    it('classifies a caller id that is not allowed (-1014) as a set-up problem', async () => {
      mock.handle((_req, res) => json(res, 400, voiceError(-1014, 'Source or caller ID is not allowed')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'auth', '-1014');
    });

    it('classifies a request 8x8 refuses (-1002 bad voice profile) as rejected', async () => {
      mock.handle((_req, res) => json(res, 400, voiceError(-1002, 'Speech profile or language parameter invalid')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'rejected', '-1002');
    });

    it('classifies bad credentials (401)', async () => {
      mock.handle((_req, res) => json(res, 401, voiceError(401, 'Authentication header not found or token invalid')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'auth', '401');
    });

    it('classifies an unknown sub-account (404)', async () => {
      mock.handle((_req, res) => json(res, 404, voiceError(404, 'SubAccount not found by Id : acme_otp')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'auth', '404');
    });

    it('classifies rate limiting (429)', async () => {
      mock.handle((_req, res) => json(res, 429, { message: 'Too many requests' }));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'rate_limited', '429');
    });

    it('classifies a server error (500)', async () => {
      mock.handle((_req, res) => json(res, 500, voiceError(500, 'Internal server error')));
      await failure(adapter.send(message('voice'), AbortSignal.timeout(2_000)), 'unavailable', '500');
    });

    networkFailureTests(() => mock, (signal) => adapter.send(message('voice'), signal), LEAKS);
  });

  describe('receipts', () => {
    const receivedAt = new Date('2024-05-01T06:00:00Z');
    const callback = (body: unknown, token = TOKEN): CallbackRequest => ({
      url: `${CALLBACK}/${token}`, headers: { 'content-type': 'application/json' }, rawBody: JSON.stringify(body), body, token, receivedAt,
    });
    const dlr = (state: string, extra: Record<string, unknown> = {}) => ({
      namespace: 'SMS', eventType: 'outbound_message_status_changed', description: 'SMS outbound message delivery receipt',
      payload: {
        umid: '9e09ac86-bd74-5465-851d-1eb5a5fdbb9a', clientMessageId: 'evt-uS5871kJThSsU8qlA1LTcg', subAccountId: 'acme_otp',
        source: 'ACME', destination: '+6591234567', status: { state, timestamp: '2024-05-01T05:59:58.12Z', ...extra }, smsCount: 1,
      },
    });
    const summary = (sessionStatus: string, errorDetails?: { errorMsg: string; errorCode: number }) => ({
      payload: {
        sessionId: '47f19e66-2163-11ee-8ccd-27b543a164ea', subAccountId: 'acme_otp', sessionStatus,
        startTime: '2024-05-01T05:59:00Z', endTime: '2024-05-01T05:59:40Z', lastAction: 'MAKE_CALL', callCount: 1,
        ...(errorDetails ? { errorDetails } : {}),
      },
      namespace: 'VOICE', eventType: 'SESSION_SUMMARY', description: 'Summary of a completed call session',
    });

    it('reads a delivered SMS receipt on the secret URL', async () => {
      assert.deepEqual(await adapter.receipts!(callback(dlr('delivered', { detail: 'delivered_to_recipient' }))), [{
        transactionId: '9e09ac86-bd74-5465-851d-1eb5a5fdbb9a', status: 'delivered', providerStatus: 'delivered',
        providerCode: undefined, at: new Date('2024-05-01T05:59:58.120Z'),
      }]);
    });

    it('keeps the DLR error code of an undelivered SMS', async () => {
      const [receipt] = await adapter.receipts!(callback(dlr('undelivered', { detail: 'rejected_by_operator', errorCode: 15, errorMessage: 'Invalid destination' })));
      assert.equal(receipt!.status, 'undelivered');
      assert.equal(receipt!.providerCode, '15');
    });

    it('reads a completed and a failed voice session summary', async () => {
      const [done] = await adapter.receipts!(callback(summary('COMPLETED')));
      assert.deepEqual(done, {
        transactionId: '47f19e66-2163-11ee-8ccd-27b543a164ea', status: 'delivered', providerStatus: 'COMPLETED',
        providerCode: undefined, at: new Date('2024-05-01T05:59:40Z'),
      });
      const [failed] = await adapter.receipts!(callback(summary('ERROR', { errorMsg: 'No coverage available for requested area', errorCode: -2004 })));
      assert.equal(failed!.status, 'failed');
      assert.equal(failed!.providerCode, '-2004');
      const [busy] = await adapter.receipts!(callback(summary('NO_ANSWER')));
      assert.equal(busy!.status, 'undelivered');
    });

    it('ignores other webhook types', async () => {
      assert.deepEqual(await adapter.receipts!(callback({ namespace: 'VOICE', eventType: 'CALL_ACTION', payload: {} })), []);
    });

    it('refuses a callback without the token (401)', async () => {
      await assert.rejects(adapter.receipts!({ ...callback(dlr('delivered')), token: undefined }), rejectedWith(401));
    });

    it('refuses a callback with a wrong token (403)', async () => {
      await assert.rejects(adapter.receipts!(callback(dlr('delivered'), `${TOKEN.slice(0, -1)}x`)), rejectedWith(403));
    });

    it('has no receipts route without a callback token', async () => {
      const plain = build(mock, { callbackToken: undefined });
      assert.equal(plain.receipts, undefined);
      await plain.close?.();
    });
  });

  describe('config', () => {
    const good = { kind: 'eightbyeight', apiKey: 'k', subAccountId: 'acme_otp', callerId: '+6568332048' };

    it('parses a good config with the real API hosts as defaults', () => {
      const config = eightbyeightProvider.schema.parse(good);
      assert.equal(config.smsBaseUrl, 'https://sms.8x8.com');
      assert.equal(config.voiceBaseUrl, 'https://voice.8x8.com');
      assert.equal(config.timeoutMs, 1_200);
    });

    const issue = (input: Record<string, unknown>) => configIssues(eightbyeightProvider.schema, input);

    it('refuses a caller id that is not E.164', () => {
      assert.deepEqual(issue({ ...good, callerId: '6568332048' }), [{ path: 'callerId', message: 'expected E.164 number' }]);
    });

    it('refuses a missing API key', () => {
      const [first] = issue({ ...good, apiKey: undefined });
      assert.equal(first!.path, 'apiKey');
    });

    it('needs a caller id for voice, not for SMS only', () => {
      const [first] = issue({ ...good, callerId: undefined });
      assert.equal(first!.path, 'callerId');
      assert.match(first!.message, /caller id/);
      assert.equal(eightbyeightProvider.schema.safeParse({ ...good, callerId: undefined, channels: ['sms'] }).success, true);
    });

    it('refuses a short callback token', () => {
      assert.deepEqual(issue({ ...good, callbackToken: 'short' }), [{ path: 'callbackToken', message: 'expected at least 24 URL-safe characters (letters, digits, _ or -)' }]);
    });
  });
});
