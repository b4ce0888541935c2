import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { awsProvider } from '../../src/providers/aws.js';
import type { OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';
import { startMock, type MockServer, type RecordedRequest } from '../support/mock-http.js';
import { configIssues, createAdapter, expectProviderError, type FailureCase } from '../support/providers.js';

/** What an error message must never contain: the passcode, the digits of the number. */
const LEAKS = ['481516', '5550199'];

function message(channel: 'sms' | 'voice', locale = 'en-US'): OutboundMessage {
  return {
    channel,
    to: { e164: '+14155550199', country: 'US', type: 'MOBILE', valid: true },
    text: 'Your code is 4, 8, 1, 5, 1, 6. <Again> & again.',
    code: '481516',
    locale,
    reference: 'evt-uS5871kJThSsU8qlA1LTcg',
  };
}

function build(mock: MockServer, extra: Record<string, unknown> = {}): ProviderAdapter {
  return createAdapter(awsProvider, 'aws-eu', {
    kind: 'aws',
    region: 'eu-west-1',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    originationIdentity: '+14155550100',
    configurationSetName: 'otp',
    endpoint: mock.url,
    snsEndpoint: mock.url,
    ...extra,
  });
}

/** SigV4: signed by the SDK, with the credential scope of the service and region. */
function assertSigned(req: RecordedRequest, service: string): void {
  assert.match(String(req.headers.authorization),
    new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/${service}/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`));
  assert.match(String(req.headers['x-amz-date']), /^\d{8}T\d{6}Z$/);
}

// awsJson1_0, as End User Messaging answers.
function awsJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'a1b2c3d4-0000-4000-8000-000000000001' });
  res.end(JSON.stringify(body));
}
const eumError = (type: string, extra: Record<string, unknown> = {}) => ({ __type: `com.amazonaws.pinpointsmsvoicev2#${type}`, Message: 'Request failed for +14155550199', ...extra });

// awsQuery, as SNS answers.
function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'a1b2c3d4-0000-4000-8000-000000000002' });
  res.end(body);
}
const snsError = (type: 'Sender' | 'Receiver', code: string, text: string) =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${text}</Message></Error><RequestId>a1b2c3d4-0000-4000-8000-000000000002</RequestId></ErrorResponse>`;

const NETWORK: FailureCase[] = [
  { name: 'a connection reset', answer: (res) => res.socket?.destroy(), category: 'unavailable', ambiguous: true },
  { name: 'no answer within the deadline', answer: () => { /* never answers */ }, category: 'timeout', ambiguous: true, deadlineMs: 200 },
];

describe('AWS provider', () => {
  let mock: MockServer;
  let adapter: ProviderAdapter;
  let sns: ProviderAdapter;
  before(async () => {
    mock = await startMock();
    adapter = build(mock);
    sns = build(mock, { sms: 'sns', originationIdentity: 'ACME' });
  });
  after(async () => {
    await adapter.close?.();
    await sns.close?.();
    await mock.close();
  });

  function classifies(target: () => ProviderAdapter, channel: 'sms' | 'voice', cases: FailureCase[]): void {
    for (const c of cases) {
      it(`classifies ${c.name}`, async () => {
        mock.handle((_req, res) => c.answer(res));
        const sent = mock.requests.length;
        await expectProviderError(target().send(message(channel), AbortSignal.timeout(c.deadlineMs ?? 3_000)), c, LEAKS);
        // maxAttempts 1: the SDK never tries again on its own.
        assert.equal(mock.requests.length, sent + 1);
      });
    }
  }

  describe('SMS through End User Messaging (SendTextMessage)', () => {
    it('sends a signed awsJson1_0 request and returns the MessageId', async () => {
      mock.handle((_req, res) => awsJson(res, 200, { MessageId: '862a8790-60c0-4430-9b2b-658bdexample' }));
      const result = await adapter.send(message('sms'), AbortSignal.timeout(3_000));
      assert.deepEqual(result, { transactionId: '862a8790-60c0-4430-9b2b-658bdexample', status: 'accepted' });
      const req = mock.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/');
      assert.equal(req.headers['x-amz-target'], 'PinpointSMSVoiceV2.SendTextMessage');
      assert.equal(req.headers['content-type'], 'application/x-amz-json-1.0');
      assertSigned(req, 'sms-voice');
      assert.deepEqual(JSON.parse(req.body), {
        DestinationPhoneNumber: '+14155550199', OriginationIdentity: '+14155550100', MessageBody: message('sms').text,
        MessageType: 'TRANSACTIONAL', ConfigurationSetName: 'otp', Context: { reference: 'evt-uS5871kJThSsU8qlA1LTcg' },
      });
    });

    it('sends the session token of temporary credentials', async () => {
      const temporary = build(mock, { sessionToken: 'FwoGZXIvYXdzEXAMPLE' });
      mock.handle((_req, res) => awsJson(res, 200, { MessageId: 'm-2' }));
      await temporary.send(message('sms'), AbortSignal.timeout(3_000));
      await temporary.close?.();
      assert.equal(mock.requests.at(-1)!.headers['x-amz-security-token'], 'FwoGZXIvYXdzEXAMPLE');
    });

    describe('failures', () => {
      classifies(() => adapter, 'sms', [
        { name: 'an invalid destination', answer: (res) => awsJson(res, 400, eumError('ValidationException', { Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'DestinationPhoneNumber', Message: 'Invalid phone number' }] })), category: 'invalid_number', providerCode: 'ValidationException:INVALID_PARAMETER' },
        { name: 'a blocked destination country', answer: (res) => awsJson(res, 400, eumError('ValidationException', { Reason: 'DESTINATION_COUNTRY_BLOCKED', Fields: [] })), category: 'region_blocked', providerCode: 'ValidationException:DESTINATION_COUNTRY_BLOCKED' },
        { name: 'a country blocked by a protect configuration', answer: (res) => awsJson(res, 400, eumError('ConflictException', { Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION', ResourceType: 'protect-configuration', ResourceId: 'protect-1' })), category: 'region_blocked' },
        { name: 'the monthly spend limit', answer: (res) => awsJson(res, 402, eumError('ServiceQuotaExceededException', { Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' })), category: 'insufficient_funds', providerCode: 'ServiceQuotaExceededException:MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' },
        { name: 'an opted-out recipient', answer: (res) => awsJson(res, 400, eumError('ConflictException', { Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' })), category: 'rejected' },
        { name: 'an unknown access key', answer: (res) => awsJson(res, 400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }), category: 'auth', providerCode: 'UnrecognizedClientException' },
        { name: 'a disabled account (403)', answer: (res) => awsJson(res, 403, eumError('AccessDeniedException', { Reason: 'ACCOUNT_DISABLED' })), category: 'auth', providerCode: 'AccessDeniedException:ACCOUNT_DISABLED' },
        { name: 'a missing configuration set', answer: (res) => awsJson(res, 404, eumError('ResourceNotFoundException', { ResourceType: 'configuration-set', ResourceId: 'otp' })), category: 'auth', providerCode: 'ResourceNotFoundException' },
        { name: 'throttling (429)', answer: (res) => awsJson(res, 429, eumError('ThrottlingException')), category: 'rate_limited', providerCode: 'ThrottlingException' },
        { name: 'an internal error (500)', answer: (res) => awsJson(res, 500, eumError('InternalServerException', { RequestId: 'r-1' })), category: 'unavailable', providerCode: 'InternalServerException' },
        { name: 'a 503 without an AWS body', answer: (res) => { res.writeHead(503, { 'content-type': 'text/html' }); res.end('<html>Service Unavailable</html>'); }, category: 'unavailable' },
        ...NETWORK,
      ]);
    });
  });

  describe('voice through End User Messaging (SendVoiceMessage)', () => {
    it('speaks escaped SSML with the Polly voice of the locale', async () => {
      mock.handle((_req, res) => awsJson(res, 200, { MessageId: 'v-1' }));
      const result = await adapter.send(message('voice', 'fr-CA'), AbortSignal.timeout(3_000));
      assert.equal(result.transactionId, 'v-1');
      const req = mock.requests.at(-1)!;
      assert.equal(req.headers['x-amz-target'], 'PinpointSMSVoiceV2.SendVoiceMessage');
      assert.equal(req.headers['content-type'], 'application/x-amz-json-1.0');
      assertSigned(req, 'sms-voice');
      assert.deepEqual(JSON.parse(req.body), {
        DestinationPhoneNumber: '+14155550199', OriginationIdentity: '+14155550100',
        MessageBody: '<speak><prosody rate="slow">Your code is 4, 8, 1, 5, 1, 6. &lt;Again&gt; &amp; again.</prosody></speak>',
        MessageBodyTextType: 'SSML', VoiceId: 'CHANTAL', ConfigurationSetName: 'otp', Context: { reference: 'evt-uS5871kJThSsU8qlA1LTcg' },
      });
    });

    it('speaks plain text when configured, with the English voice for an unknown language', async () => {
      const text = build(mock, { voiceTextType: 'TEXT' });
      mock.handle((_req, res) => awsJson(res, 200, { MessageId: 'v-2' }));
      await text.send(message('voice', 'xx'), AbortSignal.timeout(3_000));
      await text.close?.();
      const body = JSON.parse(mock.requests.at(-1)!.body) as Record<string, unknown>;
      assert.equal(body.MessageBody, message('voice').text);
      assert.equal(body.MessageBodyTextType, 'TEXT');
      assert.equal(body.VoiceId, 'JOANNA');
    });

    describe('failures', () => {
      classifies(() => adapter, 'voice', [
        { name: 'an invalid destination', answer: (res) => awsJson(res, 400, eumError('ValidationException', { Reason: 'CANNOT_PARSE', Fields: [{ Name: 'DestinationPhoneNumber', Message: 'cannot parse' }] })), category: 'invalid_number', providerCode: 'ValidationException:CANNOT_PARSE' },
        { name: 'an origination identity not valid for the country', answer: (res) => awsJson(res, 400, eumError('ValidationException', { Reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY' })), category: 'region_blocked' },
        { name: 'the monthly voice spend limit', answer: (res) => awsJson(res, 402, eumError('ServiceQuotaExceededException', { Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE' })), category: 'insufficient_funds', providerCode: 'ServiceQuotaExceededException:MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE' },
        { name: 'a bad signature (403)', answer: (res) => awsJson(res, 403, { __type: 'InvalidSignatureException', message: 'The request signature we calculated does not match' }), category: 'auth', providerCode: 'InvalidSignatureException' },
        { name: 'throttling (429)', answer: (res) => awsJson(res, 429, eumError('ThrottlingException')), category: 'rate_limited' },
        { name: 'an internal error (500)', answer: (res) => awsJson(res, 500, eumError('InternalServerException')), category: 'unavailable' },
        { name: 'a parameter error that is not about the destination', answer: (res) => awsJson(res, 400, eumError('ValidationException', { Reason: 'INVALID_PARAMETER', Fields: [{ Name: 'VoiceId', Message: 'bad voice' }] })), category: 'rejected' },
        ...NETWORK,
      ]);
    });
  });

  describe('SMS through SNS (Publish)', () => {
    const published = (id: string) =>
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>a1b2c3d4-0000-4000-8000-000000000002</RequestId></ResponseMetadata></PublishResponse>`;

    it('sends a signed awsQuery Publish with the SMS attributes and returns the MessageId', async () => {
      mock.handle((_req, res) => xml(res, 200, published('34d9b400-c6dd-5444-820d-fbeb0f1f54cf')));
      const result = await sns.send(message('sms'), AbortSignal.timeout(3_000));
      assert.deepEqual(result, { transactionId: '34d9b400-c6dd-5444-820d-fbeb0f1f54cf', status: 'accepted' });
      const req = mock.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/');
      assert.match(String(req.headers['content-type']), /^application\/x-www-form-urlencoded/);
      assert.equal(req.headers['x-amz-target'], undefined);
      assertSigned(req, 'sns');
      const form = Object.fromEntries(new URLSearchParams(req.body));
      assert.deepEqual(form, {
        Action: 'Publish', Version: '2010-03-31', PhoneNumber: '+14155550199', Message: message('sms').text,
        'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
        'MessageAttributes.entry.1.Value.DataType': 'String',
        'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
        'MessageAttributes.entry.2.Name': 'AWS.SNS.SMS.SenderID',
        'MessageAttributes.entry.2.Value.DataType': 'String',
        'MessageAttributes.entry.2.Value.StringValue': 'ACME',
      });
    });

    it('sends an E.164 origination identity as the origination number', async () => {
      const numbered = build(mock, { sms: 'sns' });
      mock.handle((_req, res) => xml(res, 200, published('m-3')));
      await numbered.send(message('sms'), AbortSignal.timeout(3_000));
      await numbered.close?.();
      const form = new URLSearchParams(mock.requests.at(-1)!.body);
      assert.equal(form.get('MessageAttributes.entry.2.Name'), 'AWS.MM.SMS.OriginationNumber');
      assert.equal(form.get('MessageAttributes.entry.2.Value.StringValue'), '+14155550100');
    });

    it('still calls through End User Messaging for voice', async () => {
      mock.handle((_req, res) => awsJson(res, 200, { MessageId: 'v-3' }));
      assert.equal((await sns.send(message('voice'), AbortSignal.timeout(3_000))).transactionId, 'v-3');
      assert.equal(mock.requests.at(-1)!.headers['x-amz-target'], 'PinpointSMSVoiceV2.SendVoiceMessage');
    });

    describe('failures', () => {
      classifies(() => sns, 'sms', [
        { name: 'an invalid phone number', answer: (res) => xml(res, 400, snsError('Sender', 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: +14155550199 is not valid to publish to')), category: 'invalid_number', providerCode: 'InvalidParameterException' },
        { name: 'another invalid parameter as rejected', answer: (res) => xml(res, 400, snsError('Sender', 'InvalidParameter', 'Invalid parameter: Message too long')), category: 'rejected', providerCode: 'InvalidParameterException' },
        { name: 'a refused authorization (403)', answer: (res) => xml(res, 403, snsError('Sender', 'AuthorizationError', 'User is not authorized to perform SNS:Publish')), category: 'auth', providerCode: 'AuthorizationErrorException' },
        { name: 'an unknown access key (403)', answer: (res) => xml(res, 403, snsError('Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.')), category: 'auth', providerCode: 'InvalidClientTokenId' },
        { name: 'throttling (429)', answer: (res) => xml(res, 429, snsError('Sender', 'Throttled', 'Rate exceeded')), category: 'rate_limited', providerCode: 'ThrottledException' },
        { name: 'an internal error (500)', answer: (res) => xml(res, 500, snsError('Receiver', 'InternalError', 'Internal error')), category: 'unavailable', providerCode: 'InternalErrorException' },
        ...NETWORK,
      ]);
    });
  });

  describe('config', () => {
    const good = { kind: 'aws', region: 'us-east-1', originationIdentity: '+14155550100' };
    const issues = (input: Record<string, unknown>) => configIssues(awsProvider.schema, { ...good, ...input });

    it('parses a good config: default credential chain, End User Messaging, SSML', () => {
      const config = awsProvider.schema.parse(good);
      assert.equal(config.sms, 'end-user-messaging');
      assert.equal(config.voiceTextType, 'SSML');
      assert.equal(config.accessKeyId, undefined);
    });

    it('refuses a malformed region', () => {
      assert.deepEqual(issues({ region: 'Europe' }), [{ path: 'region', message: 'expected an AWS region such as us-east-1' }]);
    });

    it('refuses half a key pair', () => {
      assert.deepEqual(issues({ accessKeyId: 'AKIDEXAMPLE' }), [
        { path: 'secretAccessKey', message: 'expected secretAccessKey with accessKeyId (or neither, for the default credential chain)' },
      ]);
    });

    it('needs an origination identity for voice, not for SMS only', () => {
      assert.equal(issues({ originationIdentity: undefined })[0]!.path, 'originationIdentity');
      assert.equal(awsProvider.schema.safeParse({ kind: 'aws', region: 'us-east-1', channels: ['sms'] }).success, true);
    });

    it('refuses an unknown SMS service and a bad endpoint', () => {
      assert.deepEqual(issues({ sms: 'pinpoint' }), [{ path: 'sms', message: 'expected end-user-messaging or sns' }]);
      assert.equal(issues({ endpoint: 'localhost:4566' })[0]!.path, 'endpoint');
    });
  });
});
