// Okta's management API example (TelephonyPayloadExample) writes phoneNumber and otpCode as JSON
// numbers; the gateway reads them as their decimal text and counts them (issue 13, item 10).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseHookRequest } from '../../src/okta/contract.js';
import type { TestGateway } from '../support/gateway.js';
import { loggedIn, startAdminGateway } from '../admin/support.js';

/** Copied from Okta's management OpenAPI (TelephonyPayloadExample): the number and the code unquoted. */
const EXAMPLE = JSON.parse(readFileSync(new URL('../../../test/fixtures/okta/telephony-payload-example.json', import.meta.url), 'utf8')) as Record<string, any>;

test('the fixture is the published shape: a JSON number in phoneNumber and otpCode, no requestType', () => {
  assert.equal(typeof EXAMPLE.data.messageProfile.phoneNumber, 'number');
  assert.equal(typeof EXAMPLE.data.messageProfile.otpCode, 'number');
  assert.equal(EXAMPLE.requestType, undefined);
});

test('the numbers are read as their decimal text, with a note for each', () => {
  const r = parseHookRequest(EXAMPLE);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.causes));
  assert.equal(r.request.phone, '9876543210');
  assert.equal(r.request.otp, '11111');
  assert.deepEqual(r.notes.filter((n) => n.startsWith('numeric_')).sort(), ['numeric_otp_code', 'numeric_phone_number']);
  const quoted = parseHookRequest({ ...EXAMPLE, data: { ...EXAMPLE.data, messageProfile: { ...EXAMPLE.data.messageProfile, phoneNumber: '9876543210', otpCode: '11111' } } });
  assert.ok(quoted.ok);
  assert.deepEqual(quoted.notes.filter((n) => n.startsWith('numeric_')), []);
});

describe('the example pasted into the hook and the admin Preview', () => {
  let gw: TestGateway;
  before(async () => { gw = await startAdminGateway(); });
  after(() => gw.close());

  test('the hook answers SUCCESSFUL and counts the numbers in byot_hook_unusual_total', async () => {
    const res = await gw.hook(EXAMPLE);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.commands[0].value[0].status, 'SUCCESSFUL');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /byot_hook_unusual_total\{note="numeric_phone_number"\} 1/);
    assert.match(metrics, /byot_hook_unusual_total\{note="numeric_otp_code"\} 1/);
  });

  test('the admin Preview runs it (dry run)', async () => {
    const admin = await loggedIn(gw);
    const res = await admin.post('/admin/api/preview/send', { request: { ...EXAMPLE, eventId: 'pastedFromOktaDocs0001' }, dryRun: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.httpStatus, 200, JSON.stringify(res.body));
    assert.equal(res.body.answer.commands[0].value[0].status, 'SUCCESSFUL');
  });
});
