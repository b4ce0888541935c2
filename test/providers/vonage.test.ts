import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { json, type MockHandler } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { createAdapter, expectProviderError, issueAt, networkFailureTests, rejectedWith } from '../support/providers.js';
import type { ErrorCategory } from '../../src/core/domain.js';
import { vonageProvider } from '../../src/providers/vonage.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter, ProviderContext } from '../../src/providers/types.js';

const API_KEY = 'abcd1234';
const API_SECRET = 's3cr3tVonage';
const APP_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab';
const SIGNATURE_SECRET = 'vonage-signature-secret-0123456789abcdef';
const VOICE_FROM = '+447700900001';
const TO = '+447700900123';
const CODE = '482913';
const CALL_UUID = '63f61863-4a51-4f6b-86e1-46edebcf9356';
const CALLBACK_URL = 'https://otp.example.com/callbacks/vonage/vg';
const RECEIVED = new Date('2025-03-01T12:00:00Z');

function message(channel: 'sms' | 'voice', locale = 'en-GB', text = `Your verification code is ${CODE}.`): OutboundMessage {
  return { channel, to: { e164: TO, country: 'GB', type: 'MOBILE', valid: true }, text, code: CODE, locale, reference: 'evt-uS5871kJThSsU8qlA1LTcg' };
}

const smsRefusal = (status: string, errorText: string) => ({ 'message-count': '1', messages: [{ status, 'error-text': errorText }] });

/**
 * The SMS API as Vonage runs it: form-encoded POST to /sms/json, credentials in the body, and every
 * verdict (bad credentials included) in a 200 body's `messages[].status`.
 */
function smsApi(answer: (form: URLSearchParams, res: ServerResponse) => void): MockHandler {
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/sms/json') return json(res, 404, { error: 'not found' });
    const form = req.headers['content-type'] === 'application/x-www-form-urlencoded' ? new URLSearchParams(req.body) : new URLSearchParams();
    if (!form.get('api_key')) return json(res, 200, smsRefusal('2', 'Missing api_key'));
    if (form.get('api_key') !== API_KEY || form.get('api_secret') !== API_SECRET) return json(res, 200, smsRefusal('4', 'Bad Credentials'));
    for (const param of ['from', 'to', 'text']) {
      if (!form.get(param)) return json(res, 200, smsRefusal('2', `Missing ${param} param`));
    }
    answer(form, res);
  };
}

const smsAccepted = (form: URLSearchParams, res: ServerResponse) => json(res, 200, {
  'message-count': '1',
  messages: [{ to: form.get('to'), 'message-id': '0A0000000123ABCD1', status: '0', 'remaining-balance': '3.14159265', 'message-price': '0.03330000', network: '23410' }],
});

/** An RFC 7807 problem as the Voice API sends it. */
function problem(res: ServerResponse, status: number, type: string, title: string, extra: Record<string, unknown> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: `https://developer.nexmo.com/api-errors#${type}`, title, detail: title, instance: 'bf0ca0bf927b3b52e3cb03217e1a1ddf', ...extra }));
}

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = [CODE, TO.slice(3)];

const rejectsWith = (p: Promise<unknown>, category: ErrorCategory, providerCode: string | undefined, ambiguous = false) =>
  expectProviderError(p, { category, providerCode, ambiguous }, LEAKS);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** A Voice API event as Vonage signs it: HS256 JWT with the signature secret, payload_hash over the raw body. */
async function signedEvent(
  event: Record<string, unknown>,
  opts: { secret?: string; iat?: number; rawBody?: string } = {},
): Promise<CallbackRequest> {
  const signedBody = JSON.stringify(event);
  const token = await new SignJWT({ payload_hash: sha256(signedBody), api_key: API_KEY, application_id: APP_ID })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(opts.iat ?? epoch(RECEIVED) - 2)
    .setJti(randomUUID())
    .setIssuer('Vonage')
    .sign(new TextEncoder().encode(opts.secret ?? SIGNATURE_SECRET));
  const rawBody = opts.rawBody ?? signedBody;
  return { url: CALLBACK_URL, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, rawBody, body: JSON.parse(rawBody), receivedAt: RECEIVED };
}

/**
 * The SMS API signature as Vonage's "signing messages" guide describes it, written here apart from the
 * adapter and pinned to Vonage's published vectors below: `&key=value` for every parameter but sig,
 * sorted by key, `&` and `=` in values turned into `_`; MD5 of that plus the secret (lower-case hex)
 * for md5hash, else the HMAC keyed with the secret (upper-case hex, as Vonage sends it).
 */
