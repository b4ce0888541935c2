import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createAuthenticator } from '../../src/okta/auth.js';
import { startMock, json, type MockServer } from '../support/mock-http.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';

describe('HEADER scheme', () => {
  const auth = createAuthenticator({ type: 'header', header: 'X-Telephony-Key', secrets: ['first-secret-value-123', 'Basic YWRtaW46c3VwZXJzZWNyZXQ='] });

  test('accepts each configured secret exactly, in the configured header (any case)', async () => {
    assert.deepEqual(await auth.verify({ 'x-telephony-key': 'first-secret-value-123' }), { ok: true });
    assert.deepEqual(await auth.verify({ 'x-telephony-key': 'Basic YWRtaW46c3VwZXJzZWNyZXQ=' }), { ok: true });
  });

  test('refuses a missing, wrong, prefixed or repeated value, without echoing it', async () => {
    for (const headers of [{}, { 'x-telephony-key': '' }, { 'x-telephony-key': 'first-secret-value-12' },
      { 'x-telephony-key': 'first-secret-value-1234' }, { 'x-telephony-key': 'Bearer first-secret-value-123' },
      { authorization: 'first-secret-value-123' }]) {
      const r = await auth.verify(headers);
      assert.equal(r.ok, false, JSON.stringify(headers));
      if (!r.ok) assert.ok(!r.reason.includes('first-secret'), r.reason);
    }
    const repeated = await auth.verify({ 'x-telephony-key': ['first-secret-value-123', 'x'] as unknown as string });
    assert.equal(repeated.ok, false);
  });
});

