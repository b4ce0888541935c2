import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json, type MockServer, type RecordedRequest } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { configIssues, createAdapter, networkFailureTests, providerError, rejectedWith } from '../support/providers.js';
import { plivoProvider } from '../../src/providers/plivo.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter, ProviderContext } from '../../src/providers/types.js';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'plivo-auth-token-0123456789';
const FROM = '+14155550100';
const TO = '+447700900123';
const CODE = '482913';
const CALLBACK = 'https://gw.example.com/callbacks/plivo/pv';
const VOICE_URL = 'https://gw.example.com/voice/plivo/pv';

const sms: OutboundMessage = {
  channel: 'sms', to: { e164: TO, country: 'GB', type: 'MOBILE', valid: true },
  text: `Your code is ${CODE}`, code: CODE, locale: 'en-GB', reference: 'evt-1',
};
const voice: OutboundMessage = { ...sms, channel: 'voice', text: 'Votre code est 4, 8, 2, 9, 1, 3 & voilà', locale: 'fr-FR' };

const API_ID = 'db342550-7f1d-11e1-8ea7-1231380bc196';

function plivoError(res: ServerResponse, status: number, error: string): void {
  json(res, status, { api_id: API_ID, error });
}

type Scenario = (req: RecordedRequest, res: ServerResponse, body: Record<string, unknown>) => void;

/** Stands in for api.plivo.com: Basic auth, the account's route, JSON, required fields. */
function plivoApi(scenario: Scenario) {
  const auth = 'Basic ' + Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString('base64');
  return (req: RecordedRequest, res: ServerResponse) => {
    if (req.headers.authorization !== auth) return plivoError(res, 401, 'Authentication credentials invalid.');
    const route = req.method === 'POST' && ({ [`/v1/Account/${AUTH_ID}/Message/`]: 'sms', [`/v1/Account/${AUTH_ID}/Call/`]: 'voice' } as Record<string, string>)[req.url];
    if (!route) return plivoError(res, 404, 'not found');
    if (!String(req.headers['content-type']).startsWith('application/json')) return plivoError(res, 400, 'invalid content type');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const required = route === 'sms' ? ['src', 'dst', 'text'] : ['from', 'to', 'answer_url'];
    const missing = required.find((f) => typeof body[f] !== 'string');
    if (missing) return plivoError(res, 400, `${missing} parameter is required`);
    scenario(req, res, body);
  };
}

const messageQueued: Scenario = (_req, res) => json(res, 202, { api_id: API_ID, message: 'message(s) queued', message_uuid: ['db3ce55a-7f1d-11e1-8ea7-1231380bc196'] });
const callFired: Scenario = (_req, res) => json(res, 201, { api_id: API_ID, message: 'call fired', request_uuid: '9834029e-58b6-11e1-b8b7-a5bd0e4e126f' });

/**
 * The string Plivo signs for X-Plivo-Signature-V3, laid out as plivo-node's v3Security.js does:
 * URL without query, '?' + sorted query pairs, '.' between query and posted fields when both
 * exist, sorted fields as key+value, then '.' + nonce.
 */
function v3Input(url: string, posted: Record<string, string>, nonce: string): string {
  const u = new URL(url);
  const query = new Map<string, string[]>();
  for (const [k, v] of u.searchParams) query.set(k, [...(query.get(k) ?? []), v]);
  const queryString = [...query.keys()].sort().flatMap((k) => query.get(k)!.sort().map((v) => `${k}=${v}`)).join('&');
  const keys = Object.keys(posted).sort();
  let input = `${u.origin}${u.pathname}`;
  if (queryString || keys.length > 0) input += `?${queryString}`;
  if (queryString && keys.length > 0) input += '.';
  input += keys.map((k) => k + posted[k]).join('');
  return `${input}.${nonce}`;
}

function v3Signature(url: string, posted: Record<string, string>, nonce: string, token = AUTH_TOKEN): string {
  return createHmac('sha256', token).update(v3Input(url, posted, nonce)).digest('base64');
}

/** A request as Plivo makes it: form-encoded POST, signed with V3. */
function plivoRequest(url: string, posted: Record<string, string>, opts: { receivedAt?: Date; signature?: string; body?: Record<string, string> } = {}): CallbackRequest {
  const nonce = '05429567804466091622';
  const sent = opts.body ?? posted;
  return {
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-plivo-signature-v3': opts.signature ?? v3Signature(url, posted, nonce),
      'x-plivo-signature-v3-nonce': nonce,
    },
    rawBody: new URLSearchParams(sent).toString(),
    body: sent,
    receivedAt: opts.receivedAt ?? new Date(),
  };
}

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = [CODE, TO.slice(1)];
const failure = (p: Promise<unknown>) => providerError(p, LEAKS);

