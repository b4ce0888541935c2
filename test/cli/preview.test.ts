import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildTelephonyRequest, maskTelephonyRequest, oktaDeliveryChannel, PREVIEW_URL, randomOtp, readHookAnswer,
} from '../../src/okta/hook-request.js';
import { parseHookRequest } from '../../src/okta/contract.js';
import { useColour, stripAnsi, table } from '../../src/cli/common.js';
import { REQUEST_TYPES, type Channel } from '../../src/core/domain.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/processes.js';
import { SECRET, startGateway, type TestGateway } from '../support/gateway.js';
import { json, startMock, type MockServer } from '../support/mock-http.js';

/** Okta's published sample request (the telephony inline hook's documentation), verbatim. */
const SAMPLE = {
  eventId: 'uS5871kJThSsU8qlA1LTcg',
  eventTime: '2022-01-28T21:43:40.000Z',
  eventType: 'com.okta.telephony.provider',
  eventTypeVersion: '1.0',
  contentType: 'application/json',
  cloudEventVersion: '0.1',
  source: 'https://${yourOktaDomain}/api/v1/inlineHooks/calz6lVQA77AwFeEe0g3',
  requestType: 'com.okta.user.telephony.pre-enrollment',
  data: {
    context: {
      request: {
        id: 'reqRgSk8IBBRhuo0YdlEDTmUw',
        method: 'POST',
        url: { value: '/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview' },
        ipAddress: '127.0.0.1',
      },
    },
    userProfile: { firstName: 'test', lastName: 'user', login: 'test.user@okta.com', userId: '00uyxxSknGtK8022w0g3' },
    messageProfile: {
      msgTemplate: '(HOOK)Your code is 11111',
      phoneNumber: '9876543210',
      otpExpires: '2022-01-28T21:48:34.321Z',
      deliveryChannel: 'SMS',
      otpCode: '11111',
      locale: 'EN-US',
    },
  },
};

/** Okta's TelephonyPayloadExample as its documentation publishes it: numeric phoneNumber and otpCode, no requestType. */
const EXAMPLE_FILE = 'test/fixtures/okta/telephony-payload-example.json';
const EXAMPLE = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, any>;

/** Every path to a leaf, with the leaf's type: the shape without the values. */
function shape(v: unknown, path = ''): string[] {
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => shape(x, path ? `${path}.${k}` : k)).sort();
  return [`${path}: ${typeof v}`];
}

