import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError } from '../../src/providers/types.js';
import { runCli } from '../support/cli.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { fakeProvider } from '../support/fake-provider.js';
import { oktaRequest } from '../support/okta.js';

const dir = mkdtempSync(join(tmpdir(), 'byot-stats-'));
const CONFIG = join(dir, 'byot.yaml');
let gw: TestGateway;

// Known traffic: 4 calls through alpha (3 SMS and 1 voice, US), all delivered; 2 SMS to France
// through beta, which is down, so both fail.
before(async () => {
  gw = await startGateway({
    yaml: `
providers:
  alpha: { kind: console }
  beta: { kind: console }
routing:
  rules:
    - match: { country: FR }
      providers: [beta]
  default: [alpha]
`,
    adapters: new Map([
      ['alpha', fakeProvider('alpha', 'ok', { delayMs: 20 })],
      ['beta', fakeProvider('beta', new ProviderError('unavailable', 'down'))],
    ]),
  });
  const calls = [
    ...Array.from({ length: 3 }, () => oktaRequest({ phoneNumber: '+14155550100', deliveryChannel: 'SMS' })),
    oktaRequest({ phoneNumber: '+14155550100', deliveryChannel: 'voice call' }),
    ...Array.from({ length: 2 }, () => oktaRequest({ phoneNumber: '+33612345678', deliveryChannel: 'SMS' })),
  ];
  for (const body of calls) assert.equal((await gw.hook(body)).status, 200);
  writeFileSync(CONFIG, `auth: { type: header, secrets: ["a-long-enough-secret"] }\nstore: { path: ${gw.config.store.path} }\n`);
});
after(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

// Okta's sample request comes from the Preview tab: no code reached a user, so nothing counts as sent.
const NO_CONVERSION = { sent: 0, verified: 0, failedAttempts: 0, conversionRate: null, medianVerifyMs: null };

const stats = async (...args: string[]) => {
  const r = await runCli(['stats', '--config', CONFIG, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r;
};

test('the Okta-style summary of the delivery log: executions, successes, failures, average time of successes', async () => {
  const json = JSON.parse((await stats('--json')).stdout);
  assert.equal(json.days, 30);
  assert.equal(json.by, null);
  assert.ok(Math.abs(Date.parse(json.since) - (Date.now() - 30 * 86_400_000)) < 60_000);
  assert.equal(json.rows.length, 1);
  assert.equal(json.rows[0].key, 'all');
  assert.deepEqual({ ...json.total, avgMs: undefined }, { executions: 6, successes: 4, failures: 2, avgMs: undefined, ...NO_CONVERSION });
  assert.ok(json.total.avgMs >= 20, `the successful calls took at least the provider's 20 ms (got ${json.total.avgMs})`);

  const text = (await stats()).stdout;
  assert.match(text, /^Hook calls in the last 30 days \(since \d{4}-\d\d-\d\d \d\d:\d\d UTC\), from .*byot\.sqlite$/m);
  assert.match(text, /^EXECUTIONS +SUCCESSES +FAILURES +AVG TIME \(SUCCESSFUL\)$/m);
  assert.match(text, new RegExp(`^ +6 +4 +2 +${json.total.avgMs} ms$`, 'm'));
});

test('--by provider, country and channel split the same numbers', async () => {
  const by = async (key: string) => {
    const out = JSON.parse((await stats('--by', key, '--json')).stdout);
    assert.equal(out.by, key);
    assert.deepEqual({ ...out.total, avgMs: undefined }, { executions: 6, successes: 4, failures: 2, avgMs: undefined, ...NO_CONVERSION });
    return Object.fromEntries(out.rows.map((r: any) => [r.key, [r.executions, r.successes, r.failures]]));
  };
  const provider = await by('provider');
  assert.deepEqual(provider.alpha, [4, 4, 0]);
  const failedRows = Object.entries(provider).filter(([k]) => k !== 'alpha');
  assert.equal(failedRows.reduce((n, [, v]) => n + (v as number[])[2]!, 0), 2, 'the two failures, under whatever key the log gives calls no provider took');
  assert.deepEqual(await by('country'), { US: [4, 4, 0], FR: [2, 0, 2] });
  assert.deepEqual(await by('channel'), { sms: [5, 3, 2], voice: [1, 1, 0] });

  const text = (await stats('--by', 'channel')).stdout;
  assert.match(text, /^CHANNEL +EXECUTIONS +SUCCESSES +FAILURES +AVG TIME \(SUCCESSFUL\)$/m);
  assert.match(text, /^sms +5 +3 +2 +\d+ ms$/m);
  assert.match(text, /^voice +1 +1 +0 +\d+ ms$/m);
  assert.match(text, /^total +6 +4 +2 +\d+ ms$/m);

  const day = JSON.parse((await stats('--days', '1', '--json')).stdout);
  assert.equal(day.total.executions, 6, 'all of it happened today');
});

test('--by provider also counts every attempt to each provider: beta failed both its calls, whatever the answers say', async () => {
  const out = JSON.parse((await stats('--by', 'provider', '--json')).stdout);
  const byName = Object.fromEntries(out.providers.map((p: any) => [p.provider, p]));
  assert.deepEqual([byName.alpha.attempts, byName.alpha.accepted, byName.alpha.acceptedRate], [4, 4, 1]);
  assert.deepEqual([byName.beta.attempts, byName.beta.failed, byName.beta.failedBy, byName.beta.acceptedRate], [2, 2, { unavailable: 2 }, 0]);
  const text = (await stats('--by', 'provider')).stdout;
  assert.match(text, /^Attempts per provider \(failovers included\)$/m);
  assert.match(text, /^PROVIDER +ATTEMPTS +ACCEPTED +FAILED +ATTEMPT SUCCESS +DELIVERED \(RECEIPTS\) +FAILED BY CATEGORY$/m);
  assert.match(text, /^beta +2 +0 +2 +0\.0% +— +unavailable 2$/m);
  assert.match(text, /^alpha +4 +4 +0 +100\.0% +— +—$/m);
});

test('no log, and misuse, are told apart: exit 1 and exit 2', async () => {
  const missing = join(dir, 'missing.yaml');
  writeFileSync(missing, `auth: { type: header, secrets: ["a-long-enough-secret"] }\nstore: { path: ${join(dir, 'nowhere', 'byot.sqlite')} }\n`);
  const none = await runCli(['stats', '--config', missing]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no delivery log at .*nowhere\/byot\.sqlite: has the gateway run with this configuration\?/);

  const [by, days, help] = await Promise.all([
    runCli(['stats', '--config', CONFIG, '--by', 'user']),
    runCli(['stats', '--config', CONFIG, '--days', 'week']),
    runCli(['stats', '--help']),
  ]);
  assert.equal(by.code, 2);
  assert.match(by.stderr, /--by must be one of provider, country, channel/);
  assert.equal(days.code, 2);
  assert.match(days.stderr, /--days must be a whole number from 1 to 3650/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:\n {2}byot stats/);
  assert.match(help.stdout, /Examples:/);
});

test('stats reads only the delivery log\'s location: secrets it does not use may be unset', async () => {
  const production = join(dir, 'production.yaml');
  writeFileSync(production, [
    'auth: { type: header, secrets: ["${BYOT_TEST_UNSET_SECRET}"] }',
    'providers: { tw: { kind: twilio, accountSid: "${BYOT_TEST_UNSET_SID}", authToken: "${BYOT_TEST_UNSET_TOKEN}", from: "+14155550100" } }',
    'admin: { token: "${BYOT_TEST_UNSET_ADMIN}" }',
    `store: { path: ${gw.config.store.path} }`,
    '',
  ].join('\n'));
  const r = await runCli(['stats', '--config', production, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).total.executions, 6);
});
