import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  ActiveHookConflict, clientAssertion, createOktaClient, deleteHook, describeHookAuth, hookUriProblems, loadSigningKey,
  normaliseOrgUrl, OktaApiError, registerTelephonyHook, activateHook, telephonyHookBody, type InlineHook, type OktaClient,
} from '../../src/okta/management/index.js';
import { buildTelephonyRequest } from '../../src/okta/hook-request.js';
import { freePort } from '../support/processes.js';
import { json, startMock, type MockServer } from '../support/mock-http.js';
import { startFakeOkta, TELEPHONY, type FakeOkta } from '../cli/fake-okta.js';

const TOKEN = '00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('registration body and checks', () => {
  test('header auth: the HTTP channel with authScheme HEADER', () => {
    assert.deepEqual(telephonyHookBody({ name: 'Telephony Hook', uri: 'https://svc.example.com/okta/telephony', auth: { type: 'header', header: 'Authorization', secret: 'my-shared-secret' } }), {
      name: 'Telephony Hook',
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: 'https://svc.example.com/okta/telephony',
          method: 'POST',
          headers: [],
          authScheme: { type: 'HEADER', key: 'Authorization', value: 'my-shared-secret' },
        },
      },
    });
  });

  test('OAuth: private_key_jwt carries hookKeyId, client_secret_post carries clientSecret', () => {
    const common = { clientId: '0oaj43vkrq7wKxZSI5e6', tokenUrl: 'https://example.okta.com/oauth2/default/v1/token', scope: 'byot.hook' };
    const pk = telephonyHookBody({ name: 'Telephony Hook (OAuth private key)', uri: 'https://svc.example.com/okta/telephony', auth: { type: 'oauth', authType: 'private_key_jwt', hookKeyId: 'HKYj4ft1a3fjmwZg05e6', ...common } });
    assert.deepEqual(pk.channel, {
      type: 'OAUTH',
      version: '1.0.0',
      config: {
        authType: 'private_key_jwt',
        clientId: '0oaj43vkrq7wKxZSI5e6',
        hookKeyId: 'HKYj4ft1a3fjmwZg05e6',
        tokenUrl: 'https://example.okta.com/oauth2/default/v1/token',
        scope: 'byot.hook',
        uri: 'https://svc.example.com/okta/telephony',
        method: 'POST',
        headers: [],
      },
    });
    const cs = telephonyHookBody({ name: 'x', uri: 'https://svc.example.com/okta/telephony', auth: { type: 'oauth', authType: 'client_secret_post', clientSecret: 's3cr3t-value', ...common } });
    assert.equal(cs.channel.config.authType, 'client_secret_post');
    assert.equal(cs.channel.config.clientSecret, 's3cr3t-value');
    assert.equal(cs.channel.config.hookKeyId, undefined);
    assert.equal('authScheme' in cs.channel.config, false);
  });

  test('hook URL: https only, at most 1024 characters, no whitespace', () => {
    assert.deepEqual(hookUriProblems('https://byot.example.com/okta/telephony'), []);
    assert.deepEqual(hookUriProblems(`https://byot.example.com/${'a'.repeat(1024 - 25)}`), []);
    const cases: [string, RegExp][] = [
      ['http://byot.example.com/okta/telephony', /https:\/\/ only/],
      ['https://byot.example.com/okta telephony', /whitespace/],
      ['https://byot.example.com/okta/telephony\n', /whitespace/],
      [`https://byot.example.com/${'a'.repeat(1000)}`, /1025 characters long; Okta allows 1024/],
      ['https://user:pw@byot.example.com/okta/telephony', /user name or password/],
      ['https://byot.example.com/okta/telephony#x', /fragment/],
      ['ftp://byot.example.com', /https:\/\/ only/],
    ];
    for (const [uri, problem] of cases) assert.match(hookUriProblems(uri).join('; '), problem, uri);
  });

  test('org URL: bare host, trailing path and the -admin console host all lead to the API origin', () => {
    assert.equal(normaliseOrgUrl('acme.okta.com'), 'https://acme.okta.com');
    assert.equal(normaliseOrgUrl('https://acme.okta.com/'), 'https://acme.okta.com');
    assert.equal(normaliseOrgUrl('https://acme-admin.okta.com/admin/dashboard'), 'https://acme.okta.com');
    assert.equal(normaliseOrgUrl('https://acme-admin.oktapreview.com'), 'https://acme.oktapreview.com');
    assert.equal(normaliseOrgUrl('https://login.acme.com'), 'https://login.acme.com');
    assert.equal(normaliseOrgUrl('https://sso-admin.acme.com'), 'https://sso-admin.acme.com', 'a custom domain is kept as it is');
    assert.equal(normaliseOrgUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.throws(() => normaliseOrgUrl('http://acme.okta.com'), /must be https/);
    assert.throws(() => normaliseOrgUrl('https://'), /not an Okta org URL/);
  });

  test('a hook returned by Okta is read defensively (lower-case scheme type, OAuth with null authScheme)', () => {
    assert.equal(describeHookAuth({ id: 'a', channel: { type: 'HTTP', config: { authScheme: { type: 'header', key: 'x-telephony-key' } } } }), 'header x-telephony-key');
    assert.equal(describeHookAuth({ id: 'b', channel: { type: 'OAUTH', config: { authScheme: null, authType: 'private_key_jwt', clientId: '0oa1', tokenUrl: 'https:/subdomain.okta.com/oauth2/default/v1/token"' } } }), 'OAuth private_key_jwt (client 0oa1)');
    assert.equal(describeHookAuth({ id: 'c' }), 'none');
  });
});

