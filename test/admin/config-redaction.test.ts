// /admin/api/config redacts by value: a secret written into an http provider's URL, query, body
// template or header, or substituted there from the environment, shows as [redacted] wherever it
// stands; values that are no secret stay readable (issue 13, item 2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestGateway } from '../support/gateway.js';
import { fakeProvider } from '../support/fake-provider.js';
import { REDACTED, redactConfig } from '../../src/core/redact.js';
import { loggedIn, startAdminGateway, type AdminClient } from './support.js';

const secrets = {
  urlUser: 'Url0User0Password0x1',
  query: 'Query0Pass0Value0x2',
  form: 'Form0Password0Value0x3',
  json: 'Json0ApiKey0Value0x4',
  header: 'Header0Token0Value0x5',
  envInPath: 'EnvInPath0Value0x6',
  envInBody: 'EnvInBody0Value0x7',
  envInHeader: 'EnvInHeader0Value0x8',
  envInQuery: 'EnvInQuery0Value0x9',
  callback: 'callback0token0value0x10abcdefghijkl',
};

describe('admin configuration: secrets inside http-provider templates', () => {
  let gw: TestGateway;
  let admin: AdminClient;
  let config: any;

  before(async () => {
    gw = await startAdminGateway({
      adapters: new Map([['console', fakeProvider('console')]]),
      env: { PATH_SEGMENT: secrets.envInPath, BODY_ACCOUNT: secrets.envInBody, HEADER_ACCOUNT: secrets.envInHeader, QUERY_ACCOUNT: secrets.envInQuery },
      yaml: `providers:
  console: { kind: console }
  formgw:
    kind: http
    channels: [sms, voice]
    callbackToken: ${secrets.callback}
    receipt: { idPath: id, statusPath: status }
    sms:
      url: https://gw-user:${secrets.urlUser}@sms.example.com/\${PATH_SEGMENT}/send?pass=${secrets.query}&account=\${QUERY_ACCOUNT}&to={{phoneDigits}}
      encoding: form
      headers: { X-Loc: static, X-Account: "\${HEADER_ACCOUNT}" }
      body: 'user=gw&password=${secrets.form}&to={{phone}}&text={{text}}&cb={{callbackUrl}}'
    voice:
      url: https://voice.example.com/call
      headers: { X-Api-Token: ${secrets.header}, Content-Type: application/json }
      body: '{"apikey": "${secrets.json}", "account": "\${BODY_ACCOUNT}", "to": "{{phone}}", "say": "{{text}}"}'
routing:
  default: [console]`,
    });
    admin = await loggedIn(gw);
    const res = await admin.get('/admin/api/config');
    assert.equal(res.status, 200);
    config = res.body;
  });
  after(() => gw.close());

  test('no secret appears anywhere in the answer', () => {
    const text = JSON.stringify(config);
    for (const [name, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${name} shows`);
    assert.ok(!('environmentValues' in config), 'the substituted values themselves are not shown');
  });

  test('each secret is replaced where it stands, and the rest of the template still reads', () => {
    const sms = config.providers.formgw.sms;
    assert.equal(sms.url, `https://gw-user:${REDACTED}@sms.example.com/${REDACTED}/send?pass=${REDACTED}&account=${REDACTED}&to={{phoneDigits}}`);
    assert.equal(sms.body, `user=gw&password=${REDACTED}&to={{phone}}&text={{text}}&cb={{callbackUrl}}`);
    assert.deepEqual(sms.headers, { 'X-Loc': 'static', 'X-Account': REDACTED });
    const voice = config.providers.formgw.voice;
    assert.equal(voice.body, `{"apikey": "${REDACTED}", "account": "${REDACTED}", "to": "{{phone}}", "say": "{{text}}"}`);
    assert.deepEqual(voice.headers, { 'X-Api-Token': REDACTED, 'Content-Type': 'application/json' });
    assert.equal(voice.url, 'https://voice.example.com/call');
    assert.equal(config.providers.formgw.callbackToken, REDACTED);
  });
});

test('redaction of template fields on its own: form and JSON credential fields, placeholders kept', () => {
  const out = redactConfig({
    a: { body: 'pwd=Pwd0Value0x1234&user={{phone}}&secret_key={{code}}' },
    b: { body: '{"auth":{"pass":"Nested0Pass0x12345"},"to":"{{phone}}","note":"static"}' },
    c: { headers: { 'X-Region': 'eu-west-1', Authorization: 'Basic dXNlcjpwYXNz', 'X-Anything': 'Zm9vYmFyMTIzNDU2Nzg5MA==' } },
    d: { elsewhere: 'copy of Pwd0Value0x1234 here' },
  }) as any;
  assert.equal(out.a.body, `pwd=${REDACTED}&user={{phone}}&secret_key={{code}}`);
  assert.equal(out.b.body, `{"auth":{"pass":"${REDACTED}"},"to":"{{phone}}","note":"static"}`);
  assert.deepEqual(out.c.headers, { 'X-Region': 'eu-west-1', Authorization: REDACTED, 'X-Anything': REDACTED });
  assert.equal(out.d.elsewhere, `copy of ${REDACTED} here`);
});
