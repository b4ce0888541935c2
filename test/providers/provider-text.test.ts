// Provider text is not trusted (issue 13, item 3): a provider that echoes the request into the
// code, message or id it answers with gets the passcode, the number, the callback token and the
// credentials scrubbed out, and the text bounded, before anything is logged, stored or shown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { parseConfigText } from '../../src/config/load.js';
import { buildAdapters } from '../../src/gateway/adapters.js';
import { MAX_PROVIDER_MESSAGE, MAX_PROVIDER_TEXT, providerText, scrubbedAdapter } from '../../src/providers/scrub.js';
import { configSecrets } from '../../src/config/secrets.js';
import { ProviderError, type OutboundMessage, type ProviderAdapter } from '../../src/providers/types.js';
import { json, startMock, type MockServer, type RecordedRequest } from '../support/mock-http.js';
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
};

const message = (channel: 'sms' | 'voice' = 'sms'): OutboundMessage => ({
  channel, to: { e164: TO, country: 'US', type: 'MOBILE', valid: true }, text: `Your code is ${CODE}.`, code: CODE, locale: 'en-US', reference: 'evt-1',
});

/** Everything the request carried, as an echoing provider would put it in its answer. */
const echo = (req: RecordedRequest): string => `${req.method} ${req.url} ${JSON.stringify(req.headers)} ${req.body}`;

/** What each kind answers, the echo placed in the field the adapter reads its code or text from. */
const ANSWERS: Record<string, (req: RecordedRequest, res: ServerResponse) => void> = {
  http: (req, res) => json(res, 400, { error: echo(req) }),
  httpid: (req, res) => json(res, 200, { id: echo(req) }),
  vonage: (req, res) => json(res, 200, { 'message-count': '1', messages: [{ status: echo(req), 'error-text': 'refused' }] }),
  infobip: (req, res) => json(res, 400, { requestError: { serviceException: { messageId: echo(req), text: 'refused' } } }),
  sinch: (req, res) => json(res, 400, { code: echo(req), text: 'refused' }),
  telnyx: (req, res) => json(res, 422, { errors: [{ code: echo(req), title: 'refused' }] }),
  eightbyeight: (req, res) => json(res, 200, { umid: 'u-1', status: { code: 'REJECTED', description: echo(req) } }),
};

function providersYaml(base: string): string {
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
`;
}

/** The values none of which may survive: the code, the number in its forms, every credential. */
function assertClean(text: string, req: RecordedRequest | undefined, what: string, oneString = true): void {
  const leaks = [CODE, TO, TO.slice(1), TO.slice(2), encodeURIComponent(TO), CALLBACK_TOKEN, ...Object.values(CREDENTIALS)];
  const auth = req?.headers.authorization;
  if (typeof auth === 'string') leaks.push(auth.replace(/^\S+\s+/, ''));
  for (const leak of leaks) assert.ok(!text.includes(leak), `${what} carries ${leak}: ${text}`);
  if (oneString) assert.doesNotMatch(text, /\p{C}/u, `${what} has unprintable characters`);
}

describe('echoing providers, every kind that reads a code or text from its answer', () => {
  let mock: MockServer;
  let adapters: Map<string, ProviderAdapter>;

  before(async () => {
    mock = await startMock((req, res) => ANSWERS[req.url.split('/')[1]!]!(req, res));
    const config = parseConfigText(`auth: { type: header, secrets: ["${SECRET}"] }\n${providersYaml(mock.url)}`, {});
    const secrets = configSecrets(config);
    adapters = new Map([...buildAdapters(config, silentLog)].map(([n, a]) => [n, scrubbedAdapter(a, secrets)]));
  });
  after(async () => {
    await Promise.all([...adapters.values()].map((a) => a.close?.()));
    await mock.close();
  });

  for (const kind of ['http', 'vonage', 'infobip', 'sinch', 'telnyx', 'eightbyeight']) {
    test(`${kind}: the failure's code and message are scrubbed and bounded`, async () => {
      const before = mock.requests.length;
      const err = await adapters.get(kind)!.send(message(), AbortSignal.timeout(5_000)).then(() => assert.fail('expected a failure'), (e: unknown) => e);
      assert.equal(mock.requests.length, before + 1, 'the request reached the echoing provider');
      const req = mock.requests.at(-1)!;
      assert.ok(echo(req).includes(CODE), 'the request carried the code, so the echo did too');
      assert.ok(err instanceof ProviderError);
      assertClean(err.message, req, 'message');
      assert.ok([...err.message].length <= MAX_PROVIDER_MESSAGE, `message of ${err.message.length} characters`);
      if (err.providerCode !== undefined) {
        assertClean(err.providerCode, req, 'providerCode');
        assert.ok([...err.providerCode].length <= MAX_PROVIDER_TEXT);
      }
    });
  }

  test('http: an echoed id is scrubbed and bounded too', async () => {
    const sent = await adapters.get('httpid')!.send(message(), AbortSignal.timeout(5_000));
    assertClean(sent.transactionId, mock.requests.at(-1), 'transactionId');
    assert.ok(sent.transactionId.length <= MAX_PROVIDER_TEXT);
  });

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

  before(async () => {
    mock = await startMock((req, res) => ANSWERS[req.url.split('/')[1]!]!(req, res));
    gw = await startAdminGateway({ yaml: `${providersYaml(mock.url)}routing:\n  default: [http, vonage, infobip]\nhook:\n  maxAttempts: 3` });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('a hook call through three echoing providers', async () => {
    const res = await gw.hook(oktaRequest({ phoneNumber: TO, otpCode: CODE }));
    assert.equal(res.status, 200);
    assert.equal(mock.requests.length, 3, 'each provider was tried');
    const admin = await loggedIn(gw);
    const deliveries = await admin.get('/admin/api/deliveries');
    const providers = await admin.get('/admin/api/providers');
    assert.equal(deliveries.status, 200);
    assert.equal(providers.status, 200);
    const rows = gw.rows();
    assert.equal(JSON.parse(rows[0]!.attempts).length, 3);
    const everything = [gw.logs.join(''), JSON.stringify(rows), deliveries.text, providers.text].join('\n');
    for (const req of mock.requests) assertClean(everything, req, 'log, delivery log or admin page', false);
  });
});