describe('service app keys and the client assertion', () => {
  test('PEM (PKCS#8, PKCS#1, EC) and JWK keys load with the right algorithm; mistakes are explained without the key', () => {
    assert.equal(loadSigningKey(pkcs8).alg, 'RS256');
    assert.equal(loadSigningKey(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()).alg, 'RS256');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(loadSigningKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).alg, 'ES256');
    const jwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'key-1' };
    assert.deepEqual({ ...loadSigningKey(JSON.stringify(jwk)), key: undefined }, { key: undefined, alg: 'RS256', kid: 'key-1' });
    assert.equal(loadSigningKey(JSON.stringify({ keys: [jwk] })).kid, 'key-1');
    assert.equal(loadSigningKey(JSON.stringify(jwk), 'other').kid, 'other', '--key-id wins over the JWK kid');

    const pub = rsa.publicKey.export({ format: 'jwk' });
    const attempts: [string, RegExp][] = [
      [JSON.stringify(pub), /no private part/],
      ['{not json', /not valid JSON/],
      ['just some text', /neither PEM .* nor a JWK/],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', /not a usable private key/],
      ['-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----', /encrypted/],
    ];
    for (const [text, message] of attempts) {
      assert.throws(() => loadSigningKey(text), (err: Error) => message.test(err.message) && !err.message.includes(String(pub.n).slice(0, 20)));
    }
  });

  test('the assertion: iss = sub = client id, aud = token endpoint, 5 minutes, a fresh jti, kid when known', async () => {
    const key = loadSigningKey(JSON.stringify({ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'k1' }));
    const a = await clientAssertion('0oaservice', 'https://acme.okta.com/oauth2/v1/token', key);
    const b = await clientAssertion('0oaservice', 'https://acme.okta.com/oauth2/v1/token', key);
    const { payload, protectedHeader } = await jwtVerify(a, rsa.publicKey, { issuer: '0oaservice', subject: '0oaservice', audience: 'https://acme.okta.com/oauth2/v1/token' });
    assert.deepEqual(protectedHeader, { alg: 'RS256', kid: 'k1' });
    assert.equal(payload.exp! - payload.iat!, 300);
    assert.notEqual(payload.jti, decodeJwt(b).jti);
  });
});

