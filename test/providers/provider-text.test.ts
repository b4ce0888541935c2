// Provider text is not trusted (issue 13, item 3): a provider that echoes the request into the
// code, message or id it answers with gets the passcode, the number, the callback token and the
// credentials scrubbed out, and the text bounded, before anything is logged, stored or shown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { parseConfigText } from '../../src/config/file.js';
import { buildAdapters } from '../../src/gateway/adapters.js';
import { MAX_PROVIDER_TEXT, providerText, scrubbedAdapter } from '../../src/providers/scrub.js';
import { configSecrets } from '../../src/config/secrets.js';
import { ProviderError, type OutboundMessage, type ProviderAdapter, type SendResult } from '../../src/providers/types.js';
import { json, startMock, type MockServer, type RecordedRequest } from '../support/mock-http.js';
import { ACCOUNT as TWILIO_ACCOUNT } from '../support/twilio-mock.js';
import { silentLog } from '../support/providers.js';
import { SECRET, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { loggedIn, startAdminGateway } from '../admin/support.js';

const CODE = '482913';
const TO = '+14155550199';
const CALLBACK_TOKEN = 'cbtoken0123456789abcdefghijklmnop';
const CREDENTIALS = {
  httpKey: 'HttpTemplateKey0x01',
  vonageSecret: 'VonageSecret0x02',
  infobipKey: 'InfobipApiKey0123456789x03',
  sinchToken: 'SinchApiToken0123456789x04',
  telnyxKey: 'KEYTelnyx0123456789x05',
  eightKey: 'EightByEightKey0x06',
  twilioToken: 'TwilioAuthToken0x07',
  plivoToken: 'PlivoAuthToken0123456789x08',
  awsKeyId: 'AKIAECHOTEST0000X09',
  awsSecret: 'AwsSecretAccessKey0123456789x10',
  awsSession: 'AwsSessionToken0123456789x11',
};
/** What no answer may carry once scrubbed: the code, the number in every form, every credential. */
const LEAKS = [CODE, TO, TO.slice(1), TO.slice(2), encodeURIComponent(TO), CALLBACK_TOKEN, ...Object.values(CREDENTIALS)];

const message = (channel: 'sms' | 'voice' = 'sms'): OutboundMessage => ({
  channel, to: { e164: TO, country: 'US', type: 'MOBILE', valid: true }, text: `Your code is ${CODE}.`, code: CODE, locale: 'en-US', reference: 'evt-1',
});

/** Everything the request carried, as an echoing provider would put it in its answer. */
const wholeRequest = (req: RecordedRequest): string => `${req.method} ${req.url} ${JSON.stringify(req.headers)} ${req.body}`;

/**
 * The echoing provider. It quotes the request from the value it complains about (`quote`) on, as
 * "Invalid 'To' Phone Number: +1…" does, so that value stands within the characters kept
 * (MAX_PROVIDER_TEXT) and only scrubbing, not the bound, keeps it out. `winner` is the one kind
 * that accepts the message (its id and status echo the request); every other kind refuses it,
 * the echo in the fields its adapter reads a code or text from.
 */
const provider = { quote: CODE, winner: '' };
const echo = (req: RecordedRequest): string => {
  const whole = wholeRequest(req);
  const at = whole.indexOf(provider.quote);
  return at < 0 ? whole : whole.slice(at);
};

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** awsJson1_0, as End User Messaging answers. */
const awsJson = (res: ServerResponse, status: number, body: unknown): void =>
  json(res, status, body, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'a1b2c3d4-0000-4000-8000-000000000001' });
/** awsQuery, as SNS answers. */
function awsQuery(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'a1b2c3d4-0000-4000-8000-000000000002' });
  res.end(body);
}

type Answer = (req: RecordedRequest, res: ServerResponse) => void;