describe('plivo provider', () => {
  let mock: SpecMock;
  let adapter: ProviderAdapter;

  function build(over: Record<string, unknown> = {}, ctx: Partial<ProviderContext> = {}): ProviderAdapter {
    return createAdapter(plivoProvider, 'pv', { kind: 'plivo', authId: AUTH_ID, authToken: AUTH_TOKEN, from: FROM, baseUrl: mock.url, ...over },
      { callbackUrl: CALLBACK, voiceUrl: VOICE_URL, ...ctx });
  }

  /** Places a voice call through the mock and returns the answer_url the adapter gave Plivo. */
  async function answerUrl(a: ProviderAdapter = adapter): Promise<string> {
    mock.handle(plivoApi(callFired));
    await a.send(voice, AbortSignal.timeout(2_000));
    return String((JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>).answer_url);
  }

  const answerFields = {
    CallUUID: 'c5e3e8a4-58b6-11e1-86da-77300b68f8bb', ALegRequestUUID: '9834029e-58b6-11e1-b8b7-a5bd0e4e126f',
    CallStatus: 'in-progress', Direction: 'outbound', From: FROM.slice(1), To: TO.slice(1), Event: 'StartApp',
  };

  before(async () => {
    mock = await startSpecMock('plivo');
    adapter = build();
  });
  after(async () => {
    await adapter.close?.();
    await mock.close();
  });
  afterEach(() => mock.assertValid());

  describe('config', () => {
    it('parses a good config with defaults', () => {
      const config = plivoProvider.schema.parse({ kind: 'plivo', authId: AUTH_ID, authToken: AUTH_TOKEN, from: FROM });
      assert.equal(config.baseUrl, 'https://api.plivo.com');
      assert.deepEqual(config.voices, {});
    });

    it('names the field and what it expects', () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ from: '4155550100' }, 'from', 'expected E.164 number'],
        [{ authToken: undefined }, 'authToken', 'expected the Plivo Auth Token'],
        [{ authId: '' }, 'authId', 'expected the Plivo Auth ID'],
      ];
      for (const [over, path, message] of cases) {
        assert.deepEqual(configIssues(plivoProvider.schema, { kind: 'plivo', authId: AUTH_ID, authToken: AUTH_TOKEN, from: FROM, ...over }), [{ path, message }]);
      }
    });

    it('offers voice only when it can serve the call script', async () => {
      const noPublicUrl = build({}, { voiceUrl: undefined });
      assert.deepEqual([...noPublicUrl.channels], ['sms']);
      await noPublicUrl.close?.();
      assert.deepEqual([...adapter.channels].sort(), ['sms', 'voice']);
      assert.throws(() => build({ channels: ['voice'] }, { voiceUrl: undefined }),
        /providers\.pv\.channels: plivo voice needs server\.publicUrl/);
    });
  });

  describe('sms', () => {
    it('posts JSON with Basic auth and returns message_uuid[0]', async () => {
      mock.handle(plivoApi(messageQueued));
      const result = await adapter.send(sms, AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196', status: 'message(s) queued' });
      assert.deepEqual(JSON.parse(mock.requests.at(-1)!.body), { src: FROM, dst: TO, text: `Your code is ${CODE}`, type: 'sms', url: CALLBACK, method: 'POST' });
    });

    errorCases(() => adapter, () => mock, sms);

    it('blames our own source number on configuration, not on the user', async () => {
      mock.handle(plivoApi((_req, res) => plivoError(res, 400, `'${FROM.slice(1)}' is not a valid phone number.`)));
      const err = await failure(adapter.send(sms, AbortSignal.timeout(2_000)));
      assert.equal(err.category, 'auth');
    });
  });

  describe('voice', () => {
    it('fires a call whose answer_url carries the sealed script, and returns request_uuid', async () => {
      mock.handle(plivoApi(callFired));
      const result = await adapter.send(voice, AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: '9834029e-58b6-11e1-b8b7-a5bd0e4e126f', status: 'call fired' });
      const sent = JSON.parse(mock.requests.at(-1)!.body) as Record<string, string>;
      // Country code without the `+`, as plivo-node documents for the Call API.
      assert.equal(sent.from, FROM.slice(1));
      assert.equal(sent.to, TO.slice(1));
      assert.equal(sent.answer_method, 'POST');
      // Rings as long as the other voice kinds, not Plivo's 120 s default.
      assert.equal(sent.ring_timeout, 30);
      assert.equal(sent.hangup_url, CALLBACK);
      const url = new URL(sent.answer_url!);
      assert.equal(`${url.origin}${url.pathname}`, VOICE_URL);
      const token = url.searchParams.get('s')!;
      // Sealed, not merely encoded: neither the script nor the digits can be read from the URL.
      assert.doesNotMatch(Buffer.from(token, 'base64url').toString('latin1'), /Votre|4, 8/);
      assert.doesNotMatch(decodeURIComponent(sent.answer_url!), /Votre|4, 8, 2/);
    });

    errorCases(() => adapter, () => mock, voice);
  });

  describe('voice document', () => {
    it('serves Speak XML for a signed answer request', async () => {
      const url = await answerUrl();
      const doc = await adapter.voiceDocument!(plivoRequest(url, answerFields));
      assert.deepEqual(doc, {
        contentType: 'application/xml',
        body: '<Response><Speak voice="WOMAN" language="fr-FR">Votre code est 4, 8, 2, 9, 1, 3 &amp; voilà</Speak></Response>',
      });
    });

    it('uses a configured voice for the language', async () => {
      const custom = build({ voices: { fr: 'Polly.Mathieu' } });
      const url = await answerUrl(custom);
      const doc = await custom.voiceDocument!(plivoRequest(url, answerFields));
      await custom.close?.();
      assert.match(doc.body, /<Speak voice="Polly.Mathieu" language="fr-FR">/);
    });

    it('rejects an unsigned request with 401', async () => {
      const url = await answerUrl();
      const req = plivoRequest(url, answerFields);
      delete req.headers['x-plivo-signature-v3'];
      await assert.rejects(adapter.voiceDocument!(req), rejectedWith(401));
    });

    it('rejects a wrong signature with 403', async () => {
      const url = await answerUrl();
      const req = plivoRequest(url, answerFields, { signature: v3Signature(url, answerFields, '05429567804466091622', 'another-token') });
      await assert.rejects(adapter.voiceDocument!(req), rejectedWith(403));
    });

    it('rejects a tampered script token with 403, even when Plivo signed the URL', async () => {
      const url = new URL(await answerUrl());
      const token = url.searchParams.get('s')!;
      url.searchParams.set('s', token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21));
      await assert.rejects(adapter.voiceDocument!(plivoRequest(url.toString(), answerFields)), rejectedWith(403));
    });

    it('rejects a script sealed under another auth token with 403', async () => {
      const other = build({ authToken: 'a-different-auth-token' });
      // Another account's credentials: the mock answers without checking them.
      mock.handle((req, res) => callFired(req, res, {}));
      await other.send(voice, AbortSignal.timeout(2_000));
      await other.close?.();
      const url = String((JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>).answer_url);
      await assert.rejects(adapter.voiceDocument!(plivoRequest(url, answerFields)), rejectedWith(403));
    });

    it('rejects an expired script with 403', async () => {
      const url = await answerUrl();
      const late = new Date(Date.now() + 6 * 60_000);
      await assert.rejects(adapter.voiceDocument!(plivoRequest(url, answerFields, { receivedAt: late })), rejectedWith(403));
      const inTime = new Date(Date.now() + 4 * 60_000);
      assert.match((await adapter.voiceDocument!(plivoRequest(url, answerFields, { receivedAt: inTime }))).body, /<Speak /);
    });
  });

  describe('receipts', () => {
    const delivered = {
      MessageUUID: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196', Status: 'delivered', ErrorCode: '', From: FROM.slice(1), To: TO.slice(1),
      TotalRate: '0.0050', TotalAmount: '0.0050', Units: '1', MessageTime: '2026-03-01 10:00:00', ParentMessageUUID: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196',
    };

    it('lays out the V3 input the way Plivo documents it', () => {
      // The test's own signer, checked against a hand-built input.
      assert.equal(v3Input('https://a.example/p?z=2&y=1', { B: '2', A: '1' }, 'n'), 'https://a.example/p?y=1&z=2.A1B2.n');
      assert.equal(v3Input('https://a.example/p', { A: '1' }, 'n'), 'https://a.example/p?A1.n');
      assert.equal(v3Input('https://a.example/p?y=1', {}, 'n'), 'https://a.example/p?y=1.n');
    });

    it('reads a signed message callback', async () => {
      const receipts = await adapter.receipts!(plivoRequest(CALLBACK, delivered));
      assert.equal(receipts.length, 1);
      assert.deepEqual({ ...receipts[0], at: undefined }, {
        transactionId: delivered.MessageUUID, status: 'delivered', providerStatus: 'delivered', providerCode: undefined, at: undefined,
      });
    });

    it('carries the message error code', async () => {
      const [receipt] = await adapter.receipts!(plivoRequest(CALLBACK, { ...delivered, Status: 'undelivered', ErrorCode: '50' }));
      assert.equal(receipt!.status, 'undelivered');
      assert.equal(receipt!.providerCode, '50');
    });

    it('accepts any of several comma-separated signatures (key rotation)', async () => {
      const signature = `${v3Signature(CALLBACK, delivered, '05429567804466091622', 'old-token')},${v3Signature(CALLBACK, delivered, '05429567804466091622')}`;
      assert.equal((await adapter.receipts!(plivoRequest(CALLBACK, delivered, { signature }))).length, 1);
    });

    it('reads a signed hangup callback by its RequestUUID', async () => {
      const hangup = {
        CallUUID: 'c5e3e8a4-58b6-11e1-86da-77300b68f8bb', RequestUUID: '9834029e-58b6-11e1-b8b7-a5bd0e4e126f', CallStatus: 'completed',
        HangupCause: 'NORMAL_CLEARING', Duration: '14', BillDuration: '60', Direction: 'outbound', From: FROM.slice(1), To: TO.slice(1),
      };
      const [receipt] = await adapter.receipts!(plivoRequest(CALLBACK, hangup));
      assert.equal(receipt!.transactionId, hangup.RequestUUID);
      assert.equal(receipt!.status, 'delivered');
      assert.equal(receipt!.providerStatus, 'completed');
      assert.equal(receipt!.providerCode, 'NORMAL_CLEARING');
    });

    it('rejects a tampered body with 403', async () => {
      const signed = { ...delivered, Status: 'undelivered', ErrorCode: '50' };
      await assert.rejects(adapter.receipts!(plivoRequest(CALLBACK, signed, { body: delivered })), rejectedWith(403));
    });

    it('rejects a missing signature with 401', async () => {
      const req = plivoRequest(CALLBACK, delivered);
      delete req.headers['x-plivo-signature-v3-nonce'];
      await assert.rejects(adapter.receipts!(req), rejectedWith(401));
    });
    // V3 has no timestamp, so there is no stale case; see the replay note in src/providers/plivo.ts.
  });
});

