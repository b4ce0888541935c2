import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/file.js';
import { refusalOf as issuesOf } from '../support/config.js';
import { closestKey, editDistance } from '../../src/core/unknown-keys.js';

test('the typos of the issue are refused with their path and the key meant', () => {
  const issues = issuesOf(`
server:
  hots: 127.0.0.1
auth:
  type: header
  hedaer: X-Okta-Secret
  secrets: ["a-long-enough-secret"]
providers:
  dev:
    kind: console
    timeoutMS: 500
`);
  assert.deepEqual(issues.sort(), [
    'auth.hedaer: unknown key — did you mean header?',
    'providers.dev.timeoutMS: unknown key — did you mean timeoutMs?',
    'server.hots: unknown key — did you mean host?',
  ]);
});

test('unknown keys are refused in every part: top level, hook, guard, admin, routing, a provider kind\'s own blocks', () => {
  const issues = issuesOf(`
auth: { type: oauth, issuer: "https://acme.okta.com/oauth2/default", audience: api://byot, audeince: x }
hook: { budgetMS: 2000 }
guard:
  numbers: { refuseInvalid: true, alowVoip: false }
  limits:
    phone: [{ max: 1, perSeconds: 30, burst: 2 }]
  store: { insurance: { instance: 2 } }
admin:
  users: [{ username: ops, password: a-long-admin-password, rol: viewer }]
routing:
  rules:
    - match: { contry: GB }
      providers: [sms]
providers:
  sms:
    kind: sinch
    servicePlanId: plan
    apiToken: token-token
    sms: { from: "+14155550100", fromm: x }
  web:
    kind: http
    sms: { url: "https://gw.example/send", body: '{"to":"{{phone}}"}', methd: POST }
metrcis: { token: x }
`);
  const byPath = new Map(issues.map((i) => [i.slice(0, i.indexOf(': ')), i.slice(i.indexOf(': ') + 2)]));
  assert.equal(byPath.get('metrcis'), 'unknown key — did you mean metrics?', issues.join('\n'));
  assert.equal(byPath.get('auth.audeince'), 'unknown key — did you mean audience?');
  assert.equal(byPath.get('hook.budgetMS'), 'unknown key — did you mean budgetMs?');
  assert.equal(byPath.get('guard.numbers.alowVoip'), 'unknown key — did you mean allowVoip?');
  assert.equal(byPath.get('guard.limits.phone[0].burst')?.startsWith('unknown key (expected one of: max, perSeconds)'), true, issues.join('\n'));
  assert.equal(byPath.get('guard.store.insurance.instance'), 'unknown key — did you mean instances?');
  assert.equal(byPath.get('admin.users[0].rol'), 'unknown key — did you mean role?', issues.join('\n'));
  assert.equal(byPath.get('routing.rules[0].match.contry'), 'unknown key — did you mean country?');
  assert.equal(byPath.get('providers.sms.sms.fromm'), 'unknown key — did you mean from?');
  assert.equal(byPath.get('providers.web.sms.methd'), 'unknown key — did you mean method?');
});

test('one pass reports every problem: unset variables beside schema errors and unknown keys', () => {
  const issues = issuesOf(`
server: { port: 99999, hots: x }
auth: { type: header, secrets: ["\${HOOK_SECRET}"] }
providers:
  tw: { kind: twilio, accountSid: "\${TW_SID}", authToken: "\${TW_TOKEN}", from: "+14155550100" }
admin: { token: "\${ADMIN_TOKEN}" }
hook: { onFailure: maybe }
`);
  assert.deepEqual(issues.sort(), [
    'admin.token: environment variable ADMIN_TOKEN is not set',
    'auth.secrets[0]: environment variable HOOK_SECRET is not set',
    'hook.onFailure: Invalid option: expected one of "error"|"FAILED"',
    'providers.tw.accountSid: environment variable TW_SID is not set',
    'providers.tw.authToken: environment variable TW_TOKEN is not set',
    'server.hots: unknown key — did you mean host?',
    'server.port: Too big: expected number to be <=65535',
  ]);
});

const PRODUCTION = `
auth: { type: header, secrets: ["\${OKTA_HOOK_SECRET}"] }
providers:
  tw: { kind: twilio, accountSid: "\${TW_SID}", authToken: "\${TW_TOKEN}", from: "\${TW_FROM}" }
admin: { token: "\${ADMIN_TOKEN}" }
metrics: { token: "\${METRICS_TOKEN}" }
store: { path: /var/lib/byot/log.sqlite }
`;

test('a command reading only some sections does not demand the secrets of the others', () => {
  const c = parseConfigText(PRODUCTION, {}, '(test)', { sections: ['store'] });
  assert.equal(c.store.path, '/var/lib/byot/log.sqlite');
  // A typo is still refused at the top level, whichever sections are read.
  assert.deepEqual(issuesOf(`${PRODUCTION}\nstroe: {}\n`, {}, { sections: ['store'] }), ['stroe: unknown key — did you mean store?']);
});

test('with placeholders, an unset variable is reported only where its value must have a shape', () => {
  const issues = issuesOf(PRODUCTION, {}, { sections: ['providers', 'routing'], unsetVariables: 'placeholder' });
  // The auth token is free text and passes as a placeholder; the account SID (AC…) and the sender (E.164) have shapes.
  assert.deepEqual(issues, [
    'providers.tw.accountSid: environment variable TW_SID is not set',
    'providers.tw.from: environment variable TW_FROM is not set',
  ]);
  const env = { TW_FROM: '+14155550100', TW_SID: `AC${'0'.repeat(32)}` };
  const c = parseConfigText(PRODUCTION, env, '(test)', { sections: ['providers'], unsetVariables: 'placeholder' });
  assert.deepEqual(Object.keys(c.providers), ['tw']);
});

test('suggestions: swaps and case count as one edit; far keys get the list instead', () => {
  assert.equal(editDistance('hedaer', 'header'), 1);
  assert.equal(editDistance('hots', 'host'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(closestKey('timeoutMS', ['timeoutMs', 'channels']), 'timeoutMs');
  assert.equal(closestKey('tls', ['port', 'host']), undefined);
  assert.equal(closestKey('colour', ['color', 'level']), 'color');
});