/** Each kind's refusal and acceptance in its documented format, the echo where its adapter reads. */
const ANSWERS: Record<string, { refuse?: Answer; accept?: Answer }> = {
  http: { refuse: (req, res) => json(res, 400, { error: echo(req) }) },
  httpid: { accept: (req, res) => json(res, 200, { id: echo(req) }) },
  vonage: { refuse: (req, res) => json(res, 200, { 'message-count': '1', messages: [{ status: echo(req), 'error-text': 'refused' }] }) },
  infobip: { refuse: (req, res) => json(res, 400, { requestError: { serviceException: { messageId: echo(req), text: 'refused' } } }) },
  sinch: { refuse: (req, res) => json(res, 400, { code: echo(req), text: 'refused' }) },
  telnyx: { refuse: (req, res) => json(res, 422, { errors: [{ code: echo(req), title: 'refused' }] }) },
  eightbyeight: { refuse: (req, res) => json(res, 200, { umid: 'u-1', status: { code: 'REJECTED', description: echo(req) } }) },
  // Twilio's error codes are numbers: the echo can only stand in its message and more_info.
  twilio: {
    refuse: (req, res) => json(res, 500, { code: 20500, message: echo(req), more_info: echo(req), status: 500 }),
    accept: (req, res) => json(res, 201, { sid: echo(req), status: echo(req), account_sid: TWILIO_ACCOUNT }),
  },
  plivo: {
    refuse: (req, res) => json(res, 500, { api_id: 'db342550-7f1d-11e1-8ea7-1231380bc196', error: echo(req) }),
    accept: (req, res) => json(res, 202, { api_id: 'db342550-7f1d-11e1-8ea7-1231380bc196', message: echo(req), message_uuid: [echo(req)] }),
  },
  // End User Messaging: the exception's Reason and Message, and the MessageId.
  aws: {
    refuse: (req, res) => awsJson(res, 400, { __type: 'com.amazonaws.pinpointsmsvoicev2#ValidationException', Message: echo(req), Reason: echo(req) }),
    accept: (req, res) => awsJson(res, 200, { MessageId: echo(req) }),
  },
  // SNS: the error's Code (an unmodelled one becomes the exception's name) and Message, and the MessageId.
  sns: {
    refuse: (req, res) => awsQuery(res, 400, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${escapeXml(echo(req))}</Code><Message>${escapeXml(echo(req))}</Message></Error><RequestId>a1b2c3d4-0000-4000-8000-000000000002</RequestId></ErrorResponse>`),
    accept: (req, res) => awsQuery(res, 200, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${escapeXml(echo(req))}</MessageId></PublishResult><ResponseMetadata><RequestId>a1b2c3d4-0000-4000-8000-000000000003</RequestId></ResponseMetadata></PublishResponse>`),
  },
};
const REFUSING = Object.keys(ANSWERS).filter((k) => ANSWERS[k]!.refuse);
const ACCEPTING = Object.keys(ANSWERS).filter((k) => ANSWERS[k]!.accept);

/** The mock's handler: the kind is the first segment of the path (each provider's base URL). */
const answer: Answer = (req, res) => {
  const kind = req.url.split('/')[1]!;
  const { refuse, accept } = ANSWERS[kind]!;
  return (kind === provider.winner || !refuse ? accept! : refuse)(req, res);
};

function providersYaml(base: string): string {
  const aws = `region: us-east-1, accessKeyId: ${CREDENTIALS.awsKeyId}, secretAccessKey: ${CREDENTIALS.awsSecret}, sessionToken: ${CREDENTIALS.awsSession}`;
  return `providers:
  http:
    kind: http
    channels: [sms]
    callbackToken: ${CALLBACK_TOKEN}
    receipt: { idPath: id, statusPath: status }
    sms:
      url: ${base}/http/send?key=${CREDENTIALS.httpKey}&to={{phoneDigits}}
      body: '{"to": "{{phone}}", "text": "{{text}}", "code": "{{code}}", "callback": "{{callbackUrl}}"}'
      errorPath: error
  httpid:
    kind: http
    channels: [sms]
    sms:
      url: ${base}/httpid/send
      headers: { Authorization: "Bearer ${CREDENTIALS.httpKey}" }
      body: '{"to": "{{phone}}", "text": "{{text}}"}'
      idPath: id
  vonage:
    kind: vonage
    channels: [sms]
    apiKey: vonagekey
    apiSecret: ${CREDENTIALS.vonageSecret}
    from: ACME
    smsBaseUrl: ${base}/vonage
  infobip:
    kind: infobip
    channels: [sms]
    apiKey: ${CREDENTIALS.infobipKey}
    baseUrl: ${base}/infobip
    sender: ACME
  sinch:
    kind: sinch
    sms: { servicePlanId: jd63jf88477ll123ab4567cd89012ef3, apiToken: ${CREDENTIALS.sinchToken}, from: "+12345550100", baseUrl: ${base}/sinch }
  telnyx:
    kind: telnyx
    channels: [sms]
    apiKey: ${CREDENTIALS.telnyxKey}
    from: "+15550001111"
    baseUrl: ${base}/telnyx
  eightbyeight:
    kind: eightbyeight
    channels: [sms]
    apiKey: ${CREDENTIALS.eightKey}
    subAccountId: acme_otp
    sender: ACME
    smsBaseUrl: ${base}/eightbyeight
  twilio: { kind: twilio, channels: [sms], accountSid: ${TWILIO_ACCOUNT}, authToken: ${CREDENTIALS.twilioToken}, from: "+14155550100", baseUrl: ${base}/twilio }
  plivo: { kind: plivo, channels: [sms], authId: MAXXXXXXXXXXXXXXXXXX, authToken: ${CREDENTIALS.plivoToken}, from: "+14155550100", baseUrl: ${base}/plivo }
  aws: { kind: aws, channels: [sms], ${aws}, originationIdentity: "+14155550100", endpoint: ${base}/aws }
  sns: { kind: aws, channels: [sms], sms: sns, ${aws}, snsEndpoint: ${base}/sns }
`;
}

