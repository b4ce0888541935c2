import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { freePort } from '../support/processes.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startFakeOkta, TELEPHONY, type FakeOkta } from './fake-okta.js';

const TOKEN = '00TestApiToken-abcdefghijklmnopqrstuvwxyz01';
const GW_SECRET = 'gw-secret-0123456789';
const HOOK_URL = 'https://byot.example.com/okta/telephony';
const dir = mkdtempSync(join(tmpdir(), 'byot-okta-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM_FILE = join(dir, 'app.pem');
const JWK_FILE = join(dir, 'app.jwk.json');
writeFileSync(PEM_FILE, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
writeFileSync(JWK_FILE, JSON.stringify({ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'kid-1', alg: 'RS256' }));

/** Nothing from the test runner's own environment leaks into a run. */
const CLEAN = {
  OKTA_ORG_URL: '', OKTA_API_TOKEN: '', OKTA_CLIENT_ID: '', OKTA_PRIVATE_KEY: '',
  OKTA_HOOK_SECRET: '', OKTA_HOOK_HEADER: '', OKTA_HOOK_CLIENT_SECRET: '',
};

let okta: FakeOkta;
let gw: TestGateway;
const byot = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(['okta', ...args], { env: { ...CLEAN, OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: TOKEN, ...env } });
/** The token, the secrets and the key never appear in what the command printed. */
const assertNoSecrets = (r: CliResult, ...secrets: string[]): void => {
  for (const s of [TOKEN, GW_SECRET, ...secrets]) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `"${s.slice(0, 8)}…" was printed`);
  }
  assert.ok(!`${r.stdout}${r.stderr}`.includes('PRIVATE KEY'), 'the private key was printed');
};

before(async () => {
  okta = await startFakeOkta({
    apiToken: TOKEN,
    apps: [
      { clientId: '0oaservice', publicKey: rsa.publicKey },
      { clientId: '0oadpop', publicKey: rsa.publicKey, requireDpop: true },
    ],
  });
  gw = await startGateway({ yaml: `auth:\n  type: header\n  header: x-telephony-key\n  secrets: ["${GW_SECRET}"]` });
  okta.executeTarget = `${gw.url}/okta/telephony`;
});
after(async () => {
  await okta.close();
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  okta.hooks.clear();
  okta.requests.length = 0;
  okta.rateLimit(0, 0);
});

describe('byot okta register', () => {
  test('creates the telephony hook with header auth and prints its id; Okta then calls the gateway with that header', async () => {
    const r = await byot(['register', '--url', HOOK_URL, '--header', 'x-telephony-key', '--activate'], { OKTA_HOOK_SECRET: GW_SECRET });
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^cal[0-9a-f]{17}$/);
    assert.match(r.stderr, new RegExp(`Created telephony hook "BYOT gateway" \\(${id}\\): ACTIVE`));
    assert.match(r.stderr, /auth +header x-telephony-key/);
    assert.match(r.stderr, /Okta now sends every SMS and voice passcode to the gateway/);
    assert.deepEqual(okta.calls(), ['GET /api/v1/inlineHooks?type=com.okta.telephony.provider', 'POST /api/v1/inlineHooks']);
    const create = okta.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/inlineHooks')!;
    assert.equal(create.headers.authorization, `SSWS ${TOKEN}`);
    assert.deepEqual(JSON.parse(create.body), {
      name: 'BYOT gateway',
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: { type: 'HTTP', version: '1.0.0', config: { uri: HOOK_URL, method: 'POST', headers: [], authScheme: { type: 'HEADER', key: 'x-telephony-key', value: GW_SECRET } } },
    });
    assert.equal(okta.hooks.get(id)!.status, 'ACTIVE');
    assertNoSecrets(r);

    const exec = await byot(['execute', id, '--phone', '+14155550100', '--channel', 'voice', '--type', 'pre-enrollment']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.match(exec.stdout, /status +SUCCESSFUL/);
    assert.match(exec.stdout, /provider +CONSOLE/);
    assert.match(exec.stdout, /request +com\.okta\.user\.telephony\.pre-enrollment · voice call · \+14155550100/);
    const sent = JSON.parse(okta.requests.find((q) => q.url.endsWith('/execute'))!.body);
    assert.equal(sent.source, `${okta.url}/api/v1/inlineHooks/${id}`);
    assert.equal(sent.data.messageProfile.deliveryChannel, 'voice call');
    const logged = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'hook call' && l.eventId === sent.eventId);
    assert.equal(logged?.requestType, 'pre-enrollment');
    assert.equal(logged?.channel, 'voice');
    assertNoSecrets(exec, sent.data.messageProfile.otpCode);
  });

  test('without --activate the hook is left INACTIVE, to be tried with execute first', async () => {
    const r = await byot(['register', '--url', HOOK_URL, '--secret', GW_SECRET, '--name', 'Staging BYOT']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.equal(okta.hooks.get(id)!.status, 'INACTIVE');
    assert.equal(okta.hooks.get(id)!.name, 'Staging BYOT');
    assert.match(r.stderr, new RegExp(`It is inactive: try it with "byot okta execute ${id}`));
    assert.equal(okta.hooks.get(id)!.channel.config.authScheme.key, 'Authorization', 'the default header');
    assertNoSecrets(r);
  });

  test('one active telephony hook per org: stop before creating anything, or --replace the active one', async () => {
    const old = okta.addHook({ name: 'Twilio hook' });
    const refused = await byot(['register', '--url', HOOK_URL, '--secret', GW_SECRET, '--activate']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`one active telephony inline hook per org, and "Twilio hook" \\(${old.id}\\) is active`));
    assert.match(refused.stderr, /Nothing was changed\. To switch Okta over, run again with --activate --replace/);
    assert.deepEqual(okta.calls(), ['GET /api/v1/inlineHooks?type=com.okta.telephony.provider']);
    assert.equal(refused.stdout, '');

    okta.requests.length = 0;
    const replaced = await byot(['register', '--url', HOOK_URL, '--secret', GW_SECRET, '--activate', '--replace']);
    assert.equal(replaced.code, 0, replaced.stderr);
    const id = replaced.stdout.trim();
    assert.deepEqual(okta.calls(), [
      'GET /api/v1/inlineHooks?type=com.okta.telephony.provider',
      `POST /api/v1/inlineHooks/${old.id}/lifecycle/deactivate`,
      'POST /api/v1/inlineHooks',
    ]);
    assert.equal(okta.hooks.get(old.id)!.status, 'INACTIVE');
    assert.equal(okta.hooks.get(id)!.status, 'ACTIVE');
    assert.match(replaced.stderr, new RegExp(`Deactivated the previous telephony hook "Twilio hook" \\(${old.id}\\)`));

    const misuse = await byot(['register', '--url', HOOK_URL, '--secret', GW_SECRET, '--replace']);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /--replace switches Okta to the new hook, so it needs --activate/);
  });

  test('the URL is checked before Okta is called: https only, at most 1024 characters, no whitespace', async () => {
    const cases: [string, RegExp][] = [
      ['http://byot.example.com/okta/telephony', /Okta calls hooks over https:\/\/ only/],
      ['https://byot.example.com/okta telephony', /contains whitespace/],
      [`https://byot.example.com/${'x'.repeat(1000)}`, /1025 characters long; Okta allows 1024/],
    ];
    const results = await Promise.all(cases.map(([url]) => byot(['register', '--url', url, '--secret', GW_SECRET])));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, cases[i]![1]);
    });
    assert.deepEqual(okta.calls(), []);
    const warned = await byot(['register', '--url', 'https://byot.example.com/hook', '--secret', GW_SECRET]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /warning: the gateway answers Okta at \/okta\/telephony; this URL's path is \/hook/);
  });

  test('OAuth hooks: private_key_jwt with a hook key, or client_secret_post (the secret never printed)', async () => {
    const oauth = ['--auth', 'oauth', '--hook-client-id', '0oahookclient', '--token-url', 'https://acme.okta.com/oauth2/default/v1/token', '--scope', 'byot.hook'];
    const pk = await byot(['register', '--url', HOOK_URL, ...oauth, '--hook-key-id', 'HKYj4ft1a3fjmwZg05e6', '--activate']);
    assert.equal(pk.code, 0, pk.stderr);
    const body = JSON.parse(okta.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/inlineHooks')!.body);
    assert.deepEqual(body.channel, {
      type: 'OAUTH', version: '1.0.0',
      config: { uri: HOOK_URL, method: 'POST', headers: [], authType: 'private_key_jwt', clientId: '0oahookclient', tokenUrl: 'https://acme.okta.com/oauth2/default/v1/token', scope: 'byot.hook', hookKeyId: 'HKYj4ft1a3fjmwZg05e6' },
    });
    assert.match(pk.stderr, /auth +OAuth private_key_jwt \(client 0oahookclient\)/);

    okta.hooks.clear();
    okta.requests.length = 0;
    const cs = await byot(['register', '--url', HOOK_URL, ...oauth, '--activate'], { OKTA_HOOK_CLIENT_SECRET: 'hook-client-secret-xyz' });
    assert.equal(cs.code, 0, cs.stderr);
    const csBody = JSON.parse(okta.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/inlineHooks')!.body);
    assert.equal(csBody.channel.config.authType, 'client_secret_post');
    assert.equal(csBody.channel.config.clientSecret, 'hook-client-secret-xyz');
    assertNoSecrets(cs, 'hook-client-secret-xyz');

    const [both, neither, mixed, missing] = await Promise.all([
      byot(['register', '--url', HOOK_URL, ...oauth, '--hook-key-id', 'HKY1', '--client-secret', 'abcdefgh']),
      byot(['register', '--url', HOOK_URL, ...oauth]),
      byot(['register', '--url', HOOK_URL, ...oauth, '--hook-key-id', 'HKY1', '--secret', GW_SECRET]),
      byot(['register', '--url', HOOK_URL, '--auth', 'oauth', '--hook-key-id', 'HKY1']),
    ]);
    for (const r of [both, neither]) {
      assert.equal(r.code, 2);
      assert.match(r.stderr, /exactly one of --hook-key-id \(private_key_jwt\) or --client-secret \(client_secret_post\)/);
    }
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--secret and --header belong to --auth header/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--auth oauth needs --hook-client-id, --token-url, --scope/);
  });
});

