// `byot stats` with Okta's events: conversion per row, in the text and the JSON.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { delivery, logEvent } from '../support/okta-events.js';

const EVENTS_SECRET = 'events-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'byot-stats-conv-'));
const CONFIG = join(dir, 'byot.yaml');
let gw: TestGateway;

before(async () => {
  gw = await startGateway({ yaml: `oktaEvents:\n  secrets: ["${EVENTS_SECRET}"]\n  processIntervalMs: 100` });
  // Three sign-ins by three users: two to +4477… (one verified), one to +1415… (verified 20 s later).
  const users = [['00uStatsA00000000001', '+447700900123'], ['00uStatsB00000000001', '+447700900456'], ['00uStatsC00000000001', '+14155550100']] as const;
  for (const [userId, phone] of users) {
    const body = oktaRequest({ preview: false, phoneNumber: phone, requestType: 'com.okta.user.telephony.mfa-verification' });
    body.data.userProfile.userId = userId;
    body.data.messageProfile.otpExpires = new Date(Date.now() + 5 * 60_000).toISOString();
    assert.equal((await gw.hook(body)).status, 200);
  }
  const at = (ms: number) => new Date(Date.now() + ms);
  const res = await fetch(`${gw.url}/okta/events`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET },
    body: JSON.stringify(delivery([logEvent({ userId: users[0][0], published: at(1_000) }), logEvent({ userId: users[2][0], published: at(20_000) })])),
  });
  assert.equal(res.status, 200);
  for (const end = Date.now() + 20_000; gw.rows().filter((r) => r.verified_at).length < 2;) {
    if (Date.now() > end) throw new Error('events not processed');
    await new Promise((r) => setTimeout(r, 50));
  }
  writeFileSync(CONFIG, `auth: { type: header, secrets: ["a-long-enough-secret"] }\nstore: { path: ${gw.config.store.path} }\n`);
});
after(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

const stats = async (...args: string[]) => {
  const r = await runCli(['stats', '--config', CONFIG, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r;
};

test('--json rows carry sent, verified, conversionRate and the median time to verify', async () => {
  const json = JSON.parse((await stats('--json', '--window', '1h', '--by', 'prefix')).stdout);
  assert.equal(json.window, '1h');
  const rows = Object.fromEntries(json.rows.map((r: any) => [r.key, [r.executions, r.sent, r.verified, r.conversionRate]]));
  assert.deepEqual(rows, { '+4477': [2, 2, 1, 0.5], '+1415': [1, 1, 1, 1] });
  assert.equal(json.total.verified, 2);
  assert.equal(json.total.conversionRate, 0.6667);
  assert.ok(json.total.medianVerifyMs >= 0);
  const byCountry = JSON.parse((await stats('--json', '--by', 'country')).stdout);
  assert.deepEqual(Object.fromEntries(byCountry.rows.map((r: any) => [r.key, r.conversionRate])), { GB: 0.5, US: 1 });
  const byFlow = JSON.parse((await stats('--json', '--by', 'requestType', '--window', '24h')).stdout);
  assert.deepEqual(byFlow.rows.map((r: any) => [r.key, r.verified]), [['mfa-verification', 2]]);
});

test('the table shows conversion beside Okta\'s figures; --days and --window do not mix', async () => {
  const text = (await stats('--window', '7d')).stdout;
  assert.match(text, /Hook calls in the last 7d/);
  assert.match(text, /SENT\s+VERIFIED\s+CONVERSION\s+VERIFY TIME/);
  assert.match(text, /\b3\s+2\s+66\.7%/);
  const both = await runCli(['stats', '--config', CONFIG, '--days', '2', '--window', '1h']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--days or --window, not both/);
  const bad = await runCli(['stats', '--config', CONFIG, '--window', '2h']);
  assert.equal(bad.code, 2);
});