/** The values none of which may survive: the code, the number in its forms, every credential, the request's Authorization. */
function assertClean(text: string, req: RecordedRequest | undefined, what: string, oneString = true): void {
  const leaks = [...LEAKS];
  const auth = req?.headers.authorization;
  // Its start: a whole Basic credential is longer than the text kept.
  if (typeof auth === 'string') leaks.push(auth.replace(/^\S+\s+/, '').slice(0, 16));
  for (const leak of leaks) {
    const at = text.indexOf(leak);
    assert.ok(at < 0, `${what} carries ${leak}: …${text.slice(Math.max(0, at - 80), at + 80)}…`);
  }
  if (oneString) assert.doesNotMatch(text, /\p{C}/u, `${what} has unprintable characters`);
}

/** What the echo is made to quote from, in turn: each value a request may carry, and its Authorization header. */
const QUOTED = [...LEAKS, 'authorization'];
const NUMBER_FORMS = [TO, TO.slice(1), encodeURIComponent(TO)];

/**
 * Calls `send` once per quoted value, the echo starting there; `check` judges each outcome against
 * the request that caused it. The request must have carried the code and the number.
 */
async function quoting(mock: MockServer, send: () => Promise<unknown>, check: (outcome: unknown, req: RecordedRequest) => void | Promise<void>): Promise<void> {
  const carried = new Set<string>();
  for (const quote of QUOTED) {
    provider.quote = quote;
    const sent = mock.requests.length;
    const outcome = await send().catch((err: unknown) => err);
    assert.ok(mock.requests.length > sent, 'the request reached the echoing provider');
    for (const req of mock.requests.slice(sent)) if (wholeRequest(req).includes(quote)) carried.add(quote);
    await check(outcome, mock.requests.at(-1)!);
  }
  assert.ok(carried.has(CODE), 'the request carried the code, so the echo did too');
  assert.ok(NUMBER_FORMS.some((n) => carried.has(n)), 'the request carried the number, so the echo did too');
}

describe('echoing providers, every kind that reads a code or text from its answer', () => {
  let mock: MockServer;
  let adapters: Map<string, ProviderAdapter>;

  before(async () => {
    mock = await startMock(answer);
    const config = parseConfigText(`auth: { type: header, secrets: ["${SECRET}"] }\n${providersYaml(mock.url)}`, {});
    const secrets = configSecrets(config);
    adapters = new Map([...buildAdapters(config, silentLog)].map(([n, a]) => [n, scrubbedAdapter(a, secrets)]));
  });
  after(async () => {
    await Promise.all([...adapters.values()].map((a) => a.close?.()));
    await mock.close();
  });

  const send = (kind: string) => () => adapters.get(kind)!.send(message(), AbortSignal.timeout(5_000));

  for (const kind of REFUSING) {
    test(`${kind}: the failure's code and message are scrubbed and bounded`, () => quoting(mock, send(kind), (err, req) => {
      assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
      assertClean(err.message, req, 'message');
      assert.ok([...err.message].length <= MAX_PROVIDER_TEXT, `message of ${err.message.length} characters`);
      if (err.providerCode !== undefined) {
        assertClean(err.providerCode, req, 'providerCode');
        assert.ok([...err.providerCode].length <= MAX_PROVIDER_TEXT);
      }
    }));
  }

  for (const kind of ACCEPTING) {
    test(`${kind}: an echoed id and status are scrubbed and bounded`, async () => {
      provider.winner = kind;
      try {
        await quoting(mock, send(kind), (sent, req) => {
          assert.ok(!(sent instanceof Error), `expected the message accepted, got ${String(sent)}`);
          const { transactionId, status } = sent as SendResult;
          assertClean(transactionId, req, 'transactionId');
          assertClean(status, req, 'status');
          assert.ok([...transactionId].length <= MAX_PROVIDER_TEXT && [...status].length <= MAX_PROVIDER_TEXT);
        });
      } finally {
        provider.winner = '';
      }
    });
  }

  test('http: a receipt whose status and code echo the callback token and a credential is scrubbed', async () => {
    const receipts = await adapters.get('http')!.receipts!({
      url: `https://gw.example.com/callbacks/http/http/${CALLBACK_TOKEN}`, headers: {}, rawBody: '', token: CALLBACK_TOKEN, receivedAt: new Date(),
      body: { id: 'msg-1', status: `delivered ${CALLBACK_TOKEN}`, code: `key=${CREDENTIALS.httpKey}` },
    });
    assert.equal(receipts.length, 1);
    assert.equal(receipts[0]!.transactionId, 'msg-1', 'an id without secrets is kept exactly');
    assertClean(receipts[0]!.providerStatus, undefined, 'providerStatus');
    assertClean(receipts[0]!.providerCode ?? '', undefined, 'providerCode');
  });
});

