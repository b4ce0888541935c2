// The admin's pieces on their own: redaction, sessions (expiry without waiting), the login brake,
// the cookie reader and the `admin:` configuration section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, redactConfig } from '../../src/core/redact.js';
import { LoginBrake, SessionStore, readCookie, sessionCookie } from '../../src/admin/session.js';
import { parseConfigText } from '../../src/config/file.js';
import { configIssues } from '../support/config.js';
import { adminEnabled } from '../../src/admin/schema.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';

test('redaction by key name, wherever the key sits', () => {
  const out = redactConfig({
    a: { apiKey: 'k-123456789', api_key: 'k-223456789', authToken: 't-123456789', clientSecret: 's-123456789', password: 'p-123456789' },
    b: [{ privateKey: PEM, secretAccessKey: 'aws-secret-123', accessKeyId: 'AKIA0123456789' }],
    c: { credentials: { user: 'u', pass: 'credential-pass-1' }, signingKey: 'sign-123456789' },
    keep: { accountSid: 'AC123', from: '+15005550006', timeoutMs: 1200, generateHookSecret: true, empty: '' },
  }) as any;
  for (const [k, v] of Object.entries(out.a)) assert.equal(v, REDACTED, k);
  assert.equal(out.b[0].privateKey, REDACTED);
  assert.equal(out.b[0].secretAccessKey, REDACTED);
  assert.equal(out.b[0].accessKeyId, REDACTED);
  assert.deepEqual(out.c, { credentials: { user: REDACTED, pass: REDACTED }, signingKey: REDACTED });
  assert.deepEqual(out.keep, { accountSid: 'AC123', from: '+15005550006', timeoutMs: 1200, generateHookSecret: true, empty: '' });
});

test('redaction by shape: URL passwords, secret query parameters, PEM keys, header values', () => {
  const out = redactConfig({
    store: { url: 'postgres://byot:s3cr3t-pass@db.internal:5432/byot' },
    redis: 'rediss://:another-secret@cache:6380/0',
    plain: 'https://api.example.com/v1?region=eu&token=query-token-1&sig=sig-value-12',
    note: PEM,
    headers: { Authorization: 'Bearer abcdefghijkl', 'X-Custom': 'custom-secret-12', Accept: 'application/json' },
  }) as any;
  assert.equal(out.store.url, `postgres://byot:${REDACTED}@db.internal:5432/byot`);
  assert.equal(out.redis, `rediss://:${REDACTED}@cache:6380/0`);
  assert.equal(out.plain, `https://api.example.com/v1?region=eu&token=${REDACTED}&sig=${REDACTED}`);
  assert.equal(out.note, REDACTED);
  assert.deepEqual(out.headers, { Authorization: REDACTED, 'X-Custom': REDACTED, Accept: 'application/json' });
});

test('redaction by value: a secret repeated under an innocent key, or given from outside, is caught', () => {
  const out = redactConfig({
    provider: { apiKey: 'repeated-secret-value', body: '{"key":"repeated-secret-value","to":"{{phone}}"}' },
    store: { url: 'postgres://u:db-password-1@h/db' },
    elsewhere: 'the password is db-password-1',
    hint: 'hash key: generated-hash-key-0123',
  }, ['generated-hash-key-0123', undefined, 'short']) as any;
  assert.equal(out.provider.body, `{"key":"${REDACTED}","to":"{{phone}}"}`);
  assert.equal(out.elsewhere, `the password is ${REDACTED}`);
  assert.equal(out.hint, `hash key: ${REDACTED}`);
  const text = JSON.stringify(out);
  for (const s of ['repeated-secret-value', 'db-password-1', 'generated-hash-key-0123']) assert.ok(!text.includes(s), s);
});

