// Each adapter's conversion feedback against a loopback provider held to its published definition
// (test/fixtures/specs): the request, its credentials, the marker the sends then carry, and what a
// refusal is classified as. Off unless `feedback: true`.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { json, startMock } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { configIssues, createAdapter, expectProviderError, issueAt } from '../support/providers.js';
import { awsProvider } from '../../src/providers/aws.js';
import { eightbyeightProvider } from '../../src/providers/eightbyeight.js';
import { plivoProvider } from '../../src/providers/plivo.js';
import { twilioProvider } from '../../src/providers/twilio.js';
import { vonageProvider } from '../../src/providers/vonage.js';
import type { Channel } from '../../src/core/domain.js';
import type { OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';

const CODE = '482913';
const TO = '+14155550199';
/** 2026-03-01T12:00:05.250Z, when Okta saw the code used. */
const VERIFIED_AT = Date.UTC(2026, 2, 1, 12, 0, 5, 250);
const LEAKS = [CODE, TO.slice(2)];
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

function message(channel: Channel): OutboundMessage {
  return { channel, to: { e164: TO, country: 'US', type: 'MOBILE', valid: true }, text: `Your code is ${CODE}.`, code: CODE, locale: 'en', reference: 'evt-fb-1' };
}
const target = (transactionId: string, channel: Channel = 'sms') => ({ transactionId, channel, verifiedAt: VERIFIED_AT });
const signal = () => AbortSignal.timeout(3_000);

function suite(name: string, spec: Parameters<typeof startSpecMock>, body: (ctx: { mock: () => SpecMock; keep: (a: ProviderAdapter) => ProviderAdapter }) => void): void {
  describe(name, () => {
    let mock: SpecMock;
    const adapters: ProviderAdapter[] = [];
    before(async () => {
      mock = await startSpecMock(...spec);
    });
    after(async () => {
      await Promise.all(adapters.map((a) => a.close?.()));
      await mock.close();
    });
    afterEach(() => mock.assertValid());
    body({ mock: () => mock, keep: (a) => (adapters.push(a), a) });
  });
}

suite('twilio Message Feedback', ['twilio'], ({ mock, keep }) => {
  const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
  const TOKEN = 'twilio-auth-token-5f1e';
  const SID = 'SM49a8ece2822d44e4adaccd7ed268f954';
  const twilio = (extra: Record<string, unknown> = {}) => keep(createAdapter(twilioProvider, 'tw', {
    kind: 'twilio', accountSid: ACCOUNT, authToken: TOKEN, from: '+14155550100', baseUrl: mock().url, ...extra,
  }));
  const feedbackAnswer = (res: ServerResponse) => json(res, 200, {
    account_sid: ACCOUNT, message_sid: SID, outcome: 'confirmed',
    date_created: 'Sun, 01 Mar 2026 12:00:06 +0000', date_updated: 'Sun, 01 Mar 2026 12:00:06 +0000',
    uri: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${SID}/Feedback.json`,
  });

  it('is off by default: no capability, and messages go without ProvideFeedback', async () => {
    const a = twilio();
    assert.equal(a.feedback, undefined);
    mock().handle((_req, res) => json(res, 201, { sid: SID, status: 'queued' }));
    await a.send(message('sms'), signal());
    assert.equal(new URLSearchParams(mock().requests.at(-1)!.body).get('ProvideFeedback'), null);
  });

  it('asks for feedback on each message, then POSTs Outcome=confirmed with Basic auth', async () => {
    const a = twilio({ feedback: true });
    assert.deepEqual([...a.feedback!.channels], ['sms'], 'calls take no Message Feedback');
    mock().handle((_req, res) => json(res, 201, { sid: SID, status: 'queued' }));
    await a.send(message('sms'), signal());
    assert.equal(new URLSearchParams(mock().requests.at(-1)!.body).get('ProvideFeedback'), 'true');

    mock().handle((_req, res) => feedbackAnswer(res));
    await a.feedback!.send(target(SID), signal());
    const req = mock().requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, `/2010-04-01/Accounts/${ACCOUNT}/Messages/${SID}/Feedback.json`);
    assert.equal(req.headers.authorization, basic(ACCOUNT, TOKEN));
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), { Outcome: 'confirmed' });
  });

  it('classifies a refusal by its Twilio code or status: 404 is not worth a retry, 503 is', async () => {
    const a = twilio({ feedback: true });
    mock().answersOffSpec();
    mock().handle((_req, res) => json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 }));
    await expectProviderError(a.feedback!.send(target(SID), signal()), { category: 'auth', providerCode: '20404' }, LEAKS);
    mock().answersOffSpec();
    mock().handle((_req, res) => json(res, 503, { code: 20500, message: 'Service unavailable', status: 503 }));
    await expectProviderError(a.feedback!.send(target(SID), signal()), { category: 'unavailable' }, LEAKS);
  });
});

suite('AWS PutMessageFeedback', ['aws-sms-voice-v2'], ({ mock, keep }) => {
  const aws = (extra: Record<string, unknown> = {}) => keep(createAdapter(awsProvider, 'aws-eu', {
    kind: 'aws', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    originationIdentity: '+14155550100', endpoint: mock().url, snsEndpoint: mock().url, ...extra,
  }));
  const awsJson = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'a1b2c3d4-0000-4000-8000-000000000009' });
    res.end(JSON.stringify(body));
  };

  it('sends MessageFeedbackEnabled only when feedback is on', async () => {
    // The sends are other operations than the definition's: a plain mock records them.
    const plain = await startMock((_req, res) => awsJson(res, 200, { MessageId: 'm-1' }));
    try {
      for (const [a, expected] of [[aws({ endpoint: plain.url }), undefined], [aws({ endpoint: plain.url, feedback: true }), true]] as const) {
        for (const channel of ['sms', 'voice'] as const) {
          await a.send(message(channel), signal());
          const sent = JSON.parse(plain.requests.at(-1)!.body) as { MessageFeedbackEnabled?: boolean };
          assert.equal(sent.MessageFeedbackEnabled, expected, `${channel}, feedback ${String(expected)}`);
        }
      }
    } finally {
      await plain.close();
    }
    assert.equal(aws().feedback, undefined);
  });

  it('puts RECEIVED for the MessageId, signed with SigV4 through the SDK', async () => {
    const a = aws({ feedback: true });
    assert.deepEqual([...a.feedback!.channels], ['sms', 'voice']);
    mock().handle((req, res) => awsJson(res, 200, { MessageId: (JSON.parse(req.body) as { MessageId: string }).MessageId, MessageFeedbackStatus: 'RECEIVED' }));
    await a.feedback!.send(target('862a8790-60c0-4430-9b2b-658bdexample', 'voice'), signal());
    const req = mock().requests.at(-1)!;
    assert.equal(req.url, '/');
    assert.equal(req.headers['x-amz-target'], 'PinpointSMSVoiceV2.PutMessageFeedback');
    assert.match(String(req.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sms-voice\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    assert.deepEqual(JSON.parse(req.body), { MessageId: '862a8790-60c0-4430-9b2b-658bdexample', MessageFeedbackStatus: 'RECEIVED' });
  });

  it('with SMS through SNS, only calls get feedback', () => {
    assert.deepEqual([...aws({ feedback: true, sms: 'sns' }).feedback!.channels], ['voice']);
    assert.equal(aws({ feedback: true, sms: 'sns', channels: ['sms'] }).feedback, undefined);
  });

  it('classifies throttling as worth a retry, an unknown message as not', async () => {
    const a = aws({ feedback: true });
    mock().answersOffSpec();
    mock().handle((_req, res) => awsJson(res, 400, { __type: 'com.amazonaws.pinpointsmsvoicev2#ThrottlingException', Message: 'Rate exceeded' }));
    await expectProviderError(a.feedback!.send(target('m-2'), signal()), { category: 'rate_limited', providerCode: 'ThrottlingException' }, LEAKS);
    mock().answersOffSpec();
    mock().handle((_req, res) => awsJson(res, 404, { __type: 'com.amazonaws.pinpointsmsvoicev2#ResourceNotFoundException', Message: 'not found', ResourceType: 'message', ResourceId: 'm-2' }));
    await expectProviderError(a.feedback!.send(target('m-2'), signal()), { category: 'auth', providerCode: 'ResourceNotFoundException' }, LEAKS);
  });
});

suite('8x8 SMS Success Feedback', ['8x8-sms'], ({ mock, keep }) => {
  const KEY = 'eightbyeight-api-key-3c9a';
  const UMID = 'bda3d56d-1424-e711-813c-06ed3428fe67';
  const e8 = (extra: Record<string, unknown> = {}) => keep(createAdapter(eightbyeightProvider, 'e8', {
    kind: 'eightbyeight', apiKey: KEY, subAccountId: 'acme_otp', channels: ['sms'], smsBaseUrl: mock().url, ...extra,
  }));
  const queued = (res: ServerResponse) => json(res, 200, { umid: UMID, clientMessageId: 'evt-fb-1', destination: '14155550199', encoding: 'GSM7', status: { code: 'QUEUED', description: 'SMS is accepted and queued for processing' } });

  it('tracks each message for conversion only when feedback is on', async () => {
    mock().handle((_req, res) => queued(res));
    await e8().send(message('sms'), signal());
    assert.equal((JSON.parse(mock().requests.at(-1)!.body) as { track?: string }).track, undefined);
    await e8({ feedback: true }).send(message('sms'), signal());
    assert.equal((JSON.parse(mock().requests.at(-1)!.body) as { track?: string }).track, 'Outcome');
  });

  it('POSTs outcome success and the verification time for the umid, with the bearer key', async () => {
    const a = e8({ feedback: true });
    assert.deepEqual([...a.feedback!.channels], ['sms']);
    assert.equal(e8({ feedback: true, channels: ['voice'], callerId: '+6531234567' }).feedback, undefined, 'callflows take no feedback');
    mock().handle((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    await a.feedback!.send(target(UMID), signal());
    const req = mock().requests.at(-1)!;
    assert.equal(req.url, `/api/v1/subaccounts/acme_otp/messages/${UMID}/feedback`);
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(req.body), { outcome: 'success', timestamp: '2026-03-01T12:00:05.250Z' });
  });

  it("classifies 8x8's error answers", async () => {
    const a = e8({ feedback: true });
    const error = (code: number, text: string) => ({ code, message: text, errorId: '91b106f0-c0da-4aba-a43a-7af9c5893a80', timestamp: '2026-03-01T12:00:06.00Z' });
    mock().handle((_req, res) => json(res, 401, error(1200, 'Invalid credentials')));
    await expectProviderError(a.feedback!.send(target(UMID), signal()), { category: 'auth', providerCode: '1200' }, LEAKS);
    mock().handle((_req, res) => json(res, 500, error(2000, 'Internal error')));
    await expectProviderError(a.feedback!.send(target(UMID), signal()), { category: 'unavailable', providerCode: '2000' }, LEAKS);
  });
});

suite('Vonage Conversion API', ['vonage-conversion', 'vonage-sms'], ({ mock, keep }) => {
  const vonage = (extra: Record<string, unknown> = {}) => keep(createAdapter(vonageProvider, 'vg', {
    kind: 'vonage', apiKey: 'vonage-key', apiSecret: 'vonage-secret-9d1', from: 'ACME', channels: ['sms'],
    smsBaseUrl: `${mock().url}/sms`, conversionBaseUrl: mock().url, ...extra,
  }));

  it('is off by default; on, it is for SMS only', () => {
    assert.equal(vonage().feedback, undefined);
    assert.deepEqual([...vonage({ feedback: true }).feedback!.channels], ['sms']);
  });

  it('POSTs message-id, delivered=true and the UTC timestamp, with the API key and secret in the query', async () => {
    const a = vonage({ feedback: true });
    mock().handle((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    await a.feedback!.send(target('0A0000000123ABCD1'), signal());
    const req = mock().requests.at(-1)!;
    assert.equal(req.method, 'POST');
    const url = new URL(req.url, 'http://mock');
    assert.equal(url.pathname, '/conversions/sms');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      api_key: 'vonage-key', api_secret: 'vonage-secret-9d1', 'message-id': '0A0000000123ABCD1', delivered: 'true', timestamp: '2026-03-01 12:00:05',
    });
    assert.equal(req.body, '');
  });

  it('a 402 (conversion not enabled for the account) is not worth a retry; a 500 is', async () => {
    const a = vonage({ feedback: true });
    mock().handle((_req, res) => {
      res.writeHead(402);
      res.end();
    });
    await expectProviderError(a.feedback!.send(target('0A01'), signal()), { category: 'insufficient_funds', providerCode: '402' }, ['vonage-secret-9d1']);
    mock().handle((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    await expectProviderError(a.feedback!.send(target('0A01'), signal()), { category: 'unavailable' }, ['vonage-secret-9d1']);
  });
});

describe('the feedback option', () => {
  it('is a boolean, and only the kinds that can give feedback accept it', () => {
    const twilio = { kind: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 't', from: '+14155550100' };
    assert.equal(twilioProvider.schema.parse(twilio).feedback, false);
    assert.equal(issueAt(twilioProvider.schema, { ...twilio, feedback: 'yes' }, 'feedback'), 'expected true or false');
    const plivo = { kind: 'plivo', authId: 'MA0123456789ABCDEFGH', authToken: 'plivo-token', from: '+14155550100', feedback: true };
    assert.ok(configIssues(plivoProvider.schema, plivo).some((i) => i.message.includes('feedback')), 'an unknown key');
  });
});