describe('preview.ts builds the request Okta sends', () => {
  test('the same fields, nesting and types as Okta\'s sample, every leaf a string', () => {
    const req = buildTelephonyRequest({ phone: '+14155550100' });
    assert.deepEqual(shape(req), shape(SAMPLE));
    assert.ok(shape(req).every((l) => l.endsWith(': string')));
    assert.equal(req.eventType, SAMPLE.eventType);
    assert.equal(req.eventTypeVersion, '1.0');
    assert.equal(req.cloudEventVersion, '0.1');
    assert.equal(req.contentType, 'application/json');
    assert.equal(req.data.context.request.method, 'POST');
    assert.equal(req.data.context.request.url.value, PREVIEW_URL);
  });

  test('fresh ids and times in Okta\'s formats; a random 6-digit code; expiry 5 minutes on', () => {
    const before = Date.now();
    const a = buildTelephonyRequest({ phone: '+14155550100' });
    const b = buildTelephonyRequest({ phone: '+14155550100' });
    assert.notEqual(a.eventId, b.eventId);
    assert.match(a.eventId, /^[A-Za-z0-9]{22}$/);
    assert.match(a.data.context.request.id, /^req[A-Za-z0-9]{22}$/);
    assert.match(a.data.userProfile.userId, /^00u[A-Za-z0-9]{17}$/);
    assert.match(a.source, /^https:\/\/example\.okta\.com\/api\/v1\/inlineHooks\/cal[A-Za-z0-9]{17}$/);
    assert.match(a.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(a.eventTime) - before) < 5_000);
    assert.equal(Date.parse(a.data.messageProfile.otpExpires) - Date.parse(a.eventTime), 5 * 60_000);
    assert.match(a.data.messageProfile.otpCode, /^\d{6}$/);
    assert.equal(a.data.messageProfile.msgTemplate, `Your verification code is ${a.data.messageProfile.otpCode}`);
    const codes = new Set(Array.from({ length: 50 }, randomOtp));
    assert.ok(codes.size > 40, 'codes are random');
    assert.ok([...codes].every((c) => /^\d{6}$/.test(c)));
  });

  test('channel spelled SMS or voice call, requestType with its prefix; the gateway\'s parser reads it back', () => {
    assert.equal(oktaDeliveryChannel('sms'), 'SMS');
    assert.equal(oktaDeliveryChannel('voice'), 'voice call');
    for (const type of REQUEST_TYPES) {
      for (const channel of ['sms', 'voice'] as Channel[]) {
        const req = buildTelephonyRequest({ phone: '+447700900123', channel, requestType: type, locale: 'EN-GB', code: '123456', login: 'jane@example.com', org: 'https://acme.okta.com', hookId: 'calABC' });
        assert.equal(req.requestType, `com.okta.user.telephony.${type}`);
        assert.equal(req.source, 'https://acme.okta.com/api/v1/inlineHooks/calABC');
        const parsed = parseHookRequest(JSON.parse(JSON.stringify(req)));
        assert.ok(parsed.ok, JSON.stringify(parsed));
        assert.deepEqual(parsed.notes, []);
        assert.equal(parsed.request.requestType, type);
        assert.equal(parsed.request.channel, channel);
        assert.equal(parsed.request.locale, 'en-GB');
        assert.equal(parsed.request.otp, '123456');
        assert.equal(parsed.request.preview, true, 'Okta\'s Preview path: the gateway knows it is a test');
        assert.equal(parsed.request.user.login, 'jane@example.com');
      }
    }
    assert.equal(buildTelephonyRequest({ phone: '1', requestType: 'com.okta.user.telephony.account-unlock' }).requestType, 'com.okta.user.telephony.account-unlock');
  });

  test('masking hides the code in otpCode and in msgTemplate, and leaves the original alone', () => {
    const req = buildTelephonyRequest({ phone: '+14155550100', code: '482913' });
    const masked = maskTelephonyRequest(req);
    assert.equal(masked.data.messageProfile.otpCode, '******');
    assert.equal(masked.data.messageProfile.msgTemplate, 'Your verification code is ******');
    assert.ok(!JSON.stringify(masked).includes('482913'));
    assert.equal(req.data.messageProfile.otpCode, '482913');
  });

  test('answers are read as Okta reads them', () => {
    assert.deepEqual(readHookAnswer({ commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: 'VONAGE', transactionId: 'SM49', transactionMetadata: 'Duration=300ms' }] }] }),
      { kind: 'action', status: 'SUCCESSFUL', provider: 'VONAGE', transactionId: 'SM49', transactionMetadata: 'Duration=300ms' });
    assert.deepEqual(readHookAnswer({ error: { errorSummary: 'Failed', errorCauses: [{ errorSummary: 'Provider could not deliver OTP', reason: 'x', location: 'South Africa' }] } }),
      { kind: 'error', errorSummary: 'Failed', errorCauses: [{ errorSummary: 'Provider could not deliver OTP', reason: 'x', location: 'South Africa' }] });
    assert.equal(readHookAnswer({ error: [{ errorSummary: 'spec example' }] }).kind, 'unexpected', 'the malformed failure example of Okta\'s OpenAPI definition (an array, not an object)');
    assert.match(readHookAnswer({ commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'DONE' }] }] }).problem!, /Okta skips the hook/);
    assert.equal(readHookAnswer('text').kind, 'unexpected');
  });

  test('colour only on a terminal without NO_COLOR; tables ignore colour codes when aligning', () => {
    assert.equal(useColour({ isTTY: true }, {}), true);
    assert.equal(useColour({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(useColour({ isTTY: true }, { NO_COLOR: '' }), true);
    assert.equal(useColour({ isTTY: false }, {}), false);
    assert.equal(useColour({}, {}), false);
    assert.equal(stripAnsi(table([['\u001b[32mok\u001b[0m', 'x'], ['long', 'y']])), 'ok    x\nlong  y\n');
    assert.equal(table([['a', '1'], ['b', '100']], { align: ['l', 'r'] }), 'a    1\nb  100\n');
  });
});

describe('byot preview against a running gateway', () => {
  let gw: TestGateway;
  before(async () => { gw = await startGateway(); });
  after(() => gw.close());

  test('all four request types on both channels reach the gateway as Okta sends them and come back SUCCESSFUL', async () => {
    const runs = REQUEST_TYPES.flatMap((type) => (['sms', 'voice'] as const).map((channel) => ({ type, channel })));
    const results = await Promise.all(runs.map(({ type, channel }) => runCli(
      ['preview', '--url', gw.url, '--secret', SECRET, '--type', type, '--channel', channel, '--phone', '+14155550100', '--login', `${type}.${channel}@example.com`, '--json'],
      { env: { OKTA_HOOK_SECRET: '' } },
    )));
    results.forEach((r, i) => {
      const { type, channel } = runs[i]!;
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.httpStatus, 200);
      assert.equal(typeof out.ms, 'number');
      assert.equal(out.response.commands[0].value[0].status, 'SUCCESSFUL');
      assert.equal(out.response.commands[0].value[0].provider, 'CONSOLE');
      assert.equal(out.request.requestType, `com.okta.user.telephony.${type}`);
      assert.equal(out.request.data.messageProfile.deliveryChannel, channel === 'sms' ? 'SMS' : 'voice call');
      assert.equal(out.request.data.messageProfile.otpCode, '******');
      assert.match(r.stderr, new RegExp(`sending a ${type} ${channel === 'sms' ? 'SMS' : 'voice call'} request`));
      const logged = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'hook call' && l.eventId === out.request.eventId);
      assert.ok(logged, `the gateway logged ${out.request.eventId}`);
      assert.equal(logged.requestType, type);
      assert.equal(logged.channel, channel);
      assert.equal(logged.status, 'SUCCESSFUL');
    });
  });

  test('the text answer looks like Okta\'s Preview; neither the secret nor the code is printed; no colour on a pipe', async () => {
    const r = await runCli(['preview', '--url', gw.url, '--code', '739146', '--show-request'], { env: { OKTA_HOOK_SECRET: SECRET } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /answer +HTTP 200 in \d+ ms/);
    assert.match(r.stdout, /status +SUCCESSFUL/);
    assert.match(r.stdout, /provider +CONSOLE/);
    assert.match(r.stdout, /transactionId +console-/);
    assert.match(r.stdout, /metadata +attempts=console:ok/);
    assert.match(r.stdout, /"otpCode": "\*\*\*\*\*\*"/);
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(SECRET), 'no secret');
      assert.ok(!text.includes('739146'), 'no code');
      assert.ok(!text.includes('\u001b['), 'no colour codes');
    }
  });

  test('a wrong secret is a 401, explained, exit 1; a missing secret is misuse, exit 2', async () => {
    const wrong = await runCli(['preview', '--url', `${gw.url}/okta/telephony`, '--secret', 'not-the-secret-123']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /HTTP 401 — the secret or header name does not match/);
    assert.match(wrong.stdout, /Okta skips the hook/);
    const none = await runCli(['preview', '--url', gw.url], { env: { OKTA_HOOK_SECRET: '' } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs its hook secret/);
    assert.match(none.stderr, /Usage:\n {2}byot preview/);
  });

  test('misuse: bad channel, type, code, URL, unknown option each exit 2 naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['--channel', 'fax'], /--channel must be one of sms, voice/],
      [['--type', 'login'], /--type must be one of (pre-enrollment, )?mfa-verification, .*password-reset \(got "login"\)/],
      [['--code', '12 34'], /--code must be letters and digits/],
      [['--url', 'not a url'], /is not a URL/],
      [['--url', 'ftp://x'], /must be http:\/\/ or https:\/\//],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
      [['--timeout', '0'], /--timeout must be a whole number/],
      [['--secret', 'line-one\nline-two'], /the secret has characters an HTTP header cannot carry/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['preview', '--secret', SECRET, ...args])));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, cases[i]![1]);
      assert.ok(!r.stderr.includes('line-one'), 'a refused secret is not echoed');
    });
  });

  test('--request: Okta\'s published example, from a file as a dry run and from standard input for real, is accepted', async () => {
    assert.equal(typeof EXAMPLE.data.messageProfile.phoneNumber, 'number', 'the fixture is Okta\'s numeric example');
    const dry = await runCli(['preview', '--url', gw.url, '--secret', SECRET, '--request', EXAMPLE_FILE, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const out = JSON.parse(dry.stdout);
    assert.equal(out.httpStatus, 200);
    assert.equal(out.response.commands[0].value[0].status, 'SUCCESSFUL');
    assert.deepEqual(out.request, { ...EXAMPLE, data: { ...EXAMPLE.data, messageProfile: { ...EXAMPLE.data.messageProfile, otpCode: '*****', msgTemplate: '(HOOK)Your code is *****' } } });
    assert.ok(!dry.stdout.includes('11111') && !dry.stderr.includes('11111'), 'the passcode is not printed');

    const real = await runCli(['preview', '--url', gw.url, '--secret', SECRET, '--request', '-'], { input: JSON.stringify(EXAMPLE) });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /request +\(no requestType\) · SMS · 9876543210 · EN-US/);
    assert.match(real.stdout, /status +SUCCESSFUL/);
    const logged = gw.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'hook call' && l.eventId === EXAMPLE.eventId);
    assert.equal(logged.length, 1, 'the gateway took the real send, and only it, as a hook call');
    assert.equal(logged[0].status, 'SUCCESSFUL');
  });

  test('--request refuses what it cannot send, exit 2 naming the problem, without calling the gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byot-preview-'));
    try {
      const file = (name: string, content: string | Buffer): string => {
        writeFileSync(join(dir, name), content);
        return join(dir, name);
      };
      const noPhone = { ...EXAMPLE.data.messageProfile, phoneNumber: undefined };
      const cases: [string[], RegExp, string?][] = [
        [['--request', join(dir, 'missing.json')], /--request .*missing\.json cannot be read: no such file/],
        [['--request', dir], /--request .* cannot be read: it is a directory/],
        [['--request', file('empty.json', ' \n')], /--request .*empty\.json is empty/],
        [['--request', file('broken.json', '{"eventId": "e1", "otpCode": 739146,')], /--request .*broken\.json is not JSON/],
        [['--request', file('big.json', `{"pad": "${'x'.repeat(70_000)}"}`)], /--request .*big\.json is larger than 65536 bytes/],
        [['--request', file('latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]))], /--request .*latin1\.json is not UTF-8 text/],
        [['--request', file('array.json', '[]')], /is not a telephony hook request the gateway accepts: The request body must be a JSON object/],
        [['--request', file('nophone.json', JSON.stringify({ ...EXAMPLE, data: { ...EXAMPLE.data, messageProfile: noPhone } }))], /not a telephony hook request the gateway accepts: data\.messageProfile\.phoneNumber is required/],
        [['--request', EXAMPLE_FILE, '--phone', '+14155550100'], /--request sends the request as it is: --phone cannot be added to it/],
        [['--request', '-'], /--request standard input is larger than 65536 bytes/, 'x'.repeat(200_000)],
      ];
      const hookCalls = (): number => gw.logs.filter((l) => l.includes('"msg":"hook call"')).length;
      const before = hookCalls();
      const results = await Promise.all(cases.map(([args, , input]) => runCli(['preview', '--url', gw.url, '--secret', SECRET, ...args], input === undefined ? {} : { input })));
      results.forEach((r, i) => {
        assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, cases[i]![1]);
        assert.ok(!r.stderr.includes('739146'), 'the file\'s content is not echoed');
      });
      assert.ok(before > 0, 'hook calls are logged under this message');
      assert.equal(hookCalls(), before, 'nothing reached the gateway');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help shows options and examples, exit 0', async () => {
    const r = await runCli(['preview', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage:\n {2}byot preview/);
    assert.match(r.stdout, /--request FILE/);
    assert.match(r.stdout, /Examples:/);
    assert.equal((await runCli(['help', 'preview'])).stdout, r.stdout);
  });
});

