import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromEnv } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/file.js';
import { refusalOf as issuesOf } from '../support/config.js';

test('the environment alone runs the gateway: PORT, OKTA_HOOK_SECRET, OKTA_HOOK_HEADER, console provider', () => {
  const c = configFromEnv({ PORT: '9090', OKTA_HOOK_SECRET: 'an-env-secret-123', OKTA_HOOK_HEADER: 'x-telephony-key' });
  assert.equal(c.server.port, 9090);
  assert.deepEqual(c.auth, { type: 'header', header: 'x-telephony-key', secrets: ['an-env-secret-123'] });
  assert.equal(c.generateHookSecret, false);
  assert.deepEqual(Object.keys(c.providers), ['console']);
  assert.equal(c.hook.budgetMs, 2_500);
  assert.equal(c.store.path, 'data/byot.sqlite');

  const bare = configFromEnv({});
  assert.equal(bare.server.port, 8080);
  assert.equal(bare.generateHookSecret, true);
  assert.equal(bare.auth.type === 'header' && bare.auth.header, 'Authorization');
});

test('${VAR} and ${VAR:-default} are interpolated; a whole-value number or boolean keeps its type', () => {
  const c = parseConfigText(`
server:
  port: \${PORT:-7070}
  host: "\${HOST}"
auth:
  type: header
  secrets: ["\${SECRET}", "prefix-\${SECRET}"]
hook:
  budgetMs: \${BUDGET}
`, { HOST: '127.0.0.1', SECRET: 'from-the-environment', BUDGET: '2000' });
  assert.equal(c.server.port, 7070);
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.hook.budgetMs, 2_000);
  assert.equal(c.auth.type === 'header' && c.auth.secrets[1], 'prefix-from-the-environment');

  // A multi-line value (a PEM key) and a YAML-looking one stay the text they are.
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIB: x\n- y\n-----END PRIVATE KEY-----';
  const k = parseConfigText('auth:\n  type: header\n  secrets: ["${A}", "${B}"]\n', { A: pem, B: '[not, a, list]' });
  assert.deepEqual(k.auth.type === 'header' && k.auth.secrets, [pem, '[not, a, list]']);
});

test('every problem is listed with its path', () => {
  const issues = issuesOf(`
server:
  port: 99999
auth:
  type: header
  secrets: ["\${MISSING_SECRET}"]
hook:
  onFailure: maybe
phone:
  defaultRegion: XX
providers:
  Bad Name: { kind: console }
`);
  assert.ok(issues.includes('auth.secrets[0]: environment variable MISSING_SECRET is not set'), issues.join('\n'));
});

test('schema errors name the path and the problem', () => {
  const issues = issuesOf(`
server:
  port: 99999
auth:
  type: header
  secrets: ["short"]
hook:
  onFailure: maybe
phone:
  defaultRegion: XX
messages:
  sms:
    templates:
      fr: "Votre code"
`);
  const has = (prefix: string, re: RegExp) => assert.ok(issues.some((i) => i.startsWith(prefix) && re.test(i)), `${prefix} in\n${issues.join('\n')}`);
  has('server.port:', /65535/);
  has('auth.secrets[0]:', /at least 12 characters/);
  has('hook.onFailure:', /error|FAILED/);
  has('phone.defaultRegion:', /ISO 3166-1/);
  has('messages.sms.templates.fr:', /\{\{code\}\}/);
});

test('providers: unknown kinds, bad names and unknown routing references', () => {
  const issues = issuesOf(`
auth: { type: header, secrets: ["long-enough-secret"] }
providers:
  Bad Name: { kind: console }
  sms1: { kind: carrier-pigeon }
  fast: { kind: console, timeoutMs: 5 }
routing:
  default: [sms1, ghost]
`);
  const joined = issues.join('\n');
  assert.match(joined, /providers\.Bad Name: expected a lower-case name/);
  assert.match(joined, /providers\.sms1\.kind: unknown provider kind "carrier-pigeon" \(known: .*console/);
  assert.match(joined, /providers\.fast\.timeoutMs: /);
});

test('routing.default must name configured providers', () => {
  const issues = issuesOf(`
auth: { type: header, secrets: ["long-enough-secret"] }
providers:
  sms1: { kind: console }
routing:
  default: [sms1, ghost]
`);
  assert.deepEqual(issues, ['routing.default[1]: unknown provider "ghost"']);
});

test('OAuth needs an issuer URL and an audience', () => {
  const issues = issuesOf('auth:\n  type: oauth\n  issuer: not-a-url\n');
  assert.ok(issues.some((i) => i.startsWith('auth.issuer:')), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('auth.audience:')), issues.join('\n'));
});

test('YAML syntax errors are reported, not thrown raw', () => {
  const issues = issuesOf('server: [unclosed\n');
  assert.equal(issues.length > 0, true);
  assert.match(issues[0]!, /^\(yaml\): /);
});
