import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { infobipProvider } from '../../src/providers/infobip.js';
import type { CallbackRequest, OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';
import { json, type RecordedRequest } from '../support/mock-http.js';
import { startSpecMock, type SpecMock } from '../support/openapi.js';
import { configIssues, createAdapter, providerError, rejectedWith, requestChecks, silentLog } from '../support/providers.js';

const API_KEY = '003026bbc133714df1834b8638bb496e-8f4b3d9a-e931-478d-a994-28a725159ab9';
const CALLBACK_URL = 'https://gw.example.com/callbacks/infobip/main';
const CALLBACK_TOKEN = 'q8JmZ2vN4xT7bR1cK5wY9pL3';
const TO = '+41793026727';

function message(channel: 'sms' | 'voice', locale = 'en-US'): OutboundMessage {
  return {
    channel, locale, code: '123456', reference: 'evt-uS5871kJThSsU8qlA1LTcg',
    to: { e164: TO, country: 'CH', type: 'MOBILE', valid: true },
    text: channel === 'sms' ? 'Your code is 123456' : 'Your code is 1, 2, 3, 4, 5, 6.',
  };
}

/** Infobip's answer to an accepted message; `status` overrides the PENDING_ACCEPTED status. */
function answer(status: Record<string, unknown> = { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message sent to next instance' }) {
  return { bulkId: '2034072219640523072', messages: [{ messageId: '2250be2d4219-3af1-78856-aabe-1362af1edfd2', to: '41793026727', status }] };
}

function rejected(id: number, name: string) {
  return answer({ groupId: 5, groupName: 'REJECTED', id, name, description: 'Message rejected' });
}

/** What the mock found wrong in a request, checked after each test so no answer hides it. */
const { check, assertNone } = requestChecks('Infobip');

/** What every Infobip endpoint checks: the method, the path, the App key and JSON. */
function common(req: RecordedRequest, path: string): void {
  check('method', req.method === 'POST');
  check('path', req.url === path);
  check('App authorization', req.headers.authorization === `App ${API_KEY}`);
  check('content type', req.headers['content-type'] === 'application/json');
}

function smsEndpoint(respond: (res: ServerResponse) => void) {
  return (req: RecordedRequest, res: ServerResponse) => {
    common(req, '/sms/3/messages');
    const m = (JSON.parse(req.body) as { messages?: Record<string, unknown>[] }).messages?.[0] ?? {};
    check('sender', m.sender === 'ACME');
    check('destinations without +', JSON.stringify(m.destinations) === JSON.stringify([{ to: '41793026727' }]));
    check('content', JSON.stringify(m.content) === JSON.stringify({ text: 'Your code is 123456' }));
    check('delivery webhook with the token', JSON.stringify(m.webhooks) === JSON.stringify({ delivery: { url: `${CALLBACK_URL}/${CALLBACK_TOKEN}` } }));
    respond(res);
  };
}

function voiceEndpoint(respond: (res: ServerResponse) => void) {
  return (req: RecordedRequest, res: ServerResponse) => {
    common(req, '/tts/3/advanced');
    const m = (JSON.parse(req.body) as { messages?: Record<string, unknown>[] }).messages?.[0] ?? {};
    check('from without +', m.from === '41793026700');
    check('destinations without +', JSON.stringify(m.destinations) === JSON.stringify([{ to: '41793026727' }]));
    check('text', m.text === 'Your code is 1, 2, 3, 4, 5, 6.');
    check('language', typeof m.language === 'string');
    check('notifyUrl with the token', m.notifyUrl === `${CALLBACK_URL}/${CALLBACK_TOKEN}` && m.notifyContentType === 'application/json');
    respond(res);
  };
}

const unauthorized = { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } };
const tooMany = { requestError: { serviceException: { messageId: 'TOO_MANY_REQUESTS', text: 'Too many requests' } } };
const internal = { errorCode: 'E500', description: 'Something went wrong.', action: 'Try again later.', violations: [], resources: [] };

describe('infobip provider', () => {
  let mock: SpecMock;
  let adapter: ProviderAdapter;

  before(async () => {
    mock = await startSpecMock('infobip');
    adapter = createAdapter(infobipProvider, 'main', {
      kind: 'infobip', apiKey: API_KEY, baseUrl: mock.url, sender: 'ACME', voiceFrom: '+41793026700', speechRate: 0.9, callbackToken: CALLBACK_TOKEN,
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
  const failure = (channel: 'sms' | 'voice', signal = AbortSignal.timeout(2_000)) => providerError(adapter.send(message(channel), signal), ['123456', '41793026727']);

  for (const channel of ['sms', 'voice'] as const) {
    const endpoint = channel === 'sms' ? smsEndpoint : voiceEndpoint;
    describe(channel, () => {
      test('success: the messageId is the transaction id', async () => {
        mock.handle(endpoint((res) => json(res, 200, answer())));
        const result = await adapter.send(message(channel), AbortSignal.timeout(2_000));
        assert.deepEqual(result, { transactionId: '2250be2d4219-3af1-78856-aabe-1362af1edfd2', status: 'PENDING_ACCEPTED' });
      });

      test('invalid number: REJECTED_DESTINATION in a 200 answer', async () => {
        mock.handle(endpoint((res) => json(res, 200, rejected(14, 'REJECTED_DESTINATION'))));
        const err = await failure(channel);
        assert.equal(err.category, 'invalid_number');
        assert.equal(err.providerCode, 'REJECTED_DESTINATION');
      });

      test('network not enabled: REJECTED_NETWORK in a 200 answer', async () => {
        mock.handle(endpoint((res) => json(res, 200, rejected(6, 'REJECTED_NETWORK'))));
        const err = await failure(channel);
        assert.equal(err.category, 'region_blocked');
        assert.equal(err.providerCode, 'REJECTED_NETWORK');
      });

      test('no credit: REJECTED_NOT_ENOUGH_CREDITS in a 200 answer', async () => {
        mock.handle(endpoint((res) => json(res, 200, rejected(12, 'REJECTED_NOT_ENOUGH_CREDITS'))));
        const err = await failure(channel);
        assert.equal(err.category, 'insufficient_funds');
        assert.equal(err.providerCode, 'REJECTED_NOT_ENOUGH_CREDITS');
      });

      test('an unlisted rejection (REJECTED_DND) is a plain rejection', async () => {
        mock.handle(endpoint((res) => json(res, 200, rejected(10, 'REJECTED_DND'))));
        const err = await failure(channel);
        assert.equal(err.category, 'rejected');
        assert.equal(err.providerCode, 'REJECTED_DND');
      });

      test('401 UNAUTHORIZED is auth', async () => {
        mock.handle(endpoint((res) => json(res, 401, unauthorized)));
        const err = await failure(channel);
        assert.equal(err.category, 'auth');
        assert.equal(err.providerCode, 'UNAUTHORIZED');
      });

      test('429 TOO_MANY_REQUESTS is rate limited', async () => {
        mock.handle(endpoint((res) => json(res, 429, tooMany)));
        const err = await failure(channel);
        assert.equal(err.category, 'rate_limited');
        assert.equal(err.providerCode, 'TOO_MANY_REQUESTS');
      });

      test('500 is unavailable (newer error shape)', async () => {
        mock.handle(endpoint((res) => json(res, 500, internal)));
        const err = await failure(channel);
        assert.equal(err.category, 'unavailable');
        assert.equal(err.providerCode, 'E500');
      });

      test('connection reset is unavailable and ambiguous', async () => {
        mock.handle(endpoint((res) => res.socket?.destroy()));
        const err = await failure(channel);
        assert.equal(err.category, 'unavailable');
        assert.equal(err.ambiguous, true);
        assert.match(err.providerCode ?? '', /ECONNRESET|UND_ERR_SOCKET|EPIPE/);
      });

      test('no answer within the deadline is a timeout', async () => {
        mock.handle(endpoint(() => { /* never answers */ }));
        const err = await failure(channel, AbortSignal.timeout(200));
        assert.equal(err.category, 'timeout');
        assert.equal(err.ambiguous, true);
      });
    });
  }

  test('a 400 whose violation names the destination is an invalid number', async () => {
    mock.handle(smsEndpoint((res) => json(res, 400, {
      errorCode: 'E400', description: 'Request cannot be processed.', action: 'Check the syntax, violations and adjust the request.',
      violations: [{ property: 'messages[0].destinations[0].to', violation: 'must be a valid phone number' }], resources: [],
    })));
    const err = await failure('sms');
    assert.equal(err.category, 'invalid_number');
    assert.equal(err.providerCode, 'E400');
  });

  test('a 400 about another field is a rejection', async () => {
    mock.handle(smsEndpoint((res) => json(res, 400, {
      requestError: { serviceException: { messageId: 'BAD_REQUEST', text: 'Bad request', validationErrors: { 'messages[0].sender': ['invalid sender'] } } },
    })));
    const err = await failure('sms');
    assert.equal(err.category, 'rejected');
    assert.equal(err.providerCode, 'BAD_REQUEST');
  });

  test('voice speaks the language of the message with its voice', async () => {
    mock.handle(voiceEndpoint((res) => json(res, 200, answer())));
    await adapter.send(message('voice', 'de-CH'), AbortSignal.timeout(2_000));
    const m = (JSON.parse(mock.requests.at(-1)!.body) as { messages: Record<string, unknown>[] }).messages[0]!;
    assert.equal(m.language, 'de');
    assert.deepEqual(m.voice, { name: 'Marlene', gender: 'female' });
    assert.equal(m.speechRate, 0.9);
  });

  test('without a public URL no webhook is requested', async () => {
    const plain = createAdapter(infobipProvider, 'plain', { kind: 'infobip', apiKey: API_KEY, baseUrl: mock.url, sender: '+41793026700', callbackToken: CALLBACK_TOKEN });
    try {
      mock.handle((req, res) => json(res, 200, answer()));
      await plain.send(message('sms'), AbortSignal.timeout(2_000));
      const m = (JSON.parse(mock.requests.at(-1)!.body) as { messages: Record<string, unknown>[] }).messages[0]!;
      assert.equal(m.webhooks, undefined);
      assert.equal(m.sender, '41793026700', 'a numeric sender also goes without +');
    } finally {
      await plain.close?.();
    }
  });

  describe('delivery reports', () => {
    const now = new Date('2019-11-09T16:00:05Z');
    const reports = {
      results: [
        {
          bulkId: 'BULK-ID-123-xyz', messageId: '2250be2d4219-3af1-78856-aabe-1362af1edfd2', to: '41793026727',
          sentAt: '2019-11-09T16:00:00.000+0000', doneAt: '2019-11-09T16:00:02.000+0000', messageCount: 1,
          price: { pricePerMessage: 0.01, currency: 'EUR' },
          status: { groupId: 3, groupName: 'DELIVERED', id: 5, name: 'DELIVERED_TO_HANDSET', description: 'Message delivered to handset' },
          error: { groupId: 0, groupName: 'OK', id: 0, name: 'NO_ERROR', description: 'No Error', permanent: false },
        },
        {
          bulkId: 'BULK-ID-123-xyz', messageId: '12db39c3-7822-4e72-a3ec-c87442c0ffc5', to: '41793026834',
          sentAt: '2019-11-09T16:00:00.000+0000', doneAt: '2019-11-09T16:00:04.000+0000',
          status: { groupId: 2, groupName: 'UNDELIVERABLE', id: 9, name: 'UNDELIVERABLE_NOT_DELIVERED', description: 'Message sent not delivered' },
          error: { groupId: 1, groupName: 'HANDSET_ERRORS', id: 1, name: 'EC_UNKNOWN_SUBSCRIBER', description: 'Unknown subscriber', permanent: true },
        },
      ],
    };

    function callback(token: string | undefined): CallbackRequest {
      const rawBody = JSON.stringify(reports);
      return {
        url: `${CALLBACK_URL}/${token ?? ''}`, headers: { 'content-type': 'application/json' }, rawBody, body: JSON.parse(rawBody) as unknown,
        token, receivedAt: now,
      };
    }

    test('a report with the right token becomes receipts', async () => {
      assert.deepEqual(await adapter.receipts!(callback(CALLBACK_TOKEN)), [
        {
          transactionId: '2250be2d4219-3af1-78856-aabe-1362af1edfd2', status: 'delivered', providerStatus: 'DELIVERED_TO_HANDSET',
          providerCode: undefined, at: new Date('2019-11-09T16:00:02Z'),
        },
        {
          transactionId: '12db39c3-7822-4e72-a3ec-c87442c0ffc5', status: 'undelivered', providerStatus: 'UNDELIVERABLE_NOT_DELIVERED',
          providerCode: 'EC_UNKNOWN_SUBSCRIBER', at: new Date('2019-11-09T16:00:04Z'),
        },
      ]);
    });

    test('a voice report reads the same way', async () => {
      const rawBody = JSON.stringify({ results: [{
        bulkId: 'b', messageId: 'ff4804ef-6ab6-4abd-984d-ab3b1387e852', from: '41793026700', to: '41793026727', sentAt: '2018-06-25T13:38:14.730+0000',
        voiceCall: { feature: 'Text-to-Speech', duration: 10 },
        status: { groupId: 3, groupName: 'DELIVERED', id: 5, name: 'DELIVERED_TO_HANDSET' },
        error: { groupId: 0, groupName: 'OK', id: 5000, name: 'VOICE_ANSWERED', permanent: true },
      }] });
      const [receipt] = await adapter.receipts!({ ...callback(CALLBACK_TOKEN), rawBody, body: JSON.parse(rawBody) as unknown });
      assert.equal(receipt?.status, 'delivered');
      assert.equal(receipt?.providerCode, undefined, 'VOICE_ANSWERED is a success detail, not an error');
      assert.deepEqual(receipt?.at, new Date('2018-06-25T13:38:14.730Z'));
    });

    test('a wrong token is refused with 403', async () => {
      await assert.rejects(adapter.receipts!(callback('q8JmZ2vN4xT7bR1cK5wY9pL4')), rejectedWith(403));
    });

    test('a missing token is refused with 401', async () => {
      await assert.rejects(adapter.receipts!(callback(undefined)), rejectedWith(401));
    });

    test('without a configured token every report is refused with 401', async () => {
      const open = createAdapter(infobipProvider, 'open', { kind: 'infobip', apiKey: API_KEY, sender: 'ACME' }, { callbackUrl: CALLBACK_URL });
      try {
        await assert.rejects(open.receipts!(callback(CALLBACK_TOKEN)), rejectedWith(401));
      } finally {
        await open.close?.();
      }
    });
  });

  describe('config', () => {
    const issues = (input: unknown) => configIssues(infobipProvider.schema, input);

    test('a good config parses with the shared host as default base URL', async () => {
      const config = infobipProvider.schema.parse({ kind: 'infobip', apiKey: API_KEY, sender: 'ACME', voiceFrom: '+41793026700' });
      assert.equal(config.baseUrl, 'https://api.infobip.com');
      const both = infobipProvider.create('both', config, { log: silentLog });
      assert.deepEqual([...both.channels].sort(), ['sms', 'voice']);
      await both.close?.();
    });

    test('a voiceFrom that is not E.164 fails on voiceFrom', () => {
      assert.deepEqual(issues({ kind: 'infobip', apiKey: API_KEY, voiceFrom: '41793026700' }), [{ path: 'voiceFrom', message: 'expected E.164 number' }]);
    });

    test('a missing API key fails on apiKey', () => {
      assert.equal(issues({ kind: 'infobip', sender: 'ACME' })[0]?.path, 'apiKey');
    });

    test('a short callback token fails with what is expected', () => {
      assert.deepEqual(issues({ kind: 'infobip', apiKey: API_KEY, sender: 'ACME', callbackToken: 'short' }),
        [{ path: 'callbackToken', message: 'expected a random token of at least 24 characters' }]);
    });

    test('voice in channels without voiceFrom fails on voiceFrom', () => {
      assert.deepEqual(issues({ kind: 'infobip', apiKey: API_KEY, sender: 'ACME', channels: ['voice'] }),
        [{ path: 'voiceFrom', message: 'expected E.164 number when channels include voice' }]);
    });
  });
});