/** The failure modes every channel must classify the same way. */
function errorCases(adapter: () => ProviderAdapter, mock: () => MockServer, msg: OutboundMessage): void {
  const send = (signal: AbortSignal = AbortSignal.timeout(2_000)) => adapter().send(msg, signal);
  const cases: [string, number, string, string][] = [
    ['invalid number', 400, `'${TO.slice(1)}' is not a valid phone number.`, 'invalid_number'],
    ['a country outside the geo permissions (403)', 403, 'This destination is not enabled in your account\'s geo permissions.', 'region_blocked'],
    ['no credit', 400, 'Insufficient Credit', 'insufficient_funds'],
    ['429 too many requests', 429, 'too many requests', 'rate_limited'],
    ['500 server error', 500, 'internal server error', 'unavailable'],
  ];
  for (const [what, status, error, category] of cases) {
    it(`classifies ${what} as ${category}`, async () => {
      mock().handle(plivoApi((_req, res) => plivoError(res, status, error)));
      const err = await failure(send());
      assert.equal(err.category, category);
      assert.equal(err.providerCode, String(status));
    });
  }

  it('classifies wrong credentials (401) as auth', async () => {
    mock().handle(plivoApi(() => assert.fail('the mock must refuse the credentials first')));
    const wrong = createAdapter(plivoProvider, 'pv-bad', {
      kind: 'plivo', authId: AUTH_ID, authToken: 'revoked-token', from: FROM, baseUrl: mock().url,
    }, { voiceUrl: VOICE_URL });
    const err = await failure(wrong.send(msg, AbortSignal.timeout(2_000)));
    await wrong.close?.();
    assert.equal(err.category, 'auth');
    assert.equal(err.providerCode, '401');
  });

  networkFailureTests(mock, send, LEAKS);
}