function vonageSig(params: Record<string, string>, secret: string, method: string): string {
  let base = '';
  for (const key of Object.keys(params).sort()) {
    if (key !== 'sig') base += `&${key}=${(params[key] ?? '').replaceAll('&', '_').replaceAll('=', '_')}`;
  }
  return method === 'md5hash'
    ? createHash('md5').update(base + secret).digest('hex')
    : createHmac(method, secret).update(base).digest('hex').toUpperCase();
}

/** Published test vectors (Vonage PHP SDK, test/Client/SignatureTest.php): signed inbound messages. */
const VECTOR_SECRET = 'my_secret_key_for_testing';
const inboundVector = {
  'message-timestamp': '2013-11-21 15:27:30', messageId: '020000001B0FE827', msisdn: '14843472194',
  text: 'Test again', timestamp: '1385047698', to: '13239877404', type: 'text',
};
// Signed by Vonage itself (it carries a nonce), with `&` and `=` in the text.
const ampersandVector = {
  keyword: 'TEST', 'message-timestamp': '2017-04-04 22:57:47', messageId: '0B00000042AC53BD', msisdn: '14843472194',
  nonce: '929d6744-bd28-42c8-b6cf-31d5b4f43732', text: 'Test with & and =', timestamp: '1491346667', to: '12192259404', type: 'text',
};

/** An SMS delivery receipt as the gateway route hands it over, for each way Vonage can send it. */
type DlrEncoding = 'GET' | 'POST' | 'POST-JSON';
function smsCallback(params: Record<string, string>, encoding: DlrEncoding = 'GET', receivedAt = RECEIVED): CallbackRequest {
  const query = new URLSearchParams(params).toString();
  switch (encoding) {
    case 'GET':
      return { url: `${CALLBACK_URL}?${query}`, headers: {}, rawBody: '', body: Object.fromEntries(new URLSearchParams(query)), receivedAt };
    case 'POST':
      return { url: CALLBACK_URL, headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: query, body: Object.fromEntries(new URLSearchParams(query)), receivedAt };
    case 'POST-JSON': {
      const raw = JSON.stringify(params);
      return { url: CALLBACK_URL, headers: { 'content-type': 'application/json' }, rawBody: raw, body: JSON.parse(raw), receivedAt };
    }
  }
}