test('sessions expire after their lifetime and are kept by digest only', () => {
  let now = 1_000_000;
  const store = new SessionStore(60_000, () => now, 3);
  const { id, session } = store.create('alice', 'admin');
  assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(session.csrf, id);
  assert.equal(store.get(id)?.user, 'alice');
  assert.equal(store.get(id.slice(0, -1)), undefined);
  assert.equal(store.get(undefined), undefined);
  assert.ok(!JSON.stringify([...(store as any).byDigest.keys()]).includes(id), 'the raw id is not a key');
  now += 59_999;
  assert.equal(store.get(id)?.user, 'alice');
  now += 1;
  assert.equal(store.get(id), undefined, 'expired');
  assert.equal(store.size, 0);
  // At the cap the oldest session goes.
  const ids = ['a', 'b', 'c', 'd'].map((u) => store.create(u, 'admin').id);
  assert.equal(store.size, 3);
  assert.equal(store.get(ids[0]), undefined);
  assert.equal(store.get(ids[3])?.user, 'd');
  store.delete(ids[3]);
  assert.equal(store.get(ids[3]), undefined);
});

test('the login brake: free failures, then a delay that doubles up to its cap; never a lockout; a success forgives', () => {
  let now = 0;
  const b = new LoginBrake(3, 1_000, 8_000, 60_000, () => now);
  for (let i = 0; i < 2; i++) {
    assert.equal(b.wait(['a']), 0);
    assert.deepEqual(b.failed(['a']), []);
  }
  assert.deepEqual(b.failed(['a']), [{ key: 'a', failures: 3, delayMs: 1_000 }]);
  assert.equal(b.wait(['a']), 1_000);
  assert.equal(b.wait(['b']), 0, 'per key');
  assert.equal(b.wait(['b', 'a']), 1_000, 'the longest wait of the keys');
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    now += b.wait(['a']);
    assert.equal(b.wait(['a']), 0, 'once the delay has passed, the next attempt goes ahead');
    delays.push(b.failed(['a'])[0]!.delayMs);
  }
  assert.deepEqual(delays, [2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
  now += 60_000;
  assert.equal(b.wait(['a']), 0, 'forgotten after forgetMs');
  b.failed(['c']); b.failed(['c']); b.failed(['c']);
  b.succeeded(['c']);
  assert.equal(b.wait(['c']), 0);
});

test('cookies: read one from a header, write a strict one', () => {
  assert.equal(readCookie('a=1; byot_admin=xyz; b=2', 'byot_admin'), 'xyz');
  assert.equal(readCookie('byot_admin_x=1', 'byot_admin'), undefined);
  assert.equal(readCookie(undefined, 'byot_admin'), undefined);
  assert.equal(sessionCookie('id', 60, true), 'byot_admin=id; Path=/admin; Max-Age=60; HttpOnly; SameSite=Strict; Secure');
});

test('the admin: section: passwords from the environment, checked like the rest', () => {
  const base = 'providers:\n  console: { kind: console }\n';
  const c = parseConfigText(`${base}admin:\n  users:\n    - username: ops\n      password: \${ADMIN_PW}\n`, { ADMIN_PW: 'from-the-environment-1' });
  assert.deepEqual(c.admin, { users: [{ username: 'ops', password: 'from-the-environment-1', role: 'admin' }], tokenRole: 'admin', sessionTtlMinutes: 60, auditRetentionDays: 365 });
  assert.ok(adminEnabled(c.admin));
  assert.ok(!adminEnabled(parseConfigText(base, {}).admin), 'off by default');

  const problems = (yaml: string, env: Record<string, string> = {}): string[] => configIssues(base + yaml, env);
  assert.deepEqual(problems('admin:\n  users:\n    - username: ops\n      password: ${ADMIN_PW}\n'), ['admin.users[0].password: environment variable ADMIN_PW is not set']);
  assert.match(problems('admin:\n  token: short\n')[0] ?? '', /^admin\.token: expected a random token of at least 24 characters/);
  assert.match(problems('admin:\n  users: [{ username: a, password: short }]\n')[0] ?? '', /^admin\.users\[0\]\.password: expected a password of at least 12/);
  assert.match(problems('admin:\n  users: [{ username: a, password: long-enough-pw-1 }, { username: A, password: long-enough-pw-2 }]\n')[0] ?? '', /^admin\.users: expected each username once/);
  assert.match(problems('admin:\n  sessionTtlMinutes: 0\n')[0] ?? '', /^admin\.sessionTtlMinutes/);
  assert.match(problems('admin:\n  users: [{ username: a, password: long-enough-pw-1, role: x }]\n')[0] ?? '', /^admin\.users\[0\]/);
});