describe('the client against a stand-in for Okta', () => {
  let okta: FakeOkta;
  let client: OktaClient;
  let gateway: MockServer;
  before(async () => {
    gateway = await startMock((req, res) => json(res, 200, { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider: 'TWILIO', transactionId: 'SM1' }] }] }));
    okta = await startFakeOkta({ apiToken: TOKEN });
    okta.executeTarget = `${gateway.url}/okta/telephony`;
    client = createOktaClient({ org: okta.url, auth: { type: 'ssws', token: TOKEN } });
  });
  after(async () => {
    await okta.close();
    await gateway.close();
  });

  test('each operation uses its path and method, with Authorization: SSWS and JSON', async () => {
    okta.requests.length = 0;
    const created = await client.createInlineHook(telephonyHookBody({ name: 'one', uri: 'https://byot.example.com/okta/telephony', auth: { type: 'header', header: 'x-telephony-key', secret: 'a-long-enough-secret' } }));
    assert.equal(created.status, 'ACTIVE');
    assert.equal(created.type, TELEPHONY);
    assert.deepEqual(created.channel?.config?.authScheme, { type: 'HEADER', key: 'x-telephony-key' }, 'the secret is write-only');
    const listed = await client.listInlineHooks(TELEPHONY);
    assert.deepEqual(listed.map((h) => h.id), [created.id]);
    assert.equal((await client.getInlineHook(created.id)).name, 'one');
    const answer = await client.executeInlineHook(created.id, buildTelephonyRequest({ phone: '+14155550100', org: okta.url, hookId: created.id })) as any;
    assert.equal(answer.commands[0].value[0].status, 'SUCCESSFUL');
    assert.equal(gateway.requests.at(-1)!.headers['x-telephony-key'], 'a-long-enough-secret', 'Okta calls the hook with the registered header');
    assert.equal((await client.deactivateInlineHook(created.id)).status, 'INACTIVE');
    assert.equal((await client.activateInlineHook(created.id)).status, 'ACTIVE');
    await client.deactivateInlineHook(created.id);
    await client.deleteInlineHook(created.id);

    assert.deepEqual(okta.calls(), [
      'POST /api/v1/inlineHooks',
      'GET /api/v1/inlineHooks?type=com.okta.telephony.provider',
      `GET /api/v1/inlineHooks/${created.id}`,
      `POST /api/v1/inlineHooks/${created.id}/execute`,
      `POST /api/v1/inlineHooks/${created.id}/lifecycle/deactivate`,
      `POST /api/v1/inlineHooks/${created.id}/lifecycle/activate`,
      `POST /api/v1/inlineHooks/${created.id}/lifecycle/deactivate`,
      `DELETE /api/v1/inlineHooks/${created.id}`,
    ]);
    for (const r of okta.requests) {
      assert.equal(r.headers.authorization, `SSWS ${TOKEN}`);
      assert.equal(r.headers.accept, 'application/json');
      if (r.body) assert.equal(r.headers['content-type'], 'application/json');
    }
  });

  test('Okta\'s errors keep their errorCode, errorSummary and errorCauses, with a hint and never the token', async () => {
    const bad = createOktaClient({ org: okta.url, auth: { type: 'ssws', token: 'wrong-token-value-123' } });
    const e401 = await bad.listInlineHooks().catch((e: unknown) => e) as OktaApiError;
    assert.ok(e401 instanceof OktaApiError);
    assert.equal(e401.status, 401);
    assert.equal(e401.errorCode, 'E0000011');
    assert.equal(e401.errorSummary, 'Invalid token provided');
    assert.match(e401.hint!, /API token is invalid/);
    assert.match(e401.errorId!, /^oae/);
    assert.ok(!`${e401.message}${e401.hint}`.includes('wrong-token-value-123'));

    const e404 = await client.getInlineHook('calnothere000000000').catch((e: unknown) => e) as OktaApiError;
    assert.equal(e404.status, 404);
    assert.equal(e404.errorCode, 'E0000007');
    assert.match(e404.message, /reading inline hook calnothere000000000 failed: Okta answered 404 E0000007: Not found/);
    assert.equal(e404.code, 'OKTA_NOT_FOUND');
    // The client speaks of Okta only; the CLI adds which command lists the hooks (test/cli/okta-errors.test.ts).
    assert.match(e404.hint!, /no inline hook with that id/);
    assert.doesNotMatch(`${e401.hint}${e404.hint}`, /--|byot /);

    const e400 = await client.createInlineHook({ ...telephonyHookBody({ name: 'x', uri: 'https://byot.example.com/okta/telephony', auth: { type: 'header', header: 'a', secret: 'a-long-enough-secret' } }), name: '' }).catch((e: unknown) => e) as OktaApiError;
    assert.equal(e400.status, 400);
    assert.equal(e400.errorCode, 'E0000001');
    assert.deepEqual(e400.errorCauses, ['name: The field cannot be left blank']);
  });

  test('429: a near reset is waited out and retried once; a far one is reported with its time', async () => {
    okta.rateLimit(1, 0);
    assert.ok(Array.isArray(await client.listInlineHooks()));
    okta.rateLimit(2, 120);
    const e = await client.listInlineHooks().catch((err: unknown) => err) as OktaApiError;
    assert.equal(e.status, 429);
    assert.equal(e.errorCode, 'E0000047');
    assert.ok(e.rateLimitResetAt && e.rateLimitResetAt.getTime() > Date.now() + 100_000);
    assert.match(e.hint!, /resets at .* \(in 1[12]\d s\)/);
    okta.rateLimit(0, 0);
  });

  test('an unreachable org is a network error naming the cause', async () => {
    const port = await freePort();
    const e = await createOktaClient({ org: `http://127.0.0.1:${port}`, auth: { type: 'ssws', token: TOKEN } }).listInlineHooks().catch((err: unknown) => err) as OktaApiError;
    assert.equal(e.kind, 'network');
    assert.match(e.message, /cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/);
  });

  test('one active telephony hook: register stops before creating, --replace swaps, a failed swap restores the old hook', async () => {
    for (const h of okta.hooks.values()) okta.hooks.delete(h.id);
    const old = okta.addHook({ name: 'old' });
    const reg = { name: 'new', uri: 'https://byot.example.com/okta/telephony', auth: { type: 'header' as const, header: 'Authorization', secret: 'a-long-enough-secret' } };
    okta.requests.length = 0;
    await assert.rejects(registerTelephonyHook(client, reg, { activate: true, replace: false }), (err: unknown) => err instanceof ActiveHookConflict && err.active[0]!.id === old.id);
    assert.deepEqual(okta.calls(), ['GET /api/v1/inlineHooks?type=com.okta.telephony.provider'], 'nothing was created');

    okta.requests.length = 0;
    await assert.rejects(registerTelephonyHook(client, { ...reg, name: '' }, { activate: true, replace: true }), /Okta answered 400/);
    assert.equal(okta.hooks.get(old.id)!.status, 'ACTIVE', 'the old hook was reactivated');
    assert.deepEqual(okta.calls(), [
      'GET /api/v1/inlineHooks?type=com.okta.telephony.provider',
      `POST /api/v1/inlineHooks/${old.id}/lifecycle/deactivate`,
      'POST /api/v1/inlineHooks',
      `POST /api/v1/inlineHooks/${old.id}/lifecycle/activate`,
    ]);

    const swapped = await registerTelephonyHook(client, reg, { activate: true, replace: true });
    assert.equal(swapped.hook.status, 'ACTIVE');
    assert.deepEqual(swapped.deactivated.map((h: InlineHook) => h.id), [old.id]);
    assert.equal(okta.hooks.get(old.id)!.status, 'INACTIVE');

    // activate: the same rule.
    await assert.rejects(activateHook(client, old.id, { replace: false }), ActiveHookConflict);
    const back = await activateHook(client, old.id, { replace: true });
    assert.equal(back.hook.status, 'ACTIVE');
    assert.equal(okta.hooks.get(swapped.hook.id)!.status, 'INACTIVE');

    // Without activate, the new hook is left inactive (no other is active after this).
    await client.deactivateInlineHook(old.id);
    const quiet = await registerTelephonyHook(client, { ...reg, name: 'quiet' }, { activate: false, replace: false });
    assert.equal(quiet.hook.status, 'INACTIVE');

    // delete deactivates first.
    await client.activateInlineHook(quiet.hook.id);
    okta.requests.length = 0;
    await deleteHook(client, quiet.hook.id);
    assert.deepEqual(okta.calls(), [
      `GET /api/v1/inlineHooks/${quiet.hook.id}`,
      `POST /api/v1/inlineHooks/${quiet.hook.id}/lifecycle/deactivate`,
      `DELETE /api/v1/inlineHooks/${quiet.hook.id}`,
    ]);
    assert.equal(okta.hooks.has(quiet.hook.id), false);
  });
});