describe('byot preview against a gateway stand-in', () => {
  let mock: MockServer;
  before(async () => { mock = await startMock(); });
  after(() => mock.close());
  const success = { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: 'TWILIO', transactionId: 'SM1' }] }] };

  test('--dry-run sends x-byot-dry-run: 1 (and a plain run does not); an unconfirmed dry run is flagged', async () => {
    mock.handle((_req, res) => json(res, 200, success));
    mock.requests.length = 0;
    const dry = await runCli(['preview', '--url', mock.url, '--secret', SECRET, '--dry-run']);
    const real = await runCli(['preview', '--url', mock.url, '--secret', SECRET]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(real.code, 0, real.stderr);
    const [d, r] = mock.requests;
    assert.equal(d!.url, '/okta/telephony');
    assert.equal(d!.headers['x-byot-dry-run'], '1');
    assert.equal(r!.headers['x-byot-dry-run'], undefined);
    assert.equal(d!.headers.authorization, SECRET);
    assert.equal(d!.headers['content-type'], 'application/json');
    assert.equal(d!.headers.accept, 'application/json');
    assert.match(dry.stdout, /dry run/);
    assert.match(dry.stdout, /did not confirm the dry run/);

    mock.handle((_req, res) => json(res, 200, success, { 'x-byot-dry-run': '1' }));
    const confirmed = await runCli(['preview', '--url', mock.url, '--secret', SECRET, '--dry-run']);
    assert.doesNotMatch(confirmed.stdout, /did not confirm/);
  });

  test('--request sends the file as it is: Okta\'s numbers stay numbers, unknown fields stay', async () => {
    mock.handle((_req, res) => json(res, 200, success));
    mock.requests.length = 0;
    const pasted = { ...EXAMPLE, extension: { note: 'kept' } };
    const r = await runCli(['preview', '--url', mock.url, '--secret', SECRET, '--request', '-'], { input: JSON.stringify(pasted, null, 2) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(mock.requests.length, 1);
    assert.deepEqual(JSON.parse(mock.requests[0]!.body), pasted);
    assert.equal(mock.requests[0]!.headers.authorization, SECRET);
  });

  test('--header and --bearer choose how the secret travels', async () => {
    mock.handle((_req, res) => json(res, 200, success));
    mock.requests.length = 0;
    await runCli(['preview', '--url', mock.url, '--header', 'x-telephony-key', '--secret', SECRET]);
    await runCli(['preview', '--url', mock.url, '--bearer', 'eyJhbGciOi.token.value']);
    assert.equal(mock.requests[0]!.headers['x-telephony-key'], SECRET);
    assert.equal(mock.requests[0]!.headers.authorization, undefined);
    assert.equal(mock.requests[1]!.headers.authorization, 'Bearer eyJhbGciOi.token.value');
  });

  test('an error object, FAILED, and a malformed answer are shown for what Okta makes of them, exit 1', async () => {
    mock.handle((_req, res) => json(res, 200, { error: { errorSummary: "We couldn't send your verification code.", errorCauses: [{ errorSummary: 'The message could not be delivered', reason: 'DELIVERY_FAILED', location: 'data.messageProfile.phoneNumber' }] } }));
    const err = await runCli(['preview', '--url', mock.url, '--secret', SECRET]);
    assert.equal(err.code, 1);
    assert.match(err.stdout, /error +We couldn't send your verification code\./);
    assert.match(err.stdout, /cause +The message could not be delivered \(DELIVERY_FAILED\) at data\.messageProfile\.phoneNumber/);
    assert.match(err.stdout, /falls back to its own providers/);

    mock.handle((_req, res) => json(res, 200, { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'FAILED', transactionMetadata: 'attempts=twilio:unavailable' }] }] }));
    const failed = await runCli(['preview', '--url', mock.url, '--secret', SECRET, '--json']);
    assert.equal(failed.code, 1);
    assert.equal(JSON.parse(failed.stdout).response.commands[0].value[0].status, 'FAILED');

    mock.handle((_req, res) => json(res, 200, { commands: [] }));
    const odd = await runCli(['preview', '--url', mock.url, '--secret', SECRET]);
    assert.equal(odd.code, 1);
    assert.match(odd.stdout, /not a valid Okta answer: no "commands" array/);
  });

  test('an unreachable gateway: exit 1 with the cause, and --json still prints the request', async () => {
    const port = await freePort();
    const r = await runCli(['preview', '--url', `http://127.0.0.1:${port}`, '--secret', SECRET, '--json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.httpStatus, null);
    assert.equal(out.response, null);
    assert.match(out.error, /connection refused/);
    assert.match(r.stderr, /no answer from http:\/\/127\.0\.0\.1:\d+\/okta\/telephony: connection refused/);
  });
});
