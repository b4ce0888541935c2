// Token and key-set rules (issue 13, item 6): exp required, lifetimes bounded, no iat from the
// future; the last good key set outlives a JWKS outage for the grace period; failed fetches back
// off; issuer and jwksUrl must be https (http only on loopback); the key-set timings are bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createAuthenticator } from '../../src/okta/auth.js';
import { keySet } from '../../src/okta/jwks.js';
import { parseConfigText } from '../../src/config/file.js';
import { configIssues } from '../support/config.js';
import { startMock, json, type MockServer } from '../support/mock-http.js';

const issuer = 'https://example.okta.com/oauth2/default';
let jwks: MockServer;
let key: CryptoKey;
let published: JWK[];
/** What the JWKS endpoint does: serve the keys, fail with a 5xx, or never answer. */
let mode: 'ok' | 'fail' | 'hang' = 'ok';

before(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  published = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  jwks = await startMock((_req, res) => {
    if (mode === 'ok') json(res, 200, { keys: published });
    else if (mode === 'fail') json(res, 503, { errorCode: 'E0000009', errorSummary: 'Internal Server Error' });
  });
});
after(() => jwks.close());

const now = (): number => Math.floor(Date.now() / 1000);
const verifier = (extra: Record<string, unknown> = {}) => createAuthenticator({
  type: 'oauth', issuer, audience: 'api://default', jwksUrl: `${jwks.url}/v1/keys`,
  clockToleranceSec: 60, maxTokenLifetimeSec: 3_600, jwksCooldownMs: 1_000, jwksTimeoutMs: 500, jwksGraceMs: 86_400_000, ...extra,
});
/** A token signed by k1 with exactly the given registered claims. */
const token = (claims: { iat?: number; exp?: number }, kid = 'k1') => {
  const jwt = new SignJWT({ cid: '0oaclient', scp: ['byot.hook'] }).setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(issuer).setAudience('api://default').setSubject('0oaclient');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
};
const bearer = async (t: Promise<string>) => ({ authorization: `Bearer ${await t}` });

describe('token claims', () => {
  test("Okta's shape passes: iat now, exp in an hour", async () => {
    mode = 'ok';
    assert.deepEqual(await verifier().verify(await bearer(token({ iat: now(), exp: now() + 3_600 }))), { ok: true });
  });

  test('no exp, exp ten years ahead, iat a day in the future, a long lifetime without iat: refused', async () => {
    mode = 'ok';
    const v = verifier();
    const cases: [Promise<string>, RegExp][] = [
      [token({ iat: now() }), /exp/],
      [token({ iat: now(), exp: now() + 10 * 365 * 86_400 }), /lifetime/],
      [token({ iat: now() + 86_400, exp: now() + 86_400 + 600 }), /iat/],
      [token({ exp: now() + 2 * 3_600 }), /lifetime/],
    ];
    for (const [t, reason] of cases) {
      const r = await v.verify(await bearer(t));
      assert.equal(r.ok, false, String(reason));
      if (!r.ok) assert.match(r.reason, reason);
    }
  });

  test('the maximum lifetime is configurable; iat within the clock tolerance passes', async () => {
    mode = 'ok';
    const day = verifier({ maxTokenLifetimeSec: 86_400 });
    assert.deepEqual(await day.verify(await bearer(token({ iat: now(), exp: now() + 20 * 3_600 }))), { ok: true });
    assert.deepEqual(await verifier().verify(await bearer(token({ iat: now() + 30, exp: now() + 600 }))), { ok: true });
  });
});

describe('the key set through an outage', () => {
  test('50 tokens with an unknown kid against a failing JWKS make a handful of fetches, not 50', async () => {
    mode = 'ok';
    const v = verifier();
    await v.warm();
    await new Promise((r) => setTimeout(r, 1_100));
    mode = 'fail';
    const before = jwks.requests.length;
    for (let i = 0; i < 50; i++) {
      const r = await v.verify(await bearer(token({ iat: now(), exp: now() + 600 }, `unknown-${i}`)));
      assert.equal(r.ok, false);
    }
    const fetches = jwks.requests.length - before;
    assert.ok(fetches >= 1 && fetches <= 3, `${fetches} fetches`);
    // The known key still verifies meanwhile.
    assert.deepEqual(await v.verify(await bearer(token({ iat: now(), exp: now() + 600 }))), { ok: true });
  });

  test('a stale set keeps verifying while the JWKS hangs or fails, until the grace period ends', async () => {
    mode = 'ok';
    let t = 1_000_000;
    const keys = keySet({ url: new URL(`${jwks.url}/v1/keys`), timeoutMs: 300, cooldownMs: 1_000, graceMs: 3_600_000, now: () => t });
    await keys.reload();
    const header = { alg: 'RS256', kid: 'k1' };
    const jws = { payload: '', signature: '', protected: '' };
    for (const failing of ['hang', 'fail'] as const) {
      mode = failing;
      t += 11 * 60_000; // past the ten-minute refresh age
      const before = jwks.requests.length;
      assert.ok(await keys.getKey(header, jws), `the last good key while the JWKS ${failing}s`);
      await new Promise((r) => setTimeout(r, 400)); // the background refresh fails
      assert.equal(jwks.requests.length - before, 1, 'one refresh was tried');
      assert.ok(await keys.getKey(header, jws), 'still served after the failed refresh');
    }
    t += 3_600_000; // past the grace period
    mode = 'fail';
    await assert.rejects(async () => keys.getKey(header, jws));
    mode = 'ok';
    t += 10 * 60_000; // past the backoff
    assert.ok(await keys.getKey(header, jws), 'a recovered JWKS is fetched again');
  });
});

describe('configuration', () => {
  const oauth = (extra: string) => `auth:\n  type: oauth\n  audience: api://default\n${extra}\nproviders:\n  console: { kind: console }`;
  const issues = (text: string): string[] => configIssues(text);

  test('issuer and jwksUrl must be https, except on loopback', () => {
    assert.match(issues(oauth('  issuer: http://example.okta.com/oauth2/default')).join('\n'), /auth\.issuer: expected an https/);
    assert.match(issues(oauth(`  issuer: ${issuer}\n  jwksUrl: http://keys.example.com/v1/keys`)).join('\n'), /auth\.jwksUrl: expected an https/);
    assert.deepEqual(issues(oauth(`  issuer: ${issuer}\n  jwksUrl: http://127.0.0.1:8443/v1/keys`)), []);
    assert.deepEqual(issues(oauth('  issuer: http://localhost:8080/oauth2/default')), []);
  });

  test('jwksCooldownMs at least 1 s, jwksTimeoutMs within the hook budget; defaults as documented', () => {
    assert.match(issues(oauth(`  issuer: ${issuer}\n  jwksCooldownMs: 0`)).join('\n'), /auth\.jwksCooldownMs/);
    assert.match(issues(oauth(`  issuer: ${issuer}\n  jwksTimeoutMs: 2000\nhook:\n  budgetMs: 1500`)).join('\n'), /auth\.jwksTimeoutMs: expected at most hook\.budgetMs/);
    const c = parseConfigText(oauth(`  issuer: ${issuer}`), {});
    assert.equal(c.auth.type, 'oauth');
    if (c.auth.type === 'oauth') {
      assert.equal(c.auth.maxTokenLifetimeSec, 3_600);
      assert.equal(c.auth.jwksGraceMs, 86_400_000);
    }
  });
});