describe('OAuth service app (private_key_jwt)', () => {
  let okta: FakeOkta;
  const app = (clientId: string, extra: { granted?: string[]; requireDpop?: boolean } = {}) => ({ clientId, publicKey: rsa.publicKey as KeyObject, ...extra });
  before(async () => {
    okta = await startFakeOkta({ apps: [app('0oaplain'), app('0oadpop', { requireDpop: true }), app('0oareadonly', { granted: ['okta.inlineHooks.read'] })] });
  });
  after(() => okta.close());

  test('one token per run, from {org}/oauth2/v1/token with a valid assertion, then Authorization: Bearer', async () => {
    okta.requests.length = 0;
    const client = createOktaClient({ org: okta.url, auth: { type: 'oauth', clientId: '0oaplain', privateKey: pkcs8 } });
    await client.listInlineHooks();
    await client.listInlineHooks();
    const tokenCalls = okta.requests.filter((r) => r.url === '/oauth2/v1/token');
    assert.equal(tokenCalls.length, 1);
    const form = new URLSearchParams(tokenCalls[0]!.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('scope'), 'okta.inlineHooks.manage okta.inlineHooks.read');
    assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(decodeProtectedHeader(form.get('client_assertion')!).alg, 'RS256');
    for (const r of okta.requests.filter((x) => x.url.startsWith('/api/'))) assert.match(String(r.headers.authorization), /^Bearer \S+$/);
  });

  test('an app that requires DPoP: the proof, the nonce, then DPoP-bound calls with ath', async () => {
    okta.requests.length = 0;
    const client = createOktaClient({ org: okta.url, auth: { type: 'oauth', clientId: '0oadpop', privateKey: pkcs8 } });
    const created = await client.createInlineHook(telephonyHookBody({ name: 'dpop', uri: 'https://byot.example.com/okta/telephony', auth: { type: 'header', header: 'Authorization', secret: 'a-long-enough-secret' } }));
    assert.equal(created.name, 'dpop');
    const tokenCalls = okta.requests.filter((r) => r.url === '/oauth2/v1/token');
    assert.equal(tokenCalls.length, 3, 'without proof, without nonce, accepted');
    const api = okta.requests.filter((r) => r.url.startsWith('/api/'));
    assert.match(String(api[0]!.headers.authorization), /^DPoP \S+$/);
    assert.equal(decodeProtectedHeader(String(api[0]!.headers.dpop)).typ, 'dpop+jwt');
    await client.deactivateInlineHook(created.id);
    await client.deleteInlineHook(created.id);
  });

  test('a refused assertion, a scope not granted and a missing scope on a call are each explained', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrongKey = await createOktaClient({ org: okta.url, auth: { type: 'oauth', clientId: '0oaplain', privateKey: other } }).listInlineHooks().catch((e: unknown) => e) as OktaApiError;
    assert.equal(wrongKey.kind, 'token');
    assert.equal(wrongKey.errorCode, 'invalid_client');
    assert.match(wrongKey.message, /The client_assertion signature is invalid/);
    assert.match(wrongKey.hint!, /Public key \/ Private key/);
    assert.ok(!wrongKey.message.includes('PRIVATE KEY'));

    const notGranted = await createOktaClient({ org: okta.url, auth: { type: 'oauth', clientId: '0oareadonly', privateKey: pkcs8 } }).listInlineHooks().catch((e: unknown) => e) as OktaApiError;
    assert.equal(notGranted.errorCode, 'invalid_scope');
    assert.match(notGranted.hint!, /okta\.inlineHooks\.manage and okta\.inlineHooks\.read/);

    const readOnly = createOktaClient({ org: okta.url, auth: { type: 'oauth', clientId: '0oareadonly', privateKey: pkcs8, scopes: ['okta.inlineHooks.read'] } });
    assert.deepEqual(await readOnly.listInlineHooks(), []);
    const e403 = await readOnly.activateInlineHook('calwhatever00000000').catch((e: unknown) => e) as OktaApiError;
    assert.equal(e403.status, 403);
    assert.equal(e403.errorCode, 'E0000006');
    assert.match(e403.hint!, /lacks a scope \(okta\.inlineHooks\.manage\)/);
  });
});