describe('OAuth bearer JWT', () => {
  const issuer = 'https://example.okta.com/oauth2/default';
  let jwks: MockServer;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let published: JWK[];

  before(async () => {
    const signing = await generateKeyPair('RS256');
    key = signing.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const unrelated = (await generateKeyPair('RS256')).publicKey;
    // The published set: the signing key ("k1") and an unrelated one.
    published = [
      { ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(unrelated)), kid: 'k0', alg: 'RS256', use: 'sig' },
    ];
    jwks = await startMock((req, res) => {
      if (req.url === '/oauth2/default/v1/keys') json(res, 200, { keys: published });
      else json(res, 404, {});
    });
  });
  after(() => jwks.close());

  const verifier = (extra: Record<string, unknown> = {}) => createAuthenticator({
    type: 'oauth', issuer, audience: 'api://default', jwksUrl: `${jwks.url}/oauth2/default/v1/keys`,
    clockToleranceSec: 60, maxTokenLifetimeSec: 3_600, jwksCooldownMs: 0, jwksTimeoutMs: 1_000, jwksGraceMs: 86_400_000, ...extra,
  });

  const token = (claims: Record<string, unknown> = {}, opts: { kid?: string; key?: CryptoKey; exp?: number; nbf?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ cid: '0oaclient', scp: ['byot.hook'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
      .setIssuer(issuer).setAudience('api://default').setSubject('0oaclient')
      .setIssuedAt(now - 10).setExpirationTime(opts.exp ?? now + 300)
      .setNotBefore(opts.nbf ?? now - 10)
      .sign(opts.key ?? key);
  };
  const bearer = async (t: string | Promise<string>) => ({ authorization: `Bearer ${await t}` });

  test('a good token passes, with cid and scp checks', async () => {
    assert.deepEqual(await verifier({ clientId: '0oaclient', scope: 'byot.hook' }).verify(await bearer(token())), { ok: true });
  });

  test('wrong issuer, wrong audience, expired, not yet valid: refused with a reason', async () => {
    const v = verifier();
    const now = Math.floor(Date.now() / 1000);
    const cases: [Promise<string>, RegExp][] = [
      [new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://evil.example.com/oauth2/default')
        .setAudience('api://default').setExpirationTime(now + 300).sign(key), /iss/],
      [new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer)
        .setAudience('api://other').setExpirationTime(now + 300).sign(key), /aud/],
      [token({}, { exp: now - 120 }), /expired/],
      [token({}, { nbf: now + 600 }), /nbf/],
    ];
    for (const [t, reason] of cases) {
      const r = await v.verify(await bearer(t));
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, reason);
    }
  });

  test('an expiry within the clock tolerance still passes', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.deepEqual(await verifier().verify(await bearer(token({}, { exp: now - 30 }))), { ok: true });
  });

  test('wrong client or missing scope: refused when configured', async () => {
    const v = verifier({ clientId: '0oaclient', scope: 'byot.hook' });
    assert.deepEqual(await v.verify(await bearer(token({ cid: '0oaother' }))), { ok: false, reason: 'token cid is not the hook client' });
    assert.deepEqual(await v.verify(await bearer(token({ scp: ['openid'] }))), { ok: false, reason: 'token lacks the hook scope' });
  });

  test('unknown kid, a key not in the set, alg none and HS256: refused', async () => {
    const v = verifier();
    const unknownKid = await v.verify(await bearer(token({}, { kid: 'nope' })));
    assert.deepEqual(unknownKid, { ok: false, reason: 'token signed by an unknown key' });
    const forged = await v.verify(await bearer(token({}, { key: otherKey })));
    assert.deepEqual(forged, { ok: false, reason: 'token signature invalid' });

    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = enc({ iss: issuer, aud: 'api://default', exp: now + 300 });
    const none = await v.verify({ authorization: `Bearer ${enc({ alg: 'none' })}.${payload}.` });
    assert.equal(none.ok, false);
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(issuer).setAudience('api://default')
      .setExpirationTime(now + 300).sign(new TextEncoder().encode('a'.repeat(32)));
    const r = await v.verify(await bearer(hs));
    assert.deepEqual(r, { ok: false, reason: 'token algorithm not allowed' });
  });

  test('no bearer token: refused', async () => {
    const v = verifier();
    assert.deepEqual(await v.verify({}), { ok: false, reason: 'missing bearer token' });
    assert.deepEqual(await v.verify({ authorization: 'Basic abc' }), { ok: false, reason: 'missing bearer token' });
  });

  test('keys are cached, and fetched again when a token names a new kid (rotation)', async () => {
    const v = verifier();
    await v.warm();
    const fetchesAfterWarm = jwks.requests.length;
    assert.deepEqual(await v.verify(await bearer(token())), { ok: true });
    assert.deepEqual(await v.verify(await bearer(token())), { ok: true });
    assert.equal(jwks.requests.length, fetchesAfterWarm, 'cached keys serve repeated tokens');

    const { privateKey: rotated, publicKey: rotatedPublic } = await generateKeyPair('RS256');
    published = [...published, { ...(await exportJWK(rotatedPublic)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    assert.deepEqual(await v.verify(await bearer(token({}, { kid: 'k2', key: rotated }))), { ok: true });
    assert.equal(jwks.requests.length, fetchesAfterWarm + 1, 'one refetch on the unknown kid');
  });

  describe('through the hook endpoint', () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startGateway({ yaml: `auth:\n  type: oauth\n  issuer: ${issuer}\n  audience: api://default\n  jwksUrl: ${jwks.url}/oauth2/default/v1/keys\n  clientId: 0oaclient\n  scope: byot.hook` });
    });
    after(() => gw.close());

    test('a valid bearer token is answered; a bad one gets 401 and a log line without the token', async () => {
      const good = await token();
      const ok = await gw.hook(oktaRequest(), { authorization: `Bearer ${good}` });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.commands[0].value[0].status, 'SUCCESSFUL');

      const bad = await token({ cid: 'someone-else' });
      const refused = await gw.hook(oktaRequest(), { authorization: `Bearer ${bad}` });
      assert.equal(refused.status, 401);
      assert.deepEqual(refused.body, { error: { errorSummary: 'Unauthorized', errorCauses: [] } });
      const logs = gw.logs.join('');
      assert.match(logs, /token cid is not the hook client/);
      assert.ok(!logs.includes(bad) && !logs.includes(good), 'tokens never logged');
    });
  });
});
