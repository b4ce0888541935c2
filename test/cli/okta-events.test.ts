// `byot okta events …` against a loopback Okta that speaks the Event Hooks API (fake-okta.ts),
// with Okta's verification call going to a real gateway.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startFakeOkta, type FakeOkta } from './fake-okta.js';
import { EVENT_HOOK_TYPES } from '../../src/okta/events/event-types.js';

const TOKEN = '00TestApiToken-abcdefghijklmnopqrstuvwxyz01';
const EVENTS_SECRET = 'events-secret-0123456789';
const URL_ = 'https://byot.example.com/okta/events';
const CLEAN = { OKTA_ORG_URL: '', OKTA_API_TOKEN: '', OKTA_CLIENT_ID: '', OKTA_PRIVATE_KEY: '', OKTA_HOOK_SECRET: '', OKTA_EVENTS_SECRET: '' };
const dir = mkdtempSync(join(tmpdir(), 'byot-okta-events-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = join(dir, 'app.pem');
writeFileSync(PEM, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));

let okta: FakeOkta;
let gw: TestGateway;
const byot = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(['okta', 'events', ...args], { env: { ...CLEAN, OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: TOKEN, ...env } });
const noSecrets = (r: CliResult): void => {
  for (const s of [TOKEN, EVENTS_SECRET]) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `"${s.slice(0, 8)}…" was printed`);
};

before(async () => {
  okta = await startFakeOkta({
    apiToken: TOKEN,
    apps: [{ clientId: '0oaevents', publicKey: rsa.publicKey, granted: ['okta.eventHooks.manage', 'okta.eventHooks.read'] }],
  });
  gw = await startGateway({ yaml: `oktaEvents:\n  secrets: ["${EVENTS_SECRET}"]` });
  okta.verifyTarget = `${gw.url}/okta/events`;
});
after(async () => {
  await okta.close();
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  okta.eventHooks.clear();
  okta.requests.length = 0;
});

describe('byot okta events register', () => {
  test('creates the hook with exactly the eligible event types and header auth, Okta verifies it against the gateway, --activate leaves it on', async () => {
    const r = await byot(['register', '--url', URL_, '--activate'], { OKTA_EVENTS_SECRET: EVENTS_SECRET });
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^who/);
    const hook = okta.eventHooks.get(id)!;
    assert.equal(hook.status, 'ACTIVE');
    assert.equal(hook.verificationStatus, 'VERIFIED', 'the gateway answered the challenge');
    assert.deepEqual(hook.events, { type: 'EVENT_TYPE', items: [...EVENT_HOOK_TYPES] });
    assert.deepEqual(hook.channel.config.authScheme, { type: 'HEADER', key: 'Authorization', value: EVENTS_SECRET });
    assert.equal(hook.channel.config.uri, URL_);
    assert.deepEqual(okta.calls(), ['POST /api/v1/eventHooks', `POST /api/v1/eventHooks/${id}/lifecycle/verify`]);
    const create = okta.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/eventHooks')!;
    assert.equal(create.headers.authorization, `SSWS ${TOKEN}`);
    assert.match(r.stderr, /VERIFIED/);
    noSecrets(r);
  });

  test('without --activate the verified hook is left inactive; a wrong secret fails the verification, exit 1, the hook kept', async () => {
    const quiet = await byot(['register', '--url', URL_, '--secret', EVENTS_SECRET]);
    assert.equal(quiet.code, 0, quiet.stderr);
    const h = okta.eventHooks.get(quiet.stdout.trim())!;
    assert.deepEqual([h.status, h.verificationStatus], ['INACTIVE', 'VERIFIED']);

    const wrong = await byot(['register', '--url', URL_, '--secret', 'not-the-gateway-secret-01', '--activate']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Okta could not verify the hook: verifying event hook who\w+ failed: Okta answered 400 E0000001/);
    assert.match(wrong.stderr, /Verification failed: the endpoint answered HTTP 401/);
    assert.match(wrong.stderr, /byot okta events verify who/);
    const kept = okta.eventHooks.get(wrong.stdout.trim())!;
    assert.equal(kept.verificationStatus, 'UNVERIFIED');
  });

  test('what is checked before Okta is called', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['register'], {}, /--url is required/],
      [['register', '--url', 'http://byot.example.com/okta/events', '--secret', EVENTS_SECRET], {}, /https:\/\/ only/],
      [['register', '--url', URL_], {}, /--secret is required \(or set OKTA_EVENTS_SECRET/],
      [['register', '--url', URL_, '--secret', 'short'], {}, /at least 12 characters/],
      [['register', '--url', URL_, '--secret', EVENTS_SECRET], { OKTA_HOOK_SECRET: EVENTS_SECRET }, /not be the telephony hook's secret/],
      [['show'], {}, /the event hook id is required \(see byot okta events list\)/],
    ];
    for (const [args, env, re] of cases) {
      const r = await byot(args, env);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
    }
    assert.deepEqual(okta.calls(), []);
  });
});

describe('byot okta events list, show, verify, delete', () => {
  test('list and show what Okta has; verify again; delete deactivates first', async () => {
    const id = (await byot(['register', '--url', URL_, '--secret', EVENTS_SECRET, '--activate'])).stdout.trim();
    const listed = await byot(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\s+ACTIVE\\s+yes\\s+BYOT gateway events\\s+${EVENT_HOOK_TYPES.length}\\s+${URL_}`));
    const json = JSON.parse((await byot(['list', '--json'])).stdout);
    assert.equal(json[0].channel.config.authScheme.value, undefined, 'Okta never returns the secret');
    const shown = await byot(['show', id]);
    assert.match(shown.stdout, /auth\s+header Authorization/);
    assert.match(shown.stdout, /user\.authentication\.auth_via_mfa/);
    assert.equal((await byot(['verify', id])).code, 0);
    okta.requests.length = 0;
    const deleted = await byot(['delete', id]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(okta.calls(), [`GET /api/v1/eventHooks/${id}`, `POST /api/v1/eventHooks/${id}/lifecycle/deactivate`, `DELETE /api/v1/eventHooks/${id}`]);
    assert.equal(okta.eventHooks.size, 0);
    const missing = await byot(['show', id]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no event hook with that id in this org: see `byot okta events list`/);
  });

  test('an OAuth service app asks for the event hook scopes', async () => {
    const r = await byot(['list', '--client-id', '0oaevents', '--private-key', PEM], { OKTA_API_TOKEN: '' });
    assert.equal(r.code, 0, r.stderr);
    const tokenCall = okta.requests.find((q) => q.url === '/oauth2/v1/token')!;
    assert.equal(new URLSearchParams(tokenCall.body).get('scope'), 'okta.eventHooks.manage okta.eventHooks.read');
  });
});
