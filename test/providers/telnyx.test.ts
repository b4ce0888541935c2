import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json, type RecordedRequest } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { configIssues, createAdapter, networkFailureTests, providerError, rejectedWith } from '../support/providers.js';
import { telnyxProvider } from '../../src/providers/telnyx.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';

const API_KEY = 'KEY0123456789ABCDEF';
const CONNECTION_ID = '1494404757140276705';
const CALL_ID = 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg';
const FROM = '+15550001111';
const TO = '+447700900123';
const CODE = '482913';
const CALLBACK = 'https://gw.example.com/callbacks/telnyx/tx';

const keys = generateKeyPairSync('ed25519');
const PUBLIC_KEY = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');

const sms: OutboundMessage = {
  channel: 'sms', to: { e164: TO, country: 'GB', type: 'MOBILE', valid: true },
  text: `Your code is ${CODE}`, code: CODE, locale: 'en-GB', reference: 'evt-1',
};
const voice: OutboundMessage = { ...sms, channel: 'voice', text: 'Votre code est 4, 8, 2, 9, 1, 3 & voilà', locale: 'fr-FR' };

/** Telnyx's error envelope. */
function errors(res: ServerResponse, status: number, code: string | undefined, title: string, detail: string): void {
  json(res, status, { errors: [{ ...(code ? { code } : {}), title, detail, meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` } }] });
}

type Scenario = (req: RecordedRequest, res: ServerResponse, body: Record<string, unknown>) => void;

/**
 * Stands in for api.telnyx.com/v2 (the spec mock has already refused paths the definition lacks):
 * checks the key, JSON encoding and required fields the way Telnyx does, then lets the test's
 * scenario answer.
 */
function telnyxApi(scenario: Scenario) {
  return (req: RecordedRequest, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${API_KEY}`) {
      return errors(res, 401, '10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.');
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      return errors(res, 415, '10014', 'Unsupported Media Type', 'The request failed because the server does not support the media type.');
    }
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const required = req.url === '/v2/messages' ? ['to', 'text'] : req.url === '/v2/calls' ? ['connection_id', 'to', 'from'] : ['payload', 'voice'];
    const missing = required.find((f) => typeof body[f] !== 'string');
    if (missing) return errors(res, 422, '10004', 'Missing required parameter', `The '${missing}' parameter is required and cannot be blank.`);
    scenario(req, res, body);
  };
}

const messageAccepted: Scenario = (_req, res, body) => json(res, 200, {
  data: {
    record_type: 'message', id: '40385f64-5717-4562-b3fc-2c963f66afa6', type: 'SMS', text: body.text,
    from: { phone_number: body.from }, to: [{ phone_number: body.to, status: 'queued', line_type: 'Wireless' }],
  },
});
/** Call Control's answers: the dial (data.call_control_id…) and a command's `{data: {result: 'ok'}}`. */
const callControl: Scenario = (req, res, body) => (req.url === '/v2/calls'
  ? json(res, 200, {
    data: {
      call_control_id: CALL_ID, call_leg_id: '2dc6fc34-f9e0-11ea-b68e-02420a0f7768', call_session_id: '2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768',
      client_state: body.client_state, is_alive: false, record_type: 'call',
    },
  })
  : json(res, 200, { data: { result: 'ok' } }));

const EVENT_AT = '2026-03-01T10:00:01.000Z';

/** A Call Control webhook for CALL_ID, signed now with the account key. */
function callEvent(eventType: string, payload: Record<string, unknown>): CallbackRequest {
  const body = {
    data: {
      event_type: eventType, id: '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0', occurred_at: EVENT_AT, record_type: 'event',
      payload: { call_control_id: CALL_ID, connection_id: CONNECTION_ID, from: FROM, to: TO, ...payload },
    },
    meta: { attempt: 1, delivered_to: CALLBACK },
  };
  const rawBody = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${ts}|${rawBody}`), keys.privateKey).toString('base64');
  return { url: CALLBACK, headers: { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': ts }, rawBody, body, receivedAt: new Date() };
}

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = [CODE, TO.slice(1)];
const failure = (p: Promise<unknown>) => providerError(p, LEAKS);

describe('telnyx provider', () => {
  let mock: SpecMock;
  let adapter: ProviderAdapter;

  function build(over: Record<string, unknown> = {}): ProviderAdapter {
    return createAdapter(telnyxProvider, 'tx', {
      kind: 'telnyx', apiKey: API_KEY, from: FROM, connectionId: CONNECTION_ID, publicKey: PUBLIC_KEY, baseUrl: `${mock.url}/v2`, ...over,
    }, { callbackUrl: CALLBACK });
  }

  before(async () => {
    mock = await startSpecMock('telnyx');
    adapter = build();
  });
  after(async () => {
    await adapter.close?.();
    await mock.close();
  });
  afterEach(() => mock.assertValid());

  describe('config', () => {
    it('parses a good config with defaults', () => {
      const config = telnyxProvider.schema.parse({ kind: 'telnyx', apiKey: API_KEY, from: FROM });
      assert.equal(config.baseUrl, 'https://api.telnyx.com/v2');
      assert.equal(config.timeoutMs, 1_200);
      assert.deepEqual(config.voices, {});
    });

    it('names the field and what it expects', () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ from: '07700900123' }, 'from', 'expected E.164 number'],
        [{ apiKey: undefined }, 'apiKey', 'expected the Telnyx API key'],
        [{ apiKey: '' }, 'apiKey', 'expected the Telnyx API key'],
        [{ publicKey: 'bm90IGEga2V5' }, 'publicKey', 'expected the base64 Ed25519 public key (32 bytes) from Mission Control'],
        [{ channels: ['voice'], publicKey: PUBLIC_KEY }, 'connectionId', 'voice needs the Call Control application id'],
        [{ channels: ['voice'], connectionId: CONNECTION_ID }, 'publicKey', 'voice needs the public key: the script is spoken when a signed call.answered webhook arrives'],
        // A configuration written for the removed TeXML endpoint is refused, not silently left without voice.
        [{ texmlApplicationId: CONNECTION_ID }, 'texmlApplicationId', 'Telnyx removed the TeXML calls endpoint (2026-01-30): set connectionId to a Call Control application id instead'],
      ];
      for (const [over, path, message] of cases) {
        assert.deepEqual(configIssues(telnyxProvider.schema, { kind: 'telnyx', apiKey: API_KEY, from: FROM, ...over }), [{ path, message }]);
      }
    });

    it('offers voice only with a Call Control application, the public key and a public URL', async () => {
      assert.deepEqual([...adapter.channels].sort(), ['sms', 'voice']);
      for (const over of [{ connectionId: undefined }, { publicKey: undefined }]) {
        const smsOnly = build(over);
        assert.deepEqual([...smsOnly.channels], ['sms']);
        await smsOnly.close?.();
      }
      const noPublicUrl = createAdapter(telnyxProvider, 'tx', { kind: 'telnyx', apiKey: API_KEY, from: FROM, connectionId: CONNECTION_ID, publicKey: PUBLIC_KEY });
      assert.deepEqual([...noPublicUrl.channels], ['sms']);
      await noPublicUrl.close?.();
      assert.throws(() => createAdapter(telnyxProvider, 'tx', { kind: 'telnyx', apiKey: API_KEY, from: FROM, connectionId: CONNECTION_ID, publicKey: PUBLIC_KEY, channels: ['voice'] }),
        /telnyx voice needs server.publicUrl/);
    });
  });

  describe('sms', () => {
    it('sends JSON with bearer auth and returns data.id', async () => {
      mock.handle(telnyxApi(messageAccepted));
      const result = await adapter.send(sms, AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: '40385f64-5717-4562-b3fc-2c963f66afa6', status: 'queued' });
      const sent = JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>;
      assert.deepEqual(sent, { from: FROM, to: TO, text: `Your code is ${CODE}`, webhook_url: CALLBACK });
    });

    it('passes the messaging profile when configured', async () => {
      mock.handle(telnyxApi(messageAccepted));
      const withProfile = build({ messagingProfileId: '400174fe-0a13-4e28-b4f5-0123456789ab' });
      await withProfile.send(sms, AbortSignal.timeout(2_000));
      await withProfile.close?.();
      assert.equal((JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>).messaging_profile_id, '400174fe-0a13-4e28-b4f5-0123456789ab');
    });

    it('asks for no receipts it could not verify', async () => {
      mock.handle(telnyxApi(messageAccepted));
      const unsigned = build({ publicKey: undefined });
      await unsigned.send(sms, AbortSignal.timeout(2_000));
      await unsigned.close?.();
      assert.equal((JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>).webhook_url, undefined);
      assert.equal(unsigned.receipts, undefined);
    });

    errorCases(() => adapter, () => mock, sms, {
      invalid: [400, '40310', "Invalid 'to' address", `The 'to' address ${TO} is not a valid phone number.`],
      region: [400, '40309', 'Invalid destination region', `The destination ${TO} is not in the messaging profile's whitelisted destinations.`],
    });

    it('recognises an exhausted balance by its words when the code is not specific', async () => {
      mock.handle(telnyxApi((_req, res) => errors(res, 400, '10015', 'Bad Request', 'Your account balance is too low to send this message.')));
      const err = await failure(adapter.send(sms, AbortSignal.timeout(2_000)));
      assert.equal(err.category, 'insufficient_funds');
      assert.equal(err.providerCode, '10015');
    });
  });

  describe('voice', () => {
    it('dials through Call Control with the script sealed in client_state, and returns data.call_control_id', async () => {
      mock.handle(telnyxApi(callControl));
      const result = await adapter.send(voice, AbortSignal.timeout(2_000));
      assert.deepEqual(result, { transactionId: CALL_ID, status: 'queued' });
      const sent = JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>;
      assert.equal(mock.requests.at(-1)!.url, '/v2/calls');
      const { client_state: clientState, ...rest } = sent;
      assert.deepEqual(rest, {
        connection_id: CONNECTION_ID, to: TO, from: FROM, timeout_secs: 30, time_limit_secs: 60, webhook_url: CALLBACK, webhook_url_method: 'POST',
      });
      // Sealed, not merely encoded: Telnyx keeps client_state, so neither the script nor the digits may be readable in it.
      assert.equal(typeof clientState, 'string');
      assert.doesNotMatch(Buffer.from(String(clientState), 'base64').toString('latin1'), /Votre|4, 8/);
    });

    /** Dials through the mock and returns the client_state the adapter gave Telnyx. */
    async function dial(a: ProviderAdapter = adapter, msg: OutboundMessage = voice): Promise<string> {
      mock.handle(telnyxApi(callControl));
      await a.send(msg, AbortSignal.timeout(2_000));
      return String((JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>).client_state);
    }

    it('speaks the script in the language\'s voice when Telnyx reports the call answered', async () => {
      const clientState = await dial();
      const receipts = await adapter.receipts!(callEvent('call.answered', { client_state: clientState }));
      const speak = mock.requests.at(-1)!;
      assert.equal(speak.url, `/v2/calls/${encodeURIComponent(CALL_ID)}/actions/speak`);
      assert.deepEqual(JSON.parse(speak.body), {
        payload: 'Votre code est 4, 8, 2, 9, 1, 3 & voilà', payload_type: 'text', voice: 'AWS.Polly.Lea-Neural', language: 'fr-FR', command_id: 'byot-otp-script',
      });
      assert.deepEqual(receipts, [{ transactionId: CALL_ID, status: 'sent', providerStatus: 'answered', at: new Date(EVENT_AT) }]);
    });

    it('uses a configured voice for the language', async () => {
      const custom = build({ voices: { fr: 'AWS.Polly.Remi-Neural' } });
      const clientState = await dial(custom);
      await custom.receipts!(callEvent('call.answered', { client_state: clientState }));
      await custom.close?.();
      assert.equal((JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>).voice, 'AWS.Polly.Remi-Neural');
    });

    it('speaks nothing on a call whose client_state it did not seal', async () => {
      mock.handle(telnyxApi(callControl));
      const before = mock.requests.length;
      const forged = Buffer.from(JSON.stringify({ text: 'Your code is 000000', locale: 'en', expires: Date.now() + 60_000 })).toString('base64');
      assert.deepEqual(await adapter.receipts!(callEvent('call.answered', { client_state: forged })), []);
      // Sealed by another adapter (another key): refused the same way.
      const other = createAdapter(telnyxProvider, 'tx-other', {
        kind: 'telnyx', apiKey: API_KEY, from: FROM, connectionId: CONNECTION_ID, publicKey: PUBLIC_KEY, baseUrl: `${mock.url}/v2`,
      }, { callbackUrl: CALLBACK });
      const foreign = await dial(other);
      await other.close?.();
      const afterDial = mock.requests.length;
      assert.deepEqual(await adapter.receipts!(callEvent('call.answered', { client_state: foreign })), []);
      assert.equal(mock.requests.length, afterDial);
      assert.equal(afterDial, before + 1);
    });

    it('reports a speak Telnyx refuses as a failed call', async () => {
      const clientState = await dial();
      mock.handle(telnyxApi((_req, res) => errors(res, 422, '90018', 'Call has already ended', "This call is no longer active and can't receive commands.")));
      const receipts = await adapter.receipts!(callEvent('call.answered', { client_state: clientState }));
      assert.deepEqual(receipts, [{ transactionId: CALL_ID, status: 'failed', providerStatus: 'speak_failed', providerCode: '90018', at: new Date(EVENT_AT) }]);
    });

    it('settles the call from call.speak.ended and an unanswered call.hangup', async () => {
      assert.deepEqual(await adapter.receipts!(callEvent('call.speak.ended', { status: 'completed' })),
        [{ transactionId: CALL_ID, status: 'delivered', providerStatus: 'speak_completed', at: new Date(EVENT_AT) }]);
      assert.deepEqual(await adapter.receipts!(callEvent('call.speak.ended', { status: 'call_hangup' })),
        [{ transactionId: CALL_ID, status: 'undelivered', providerStatus: 'speak_call_hangup', at: new Date(EVENT_AT) }]);
      assert.deepEqual(await adapter.receipts!(callEvent('call.hangup', { hangup_cause: 'user_busy' })),
        [{ transactionId: CALL_ID, status: 'undelivered', providerStatus: 'hangup', providerCode: 'user_busy', at: new Date(EVENT_AT) }]);
      // An answered call ends with normal_clearing: call.speak.ended has already said whether the code was heard.
      assert.deepEqual(await adapter.receipts!(callEvent('call.hangup', { hangup_cause: 'normal_clearing' })), []);
    });

    errorCases(() => adapter, () => mock, voice, {
      invalid: [422, '10002', 'Invalid phone number', 'The phone number is invalid.'],
      // Telnyx documents no voice-specific synchronous code for a blocked destination; the API-wide one is assumed.
      region: [400, '40309', 'Invalid destination region', 'The destination is not in the outbound profile\'s whitelisted destinations.'],
    });
  });

  describe('receipts', () => {
    const signedAt = new Date('2026-03-01T10:00:00Z');
    const ts = String(signedAt.getTime() / 1000);

    function callback(rawBody: string, body: unknown, headers: Record<string, string>, receivedAt = signedAt): CallbackRequest {
      return { url: CALLBACK, headers, rawBody, body, receivedAt };
    }
    function signature(timestamp: string, rawBody: string, key: KeyObject = keys.privateKey): string {
      return sign(null, Buffer.from(`${timestamp}|${rawBody}`), key).toString('base64');
    }
    function messageEvent(status: string, errorsList: unknown[] = []) {
      const body = {
        data: {
          event_type: 'message.finalized', id: 'b301ed3f-1490-491f-995f-6e64e69674d4', occurred_at: '2026-03-01T09:59:58.000+00:00', record_type: 'event',
          payload: { id: '40385f64-5717-4562-b3fc-2c963f66afa6', to: [{ phone_number: TO, status }], errors: errorsList },
        },
        meta: { attempt: 1, delivered_to: CALLBACK },
      };
      return { body, rawBody: JSON.stringify(body) };
    }

    it('reads a signed message.finalized event', async () => {
      const { body, rawBody } = messageEvent('delivered');
      const receipts = await adapter.receipts!(callback(rawBody, body, { 'telnyx-signature-ed25519': signature(ts, rawBody), 'telnyx-timestamp': ts }));
      assert.deepEqual(receipts, [{
        transactionId: '40385f64-5717-4562-b3fc-2c963f66afa6', status: 'delivered', providerStatus: 'delivered',
        providerCode: undefined, at: new Date('2026-03-01T09:59:58Z'),
      }]);
    });

    it('carries the delivery error code', async () => {
      const { body, rawBody } = messageEvent('delivery_failed', [{ code: '40001', title: 'Not routable' }]);
      const [receipt] = await adapter.receipts!(callback(rawBody, body, { 'telnyx-signature-ed25519': signature(ts, rawBody), 'telnyx-timestamp': ts }));
      assert.equal(receipt!.status, 'undelivered');
      assert.equal(receipt!.providerCode, '40001');
    });

    it('takes a signed event dated beyond the 300 s tolerance as arriving now', async () => {
      const { body } = messageEvent('delivered');
      const future = { ...body, data: { ...body.data, occurred_at: '2099-01-01T00:00:00.000+00:00' } };
      const raw = JSON.stringify(future);
      const [receipt] = await adapter.receipts!(callback(raw, future, { 'telnyx-signature-ed25519': signature(ts, raw), 'telnyx-timestamp': ts }));
      assert.deepEqual(receipt!.at, signedAt);
      // Within the tolerance the provider's own time is kept.
      const near = { ...body, data: { ...body.data, occurred_at: new Date(signedAt.getTime() + 299_000).toISOString() } };
      const nearRaw = JSON.stringify(near);
      const [kept] = await adapter.receipts!(callback(nearRaw, near, { 'telnyx-signature-ed25519': signature(ts, nearRaw), 'telnyx-timestamp': ts }));
      assert.deepEqual(kept!.at, new Date(signedAt.getTime() + 299_000));
    });

    it('rejects a tampered body with 403', async () => {
      const { rawBody } = messageEvent('delivery_failed');
      const forged = messageEvent('delivered');
      const req = callback(forged.rawBody, forged.body, { 'telnyx-signature-ed25519': signature(ts, rawBody), 'telnyx-timestamp': ts });
      await assert.rejects(adapter.receipts!(req), rejectedWith(403));
    });

    it('rejects a signature from another key with 403', async () => {
      const { body, rawBody } = messageEvent('delivered');
      const other = generateKeyPairSync('ed25519').privateKey;
      const req = callback(rawBody, body, { 'telnyx-signature-ed25519': signature(ts, rawBody, other), 'telnyx-timestamp': ts });
      await assert.rejects(adapter.receipts!(req), rejectedWith(403));
    });

    it('rejects a missing signature with 401', async () => {
      const { body, rawBody } = messageEvent('delivered');
      await assert.rejects(adapter.receipts!(callback(rawBody, body, { 'telnyx-timestamp': ts })), rejectedWith(401));
    });

    it('rejects a stale timestamp with 403 even when correctly signed', async () => {
      const { body, rawBody } = messageEvent('delivered');
      const headers = { 'telnyx-signature-ed25519': signature(ts, rawBody), 'telnyx-timestamp': ts };
      await assert.rejects(adapter.receipts!(callback(rawBody, body, headers, new Date(signedAt.getTime() + 301_000))),
        rejectedWith(403));
      // Inside the tolerance the same callback is accepted.
      assert.equal((await adapter.receipts!(callback(rawBody, body, headers, new Date(signedAt.getTime() + 299_000)))).length, 1);
    });
  });
});