describe('vonage provider', () => {
  let mock: SpecMock;
  let publicKey: CryptoKey;
  let privatePem: string;
  let otherPrivatePem: string;
  const adapters: ProviderAdapter[] = [];

  before(async () => {
    mock = await startSpecMock('vonage-sms', 'vonage-voice');
    const pair = await generateKeyPair('RS256', { extractable: true });
    publicKey = pair.publicKey;
    privatePem = await exportPKCS8(pair.privateKey);
    otherPrivatePem = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey);
  });
  after(async () => {
    await mock.close();
    await Promise.all(adapters.map((a) => a.close?.()));
  });
  afterEach(() => mock.assertValid());

  function adapter(options: Record<string, unknown> = {}, ctx: Partial<ProviderContext> = { callbackUrl: CALLBACK_URL }): ProviderAdapter {
    const a = createAdapter(vonageProvider, 'vg', {
      kind: 'vonage', apiKey: API_KEY, apiSecret: API_SECRET, from: 'ACME',
      applicationId: APP_ID, privateKey: privatePem, voiceFrom: VOICE_FROM, signatureSecret: SIGNATURE_SECRET,
      smsBaseUrl: mock.url, voiceBaseUrl: mock.url, ...options,
    }, ctx);
    adapters.push(a);
    return a;
  }
  const last = () => mock.requests.at(-1)!;

  /**
   * The Voice API's create-call endpoint: a Bearer JWT signed RS256 by the application's key and
   * carrying its application_id, a JSON body with phone endpoints (digits only) and an NCCO.
   */
  function voiceApi(answer: (body: Record<string, unknown>, res: ServerResponse) => void): MockHandler {
    return async (req, res) => {
      if (req.method !== 'POST' || req.url !== '/v1/calls') return problem(res, 404, 'not-found', 'Not Found');
      try {
        const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const { payload } = await jwtVerify(token, publicKey, { algorithms: ['RS256'], requiredClaims: ['iat', 'jti'] });
        if (payload.application_id !== APP_ID) throw new Error('wrong application');
      } catch {
        return problem(res, 401, 'unauthorized', 'Invalid Token');
      }
      if (req.headers['content-type'] !== 'application/json') return problem(res, 415, 'unsupported-media-type', 'Unsupported Media Type');
      const body = JSON.parse(req.body) as { to?: { type?: string; number?: string }[]; from?: { type?: string; number?: string }; ncco?: { action?: string }[] };
      const phone = (e?: { type?: string; number?: string }) => e?.type === 'phone' && /^\d{7,15}$/.test(e.number ?? '');
      if (!Array.isArray(body.to) || !phone(body.to[0])) {
        return problem(res, 400, 'invalid-params', 'Bad Request', { invalid_parameters: [{ name: 'to', reason: 'must be a phone endpoint' }] });
      }
      if (!phone(body.from)) return problem(res, 400, 'invalid-params', 'Bad Request', { invalid_parameters: [{ name: 'from', reason: 'must be a phone endpoint' }] });
      if (!Array.isArray(body.ncco) || body.ncco.length === 0 || body.ncco.some((a) => typeof a.action !== 'string')) {
        return problem(res, 400, 'invalid-params', 'Bad Request', { invalid_parameters: [{ name: 'ncco', reason: 'invalid NCCO' }] });
      }
      answer(body as Record<string, unknown>, res);
    };
  }
  const callCreated = (_body: unknown, res: ServerResponse) =>
    json(res, 201, { uuid: CALL_UUID, status: 'started', direction: 'outbound', conversation_uuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22' });

  describe('sms', () => {
    it('sends a form-encoded message with the API credentials and a receipt callback, and returns the message-id', async () => {
      mock.handle(smsApi(smsAccepted));
      const sent = await adapter().send(message('sms'), AbortSignal.timeout(2_000));
      assert.deepEqual(sent, { transactionId: '0A0000000123ABCD1', status: 'accepted' });
      const req = last();
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/sms/json');
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
        api_key: API_KEY, api_secret: API_SECRET, from: 'ACME', to: '447700900123',
        text: `Your verification code is ${CODE}.`, 'client-ref': 'evt-uS5871kJThSsU8qlA1LTcg', callback: CALLBACK_URL,
      });
    });

    it('asks for no receipts it could not verify (no signature secret) or has nowhere to receive (no public URL)', async () => {
      mock.handle(smsApi(smsAccepted));
      await adapter({ signatureSecret: undefined }).send(message('sms'), AbortSignal.timeout(2_000));
      assert.equal(new URLSearchParams(last().body).get('callback'), null);
      await adapter({}, {}).send(message('sms'), AbortSignal.timeout(2_000));
      assert.equal(new URLSearchParams(last().body).get('callback'), null);
      await adapter().send(message('sms'), AbortSignal.timeout(2_000));
      assert.equal(new URLSearchParams(last().body).get('callback'), CALLBACK_URL);
    });

    it('sends a number sender without the + and non-GSM text as unicode', async () => {
      mock.handle(smsApi(smsAccepted));
      await adapter({ from: '+447700900001' }).send(message('sms', 'ru', `Ваш код ${CODE}`), AbortSignal.timeout(2_000));
      const form = new URLSearchParams(last().body);
      assert.equal(form.get('from'), '447700900001');
      assert.equal(form.get('type'), 'unicode');
      assert.equal(form.get('text'), `Ваш код ${CODE}`);
    });

    // HTTP 200 every time: the refusal is in messages[0].status.
    const refusals: [string, string, string, ErrorCategory][] = [
      ['an unroutable number', '6', 'Unroutable message - rejected', 'invalid_number'],
      ['a bad to parameter', '3', 'Invalid to address', 'invalid_number'],
      ['a non-whitelisted destination', '29', 'Non White-listed Destination - rejected', 'region_blocked'],
      ['a partner quota violation (no credit)', '9', 'Partner quota exceeded', 'insufficient_funds'],
      ['throttling', '1', 'Throughput Rate Exceeded - please wait [ 1000 ] and retry', 'rate_limited'],
      ['an internal error', '5', 'Internal Error', 'unavailable'],
      ['a barred number', '7', 'Number barred.', 'rejected'],
      ['a suspended account', '8', 'Partner account barred.', 'auth'],
      ['an invalid sender', '15', 'Illegal Sender Address - rejected', 'auth'],
      ['too many binds (back off and retry)', '10', 'Too Many Existing Binds', 'rate_limited'],
      ['an account not enabled for HTTP', '11', 'Account Not Enabled For HTTP', 'auth'],
      ['a de-activated number', '33', 'Number De-activated', 'invalid_number'],
    ];
    for (const [what, status, text, category] of refusals) {
      it(`classifies ${what} (status ${status}) as ${category}`, async () => {
        mock.handle(smsApi((_f, res) => json(res, 200, smsRefusal(status, text))));
        await rejectsWith(adapter().send(message('sms'), AbortSignal.timeout(2_000)), category, status);
      });
    }

    it('classifies wrong credentials (status 4, HTTP 200) as auth', async () => {
      mock.handle(smsApi(smsAccepted));
      await rejectsWith(adapter({ apiSecret: 'wrong-secret' }).send(message('sms'), AbortSignal.timeout(2_000)), 'auth', '4');
    });

    const statuses: [number, ErrorCategory][] = [[401, 'auth'], [429, 'rate_limited'], [500, 'unavailable']];
    for (const [status, category] of statuses) {
      it(`classifies HTTP ${status} as ${category}`, async () => {
        mock.handle((_req, res) => json(res, status, { error: 'refused' }));
        await rejectsWith(adapter().send(message('sms'), AbortSignal.timeout(2_000)), category, String(status));
      });
    }

    it('treats an acceptance without a message-id as ambiguous: the message may be on its way', async () => {
      mock.handle(smsApi((_f, res) => json(res, 200, { 'message-count': '1', messages: [{ status: '0' }] })));
      await rejectsWith(adapter().send(message('sms'), AbortSignal.timeout(2_000)), 'unavailable', '200', true);
    });

    networkFailureTests(() => mock, (signal) => adapter().send(message('sms'), signal), LEAKS);
  });

  describe('voice', () => {
    it('creates a call with an RS256 application JWT and a talk NCCO, and returns the call uuid', async () => {
      mock.handle(voiceApi(callCreated));
      const sent = await adapter().send(message('voice', 'en-GB', 'Your code is 4, 8, 2.'), AbortSignal.timeout(2_000));
      assert.deepEqual(sent, { transactionId: CALL_UUID, status: 'started' });
      const req = last();
      assert.equal(req.url, '/v1/calls');
      assert.equal(req.headers['content-type'], 'application/json');
      const token = req.headers.authorization!.slice('Bearer '.length);
      assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', typ: 'JWT' });
      const claims = decodeJwt(token);
      assert.equal(claims.application_id, APP_ID);
      assert.equal(typeof claims.jti, 'string');
      assert.ok(claims.exp! > claims.iat!);
      assert.deepEqual(JSON.parse(req.body), {
        to: [{ type: 'phone', number: '447700900123' }],
        from: { type: 'phone', number: '447700900001' },
        ncco: [{ action: 'talk', text: 'Your code is 4, 8, 2.', language: 'en-GB' }],
        ringing_timer: 30,
        event_url: [CALLBACK_URL],
        event_method: 'POST',
      });
    });

    it('calls from `from` when it is a number, and asks for no events it could not verify', async () => {
      mock.handle(voiceApi(callCreated));
      const a = adapter({ from: '+447700900002', voiceFrom: undefined, signatureSecret: undefined });
      await a.send(message('voice'), AbortSignal.timeout(2_000));
      const body = JSON.parse(last().body) as Record<string, unknown>;
      assert.deepEqual(body.from, { type: 'phone', number: '447700900002' });
      assert.equal(body.event_url, undefined);
      assert.equal(a.receipts, undefined);
    });

    const languages: [string, string][] = [['fr-CA', 'fr-CA'], ['de-AT', 'de-DE'], ['zh', 'cmn-CN'], ['xx', 'en-US']];
    for (const [locale, language] of languages) {
      it(`speaks ${locale} as ${language}`, async () => {
        mock.handle(voiceApi(callCreated));
        await adapter().send(message('voice', locale), AbortSignal.timeout(2_000));
        assert.equal((JSON.parse(last().body) as { ncco: { language: string }[] }).ncco[0]?.language, language);
      });
    }

    // The Voice API documents no region (geo permission) error for call creation (test/fixtures/specs/vonage-voice.json), so
    // there is no synchronous region_blocked case to classify here.
    const refusals: [string, (res: ServerResponse) => void, ErrorCategory, string][] = [
      ['invalid params naming the number', (res) => problem(res, 400, 'invalid-params', 'Bad Request', { invalid_parameters: [{ name: 'to[0].number', reason: 'invalid' }] }), 'invalid_number', 'invalid-params'],
      ['invalid params naming something else', (res) => problem(res, 400, 'invalid-params', 'Bad Request', { invalid_parameters: [{ name: 'ncco[0].text', reason: 'too long' }] }), 'rejected', 'invalid-params'],
      ['a low balance', (res) => problem(res, 403, 'low-balance', 'You do not have enough credit'), 'insufficient_funds', 'low-balance'],
      ['a suspended account', (res) => problem(res, 403, 'account-suspended', 'Account suspended'), 'auth', 'account-suspended'],
      ['a rate limit', (res) => problem(res, 429, 'rate-limit', 'Too Many Requests'), 'rate_limited', 'rate-limit'],
      ['an internal error', (res) => { res.writeHead(500); res.end(); }, 'unavailable', '500'],
    ];
    for (const [what, reply, category, code] of refusals) {
      it(`classifies ${what} as ${category}`, async () => {
        mock.handle(voiceApi((_b, res) => reply(res)));
        await rejectsWith(adapter().send(message('voice'), AbortSignal.timeout(2_000)), category, code);
      });
    }

    it('classifies a JWT signed with another key (401 unauthorized) as auth', async () => {
      mock.handle(voiceApi(callCreated));
      await rejectsWith(adapter({ privateKey: otherPrivatePem }).send(message('voice'), AbortSignal.timeout(2_000)), 'auth', 'unauthorized');
    });

    networkFailureTests(() => mock, (signal) => adapter().send(message('voice'), signal), LEAKS);
  });

  describe('receipts', () => {
    const completed = { uuid: CALL_UUID, conversation_uuid: 'CON-1', status: 'completed', direction: 'outbound', timestamp: '2025-03-01T11:59:58.000Z' };

    it('reads a signed call event', async () => {
      assert.deepEqual(await adapter().receipts!(await signedEvent(completed)), [{
        transactionId: CALL_UUID, status: 'delivered', providerStatus: 'completed', providerCode: undefined, at: new Date('2025-03-01T11:59:58.000Z'),
      }]);
    });

    it('reads a failed call with its detail, and ignores events without a call status', async () => {
      const a = adapter();
      const [receipt] = await a.receipts!(await signedEvent({ uuid: CALL_UUID, status: 'rejected', detail: 'restricted', timestamp: 'bad' }));
      assert.equal(receipt?.status, 'failed');
      assert.equal(receipt?.providerCode, 'restricted');
      assert.equal(receipt?.at, RECEIVED);
      assert.deepEqual(await a.receipts!(await signedEvent({ conversation_uuid: 'CON-1', type: 'transfer' })), []);
    });

    it('refuses an event without a bearer token with 401', async () => {
      const req = await signedEvent(completed);
      await assert.rejects(adapter().receipts!({ ...req, headers: {} }), rejectedWith(401));
      await assert.rejects(adapter().receipts!({ ...req, headers: { authorization: `Basic ${btoa('a:b')}` } }), rejectedWith(401));
    });

    it('refuses a tampered body with 403', async () => {
      const req = await signedEvent(completed, { rawBody: JSON.stringify({ ...completed, status: 'failed' }) });
      await assert.rejects(adapter().receipts!(req), rejectedWith(403));
    });

    it('refuses a token signed with another secret with 403', async () => {
      await assert.rejects(adapter().receipts!(await signedEvent(completed, { secret: 'someone-else-entirely-0123456789' })), rejectedWith(403));
    });

    it('refuses a token issued more than 5 minutes before receipt as stale (403)', async () => {
      const a = adapter();
      await assert.rejects(a.receipts!(await signedEvent(completed, { iat: epoch(RECEIVED) - 301 })), rejectedWith(403));
      await assert.rejects(a.receipts!(await signedEvent(completed, { iat: epoch(RECEIVED) + 120 })), rejectedWith(403));
      assert.equal((await a.receipts!(await signedEvent(completed, { iat: epoch(RECEIVED) - 290 }))).length, 1);
    });
  });

  describe('sms receipts', () => {
    const pushedAt = epoch(RECEIVED) - 2;
    /** A delivery receipt with every field Vonage sends once signed webhooks are enabled. */
    const dlr = (fields: Record<string, string> = {}): Record<string, string> => ({
      msisdn: '447700900123', to: 'ACME', 'network-code': '23410', messageId: '0A0000000123ABCD1', price: '0.03330000',
      status: 'delivered', scts: '2503011159', 'err-code': '0', 'api-key': API_KEY, 'client-ref': 'evt-uS5871kJThSsU8qlA1LTcg',
      'message-timestamp': '2025-03-01 11:59:58', timestamp: String(pushedAt), nonce: 'ec11dd3e-1e7f-4db5-9467-82b02cd223b9',
      ...fields,
    });
    const signed = (params: Record<string, string>, method = 'sha256', secret = SIGNATURE_SECRET) =>
      ({ ...params, sig: vonageSig(params, secret, method) });

    it("the test's signer reproduces Vonage's published signatures", () => {
      assert.equal(vonageSig(inboundVector, VECTOR_SECRET, 'sha256'), 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330');
      assert.equal(vonageSig(inboundVector, VECTOR_SECRET, 'sha1'), '27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A');
      assert.equal(vonageSig(inboundVector, VECTOR_SECRET, 'md5hash'), 'd2e7b1dc968737c5998ad624e02f90b7');
      assert.equal(vonageSig(ampersandVector, VECTOR_SECRET, 'md5hash'), 'e06d9763e3fd0b9c31beb5fc2fcb011c');
    });

    it("accepts Vonage's published signed messages, and reads no receipt from an inbound SMS", async () => {
      const at = (stamp: string) => new Date((Number(stamp) + 10) * 1000);
      const sha256 = adapter({ signatureSecret: VECTOR_SECRET });
      const req = smsCallback({ ...inboundVector, sig: 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330' }, 'GET', at(inboundVector.timestamp));
      assert.deepEqual(await sha256.receipts!(req), []);
      const md5hash = adapter({ signatureSecret: VECTOR_SECRET, smsSignatureMethod: 'md5hash' });
      const amp = smsCallback({ ...ampersandVector, sig: 'e06d9763e3fd0b9c31beb5fc2fcb011c' }, 'POST', at(ampersandVector.timestamp));
      assert.deepEqual(await md5hash.receipts!(amp), []);
      await assert.rejects(sha256.receipts!({ ...req, body: { ...inboundVector, text: 'Test agai', sig: 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330' } }), rejectedWith(403));
    });

    for (const encoding of ['GET', 'POST', 'POST-JSON'] as const) {
      it(`reads a sha256-signed delivery receipt sent as ${encoding}`, async () => {
        assert.deepEqual(await adapter().receipts!(smsCallback(signed(dlr()), encoding)), [{
          transactionId: '0A0000000123ABCD1', status: 'delivered', providerStatus: 'delivered', providerCode: '0', at: new Date(pushedAt * 1000),
        }]);
      });
    }

    const statuses: [string, string, string][] = [
      ['accepted', '0', 'sent'], ['buffered', '0', 'sent'], ['unknown', '1', 'sent'],
      ['expired', '2', 'undelivered'], ['failed', '3', 'undelivered'], ['rejected', '6', 'failed'],
    ];
    for (const [word, errCode, status] of statuses) {
      it(`maps status ${word} (err-code ${errCode}) to ${status}`, async () => {
        const [receipt] = await adapter().receipts!(smsCallback(signed(dlr({ status: word, 'err-code': errCode }))));
        assert.equal(receipt?.status, status);
        assert.equal(receipt?.providerStatus, word);
        assert.equal(receipt?.providerCode, errCode);
      });
    }

    for (const method of ['md5hash', 'md5', 'sha1', 'sha512']) {
      it(`verifies ${method} when the dashboard is set to it, and refuses it under another method`, async () => {
        const req = smsCallback(signed(dlr(), method));
        assert.equal((await adapter({ smsSignatureMethod: method }).receipts!(req)).length, 1);
        await assert.rejects(adapter().receipts!(req), rejectedWith(403));
      });
    }

    it('signs values with & and = as Vonage does (replaced by _)', async () => {
      const [receipt] = await adapter().receipts!(smsCallback(signed(dlr({ 'client-ref': 'a=1&b=2' })), 'POST'));
      assert.equal(receipt?.status, 'delivered');
    });

    it('refuses a receipt without sig (and without a bearer token) with 401', async () => {
      const unsigned = dlr();
      await assert.rejects(adapter().receipts!(smsCallback(unsigned)), rejectedWith(401));
      await assert.rejects(adapter().receipts!(smsCallback(unsigned, 'POST-JSON')), rejectedWith(401));
    });

    it('refuses a tampered receipt with 403', async () => {
      const good = signed(dlr({ status: 'failed', 'err-code': '3' }));
      for (const tampered of [{ ...good, status: 'delivered' }, { ...good, messageId: '0A0000000123ABCD2' }, { ...good, extra: '1' }]) {
        await assert.rejects(adapter().receipts!(smsCallback(tampered, 'POST')), rejectedWith(403));
      }
    });

    it('refuses a receipt signed with another secret with 403', async () => {
      await assert.rejects(adapter().receipts!(smsCallback(signed(dlr(), 'sha256', 'someone-else-entirely-0123456789'))), rejectedWith(403));
    });

    it('refuses a receipt whose timestamp is more than 5 minutes old, in the future or missing (403)', async () => {
      const a = adapter();
      const stamped = (t: number) => smsCallback(signed(dlr({ timestamp: String(t) })));
      await assert.rejects(a.receipts!(stamped(epoch(RECEIVED) - 301)), rejectedWith(403));
      await assert.rejects(a.receipts!(stamped(epoch(RECEIVED) + 120)), rejectedWith(403));
      const undated = dlr();
      delete undated.timestamp;
      await assert.rejects(a.receipts!(smsCallback(signed(undated))), rejectedWith(403));
      assert.equal((await a.receipts!(stamped(epoch(RECEIVED) - 290))).length, 1);
    });

    it('still reads call events by their bearer token', async () => {
      const [receipt] = await adapter().receipts!(await signedEvent({ uuid: CALL_UUID, status: 'completed', timestamp: '2025-03-01T11:59:58.000Z' }));
      assert.equal(receipt?.transactionId, CALL_UUID);
    });
  });

  describe('config', () => {
    const good = () => ({
      kind: 'vonage', apiKey: API_KEY, apiSecret: API_SECRET, from: 'ACME',
      applicationId: APP_ID, privateKey: privatePem, voiceFrom: VOICE_FROM,
    });

    it('parses a good config with the real base URLs', () => {
      const config = vonageProvider.schema.parse(good());
      assert.equal(config.smsBaseUrl, 'https://rest.nexmo.com');
      assert.equal(config.voiceBaseUrl, 'https://api.nexmo.com');
      assert.equal(config.smsSignatureMethod, 'sha256');
    });

    it('accepts a private key whose newlines arrive escaped, as from an environment variable', () => {
      const config = vonageProvider.schema.parse({ ...good(), privateKey: privatePem.replace(/\n/g, '\\n') });
      assert.equal(config.privateKey, privatePem);
    });

    it('accepts an SMS-only provider without an application', () => {
      const smsOnly = { ...good(), applicationId: undefined, privateKey: undefined, voiceFrom: undefined, channels: ['sms'] };
      assert.equal(vonageProvider.schema.safeParse(smsOnly).success, true);
    });

    const bad: [string, Record<string, unknown>, string, RegExp][] = [
      ['a sender that is neither E.164 nor a short alphanumeric id', { from: 'ACME-BANK-OTP' }, 'from', /expected an E\.164 number or an alphanumeric sender id/],
      ['a caller id that is not E.164', { voiceFrom: '07700900001' }, 'voiceFrom', /expected E\.164 number/],
      ['a missing API secret', { apiSecret: undefined }, 'apiSecret', /expected the API secret \(needed for sms\)/],
      ['a missing private key', { privateKey: undefined }, 'privateKey', /needed for voice/],
      ['a private key that is not one', { privateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }, 'privateKey', /RSA private key in PEM/],
      ['an application id that is not a UUID', { applicationId: 'my-app' }, 'applicationId', /UUID/],
      ['an SMS signature method Vonage does not offer', { smsSignatureMethod: 'sha384' }, 'smsSignatureMethod', /expected one of md5hash, md5, sha1, sha256, sha512/],
      ['voice with an alphanumeric sender and no caller id', { voiceFrom: undefined }, 'voiceFrom', /needed for voice when from is not a number/],
    ];
    for (const [what, change, path, message] of bad) {
      it(`refuses ${what} on ${path}`, () => {
        assert.match(issueAt(vonageProvider.schema, { ...good(), ...change }, path), message);
      });
    }
  });
});