test('the scrubber finds the number and the code however they are written, and leaves ids alone', () => {
  const scrub = providerText(['SuperSecretValue1'], message('voice'));
  for (const written of ['+1 (415) 555-0199', '1-415-555-0199', '%2B14155550199', '4155550199', 'say 4, 8, 2, 9, 1, 3', 'Basic dXNlcjpTdXBlclNlY3JldA==', 'SuperSecretValue1', encodeURIComponent('SuperSecretValue1')]) {
    const out = scrub.text(`x ${written} y`);
    assert.ok(!out.includes(written), `${written} → ${out}`);
    assert.match(out, /^x .*\[scrubbed\].* y$/, written);
  }
  // A numeric id that happens to contain the code is not a passcode: receipts must still match it.
  assert.equal(scrub.id('20340722148291307'), '20340722148291307');
  assert.equal(scrub.text('a\u0000b\u202ec'.repeat(40)).length, MAX_PROVIDER_TEXT);
});

describe('through the gateway: the log, the delivery log and the admin pages never see the echo', () => {
  let mock: MockServer;
  let gw: TestGateway;
  // Every refusing kind in turn, the ones that can also accept last: each hook call is refused by
  // all of them, or by those before the one that accepts it.
  const chain = [...REFUSING.filter((k) => !ACCEPTING.includes(k)), ...REFUSING.filter((k) => ACCEPTING.includes(k))];
  const winners = ['', ...chain.filter((k) => ACCEPTING.includes(k)).reverse()];

  before(async () => {
    mock = await startMock(answer);
    gw = await startAdminGateway({
      yaml: `${providersYaml(mock.url)}routing:\n  default: [${chain.join(', ')}]\nhook:\n  maxAttempts: ${chain.length}\nresilience:\n  breaker: { threshold: 1000 }`,
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test(`hook calls through ${chain.length} echoing providers`, async () => {
    const admin = await loggedIn(gw);
    let calls = 0;
    let checked = 0;
    await quoting(mock, async () => {
      for (const winner of winners) {
        provider.winner = winner;
        const sent = mock.requests.length;
        const res = await gw.hook(oktaRequest({ phoneNumber: TO, otpCode: CODE }));
        calls += 1;
        assert.equal(res.status, 200);
        const tried = winner === '' ? chain.length : chain.indexOf(winner) + 1;
        assert.equal(mock.requests.length - sent, tried, `each provider up to ${winner || 'the last'} was tried`);
        const rows = gw.rows();
        assert.equal(rows.length, calls);
        assert.equal(JSON.parse(rows.at(-1)!.attempts).length, tried);
      }
      provider.winner = '';
    }, async () => {
      const deliveries = await admin.get('/admin/api/deliveries');
      const providers = await admin.get('/admin/api/providers');
      assert.equal(deliveries.status, 200);
      assert.equal(providers.status, 200);
      const everything = [gw.logs.join(''), JSON.stringify(gw.rows()), deliveries.text, providers.text].join('\n');
      // The requests of this round, one per Authorization header (AWS signs each request anew).
      const distinct = new Map(mock.requests.slice(checked).map((req) => [String(req.headers.authorization), req]));
      checked = mock.requests.length;
      for (const req of distinct.values()) assertClean(everything, req, 'log, delivery log or admin page', false);
    });
  });
});