type ErrorBody = [status: number, code: string, title: string, detail: string];

/** The failure modes every channel must classify the same way. */
function errorCases(adapter: () => ProviderAdapter, mock: () => SpecMock, msg: OutboundMessage, own: { invalid: ErrorBody; region: ErrorBody }): void {
  const send = (signal: AbortSignal = AbortSignal.timeout(2_000)) => adapter().send(msg, signal);
  const cases: [string, ErrorBody, string, string][] = [
    ['invalid number', own.invalid, 'invalid_number', own.invalid[1]],
    ['destination region not enabled', own.region, 'region_blocked', own.region[1]],
    ['429 too many requests', [429, '10011', 'Too many requests', 'You have exceeded the maximum number of allowed requests.'], 'rate_limited', '10011'],
    ['500 unexpected error', [500, '10007', 'Unexpected error', 'An unexpected error occured.'], 'unavailable', '10007'],
  ];
  for (const [what, [status, code, title, detail], category, providerCode] of cases) {
    it(`classifies ${what} as ${category}`, async () => {
      mock().handle(telnyxApi((_req, res) => errors(res, status, code, title, detail)));
      const err = await failure(send());
      assert.equal(err.category, category);
      assert.equal(err.providerCode, providerCode);
    });
  }

  it('classifies 402 (no credit) as insufficient_funds', async () => {
    mock().answersOffSpec(); // no code: Telnyx documents no 402, but a balance refusal may come as one
    mock().handle(telnyxApi((_req, res) => errors(res, 402, undefined, 'Payment required', 'Insufficient funds on the account.')));
    const err = await failure(send());
    assert.equal(err.category, 'insufficient_funds');
    assert.equal(err.providerCode, '402');
  });

  it('classifies a wrong API key (401, 10009) as auth', async () => {
    mock().handle(telnyxApi(() => assert.fail('the mock must refuse the key first')));
    const wrongKey = createAdapter(telnyxProvider, 'tx-bad', {
      kind: 'telnyx', apiKey: 'KEY-REVOKED', from: FROM, baseUrl: `${mock().url}/v2`, channels: msg.channel === 'voice' ? ['sms', 'voice'] : ['sms'],
      connectionId: CONNECTION_ID, publicKey: PUBLIC_KEY,
    }, { callbackUrl: CALLBACK });
    const err = await failure(wrongKey.send(msg, AbortSignal.timeout(2_000)));
    await wrongKey.close?.();
    assert.equal(err.category, 'auth');
    assert.equal(err.providerCode, '10009');
  });

  networkFailureTests(mock, send, LEAKS);
}