describe('byot okta list, show, activate, deactivate, delete', () => {
  test('list shows id, status, name, authentication and URL; --json gives Okta\'s objects', async () => {
    const a = okta.addHook({ name: 'Twilio hook' });
    const b = okta.addHook({ name: 'BYOT', status: 'INACTIVE', channel: { type: 'HTTP', version: '1.0.0', config: { uri: HOOK_URL, method: 'POST', headers: [], authScheme: { type: 'HEADER', key: 'x-telephony-key', value: 'zzzzzzzzzzzzzz' } } } });
    okta.addHook({ name: 'Token hook', type: 'com.okta.oauth2.tokens.transform' });
    const r = await byot(['list']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID +STATUS +NAME +AUTH +URL$/);
    assert.equal(lines.length, 3, 'telephony hooks only');
    assert.match(r.stdout, new RegExp(`^${a.id} +ACTIVE +Twilio hook +header Authorization +https://old\\.example\\.com/okta/telephony$`, 'm'));
    assert.match(r.stdout, new RegExp(`^${b.id} +INACTIVE +BYOT +header x-telephony-key +${HOOK_URL.replace(/\./g, '\\.')}$`, 'm'));
    assert.ok(!r.stdout.includes('zzzzzzzzzzzzzz'));

    const all = await byot(['list', '--all', '--json']);
    const hooks = JSON.parse(all.stdout);
    assert.equal(hooks.length, 3);
    assert.equal(hooks.find((h: any) => h.id === a.id).type, TELEPHONY);
    assert.equal(hooks[0]._links.self.href, `${okta.url}/api/v1/inlineHooks/${hooks[0].id}`);

    const show = await byot(['show', b.id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^status +INACTIVE$/m);
    assert.match(show.stdout, /^auth +header x-telephony-key$/m);

    okta.hooks.clear();
    const none = await byot(['list']);
    assert.match(none.stdout, /No telephony inline hooks\. Create one with: byot okta register --help/);
  });

  test('activate keeps to one active telephony hook; deactivate; delete deactivates first', async () => {
    const live = okta.addHook({ name: 'live' });
    const spare = okta.addHook({ name: 'spare', status: 'INACTIVE' });
    const refused = await byot(['activate', spare.id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /"live" \(.*\) is active/);
    assert.equal(okta.hooks.get(spare.id)!.status, 'INACTIVE');

    okta.requests.length = 0;
    const swapped = await byot(['activate', spare.id, '--replace']);
    assert.equal(swapped.code, 0, swapped.stderr);
    assert.match(swapped.stdout, new RegExp(`Activated "spare" \\(${spare.id}\\): ACTIVE`));
    assert.deepEqual(okta.calls(), [
      `GET /api/v1/inlineHooks/${spare.id}`,
      'GET /api/v1/inlineHooks?type=com.okta.telephony.provider',
      `POST /api/v1/inlineHooks/${live.id}/lifecycle/deactivate`,
      `POST /api/v1/inlineHooks/${spare.id}/lifecycle/activate`,
    ]);

    const off = await byot(['deactivate', spare.id]);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /Deactivated "spare" .*: INACTIVE/);
    assert.match(off.stderr, /No telephony hook is active now/);

    await byot(['activate', spare.id]);
    okta.requests.length = 0;
    const del = await byot(['delete', spare.id]);
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(okta.calls(), [
      `GET /api/v1/inlineHooks/${spare.id}`,
      `POST /api/v1/inlineHooks/${spare.id}/lifecycle/deactivate`,
      `DELETE /api/v1/inlineHooks/${spare.id}`,
    ]);
    assert.equal(okta.hooks.has(spare.id), false);
    assert.match(del.stderr, /was active; it was deactivated first/);
  });

  test('an unknown id: Okta\'s 404 with its errorCode and summary, and what to do, exit 1', async () => {
    const r = await byot(['deactivate', 'calnosuchhook000000']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /deactivating inline hook calnosuchhook000000 failed: Okta answered 404 E0000007: Not found: Resource not found: calnosuchhook000000 \(InlineHook\)/);
    assert.match(r.stderr, /no inline hook with that id in this org: see `byot okta list`/);
    assert.match(r.stderr, /Okta errorId oae/);
  });
});

describe('byot okta: authentication and failures', () => {
  test('a bad API token (401), a token without the right role (403), a rate limit (429), an unreachable org', async () => {
    const bad = await byot(['list'], { OKTA_API_TOKEN: 'not-a-valid-token-000' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /listing inline hooks failed: Okta answered 401 E0000011: Invalid token provided/);
    assert.match(bad.stderr, /the API token is invalid, expired or revoked/);
    assertNoSecrets(bad, 'not-a-valid-token-000');

    okta.apiTokens.set('read-only-token-0123456789', ['okta.inlineHooks.read']);
    const id = okta.addHook({ name: 'x', status: 'INACTIVE' }).id;
    const forbidden = await byot(['activate', id, '--token', 'read-only-token-0123456789']);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /Okta answered 403 E0000006: You do not have permission to perform the requested action/);
    assertNoSecrets(forbidden, 'read-only-token-0123456789');

    okta.rateLimit(5, 90);
    const limited = await byot(['list']);
    assert.equal(limited.code, 1);
    assert.match(limited.stderr, /Okta answered 429 E0000047: API call exceeded rate limit due to too many requests\./);
    assert.match(limited.stderr, /rate limit for this endpoint resets at \d{4}-\d\d-\d\dT.* \(in (89|90|91) s\)/);
    okta.rateLimit(1, 0);
    const retried = await byot(['list']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stderr, /rate limit was reached; retrying in \d s/);

    const port = await freePort();
    const down = await byot(['list'], { OKTA_ORG_URL: `http://127.0.0.1:${port}` });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/);
    assert.match(down.stderr, /check --org/);
  });

  test('an OAuth service app: private_key_jwt with a PEM or a JWK file, DPoP when the app requires it', async () => {
    const hook = okta.addHook({ name: 'oauth-listed' });
    for (const [clientId, keyFile] of [['0oaservice', PEM_FILE], ['0oaservice', JWK_FILE], ['0oadpop', PEM_FILE]] as const) {
      okta.requests.length = 0;
      const r = await byot(['list', '--client-id', clientId, '--private-key', keyFile], { OKTA_API_TOKEN: '' });
      assert.equal(r.code, 0, `${clientId} ${keyFile}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(hook.id));
      assert.match(r.stderr, new RegExp(`requesting an access token for client ${clientId} from ${okta.url}/oauth2/v1/token`));
      const api = okta.requests.find((q) => q.url.startsWith('/api/'))!;
      assert.match(String(api.headers.authorization), clientId === '0oadpop' ? /^DPoP / : /^Bearer /);
      assertNoSecrets(r);
    }
    const jwkRun = okta.requests.length;
    assert.ok(jwkRun > 0);

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const wrongFile = join(dir, 'wrong.pem');
    writeFileSync(wrongFile, other);
    const wrong = await byot(['list', '--client-id', '0oaservice', '--private-key', wrongFile], { OKTA_API_TOKEN: '' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /getting an access token from .*\/oauth2\/v1\/token failed: 401 invalid_client: The client_assertion signature is invalid\./);
    assert.match(wrong.stderr, /Public key \/ Private key/);
    assertNoSecrets(wrong);

    const missingKey = await byot(['list', '--client-id', '0oaservice', '--private-key', join(dir, 'nope.pem')], { OKTA_API_TOKEN: '' });
    assert.equal(missingKey.code, 1);
    assert.match(missingKey.stderr, /cannot read the private key .*nope\.pem: ENOENT/);
  });

  test('execute through Okta when the gateway refuses Okta\'s call: Okta\'s 400 is shown, exit 1', async () => {
    const hook = okta.addHook({ name: 'wrong secret', channel: { type: 'HTTP', version: '1.0.0', config: { uri: HOOK_URL, method: 'POST', headers: [], authScheme: { type: 'HEADER', key: 'x-telephony-key', value: 'not-the-gateway-secret' } } } });
    const r = await byot(['execute', hook.id, '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /executing inline hook .* failed: Okta answered 400 E0000001/);
    assert.match(r.stderr, /- The inline hook responded with HTTP 401/);
  });

  test('misuse exits 2 with the subcommand\'s usage; every subcommand has --help with examples', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['list'], { OKTA_ORG_URL: '' }, /--org is required \(or set OKTA_ORG_URL\)/],
      [['list'], { OKTA_API_TOKEN: '' }, /Okta credentials are required/],
      [['list', '--org', 'http://acme.okta.com'], {}, /--org: the Okta org URL must be https/],
      [['list', '--token', 'a', '--client-id', 'b'], {}, /either --token or --client-id with --private-key, not both/],
      [['list', '--client-id', '0oa'], { OKTA_API_TOKEN: '' }, /--client-id needs --private-key FILE/],
      [['activate'], {}, /the hook id is required/],
      [['activate', 'a', 'b'], {}, /give one hook id/],
      [['delete', '../../users'], {}, /is not an inline hook id/],
      [['register'], {}, /--url is required/],
      [['register', '--url', HOOK_URL], {}, /--secret is required with --auth header/],
      [['register', '--url', HOOK_URL, '--secret', 'short'], {}, /at least 12 characters/],
      [['frobnicate'], {}, /unknown okta subcommand "frobnicate"/],
      [[], {}, /byot okta — manage the telephony inline hook/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => byot(args, env)));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(`${r.stdout}${r.stderr}`, cases[i]![2]);
    });
    assert.deepEqual(okta.calls(), [], 'nothing reached Okta');

    const helps = await Promise.all(['register', 'list', 'show', 'activate', 'deactivate', 'delete', 'execute'].map((s) => byot([s, '--help'])));
    for (const h of helps) {
      assert.equal(h.code, 0);
      assert.match(h.stdout, /Usage:\n {2}byot okta /);
      assert.match(h.stdout, /Example/);
      assert.match(h.stdout, /--org URL/);
    }
    const top = await byot(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /register, list|byot okta register/);
  });
});
