import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCli, startServe } from '../support/cli.js';
import { freePort } from '../support/processes.js';
import { oktaRequest, uniqueCode } from '../support/okta.js';

const dir = mkdtempSync(join(tmpdir(), 'byot-serve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const post = async (port: number, body: unknown, secret: string, scheme = 'http') => {
  const res = await fetch(`${scheme}://127.0.0.1:${port}/okta/telephony`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: secret },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as any };
};

test('a bare `byot serve` generates a hook secret, shows it once, and answers Okta\'s sample', async () => {
  const port = await freePort();
  const env = { PORT: String(port), OKTA_HOOK_SECRET: '' };
  const code = uniqueCode();

  const first = startServe([], { cwd: dir, env });
  await first.waitFor(/byot-gateway ready/);
  const secret = /Authentication secret: (\S+)/.exec(first.stderr())?.[1];
  assert.ok(secret, first.stderr());
  assert.match(first.stderr(), /Authentication field: {2}Authorization/);
  assert.equal(statSync(join(dir, 'data/secrets.json')).mode & 0o777, 0o600);
  // The hook and admin URLs in full, and the admin token generated for the page, once.
  assert.match(first.stderr(), new RegExp(`Okta telephony hook URL: +http://localhost:${port}/okta/telephony`));
  assert.match(first.stderr(), new RegExp(`Admin page: +http://localhost:${port}/admin\n`));
  const adminToken = new RegExp(`Open http://localhost:${port}/admin and log in with the token:\n +(\\S+)`).exec(first.stderr())?.[1];
  assert.ok(adminToken, first.stderr());
  const session = await fetch(`http://127.0.0.1:${port}/admin/api/session`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.equal(session.status, 200, 'the generated admin token opens the admin API');
  assert.match(first.stdout(), /listening on every interface over plain HTTP/);

  const ok = await post(port, oktaRequest({ eventId: 'uS5871kJThSsU8qlA1LTcg', otpCode: code }), secret);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.commands[0].value[0].status, 'SUCCESSFUL');
  assert.equal((await post(port, oktaRequest(), 'wrong-secret')).status, 401);
  assert.equal(await first.stop(), 0);
  assert.match(first.stdout(), /shutting down/);

  const second = startServe([], { cwd: dir, env });
  await second.waitFor(/byot-gateway ready/);
  assert.ok(!second.stderr().includes(secret), 'the secret is shown only once');
  assert.ok(!second.stderr().includes(adminToken), 'the admin token is shown only once');
  assert.match(second.stderr(), new RegExp(`Admin page: +http://localhost:${port}/admin\n`), 'the URLs are shown at every start');
  assert.equal((await fetch(`http://127.0.0.1:${port}/admin/api/session`, { headers: { authorization: `Bearer ${adminToken}` } })).status, 200, 'the kept token still works');
  const again = await post(port, oktaRequest(), secret);
  assert.equal(again.body.commands[0].value[0].status, 'SUCCESSFUL', 'the kept secret still works');
  assert.equal(await second.stop(), 0);

  for (const out of [first.stdout(), second.stdout()]) {
    assert.ok(!out.includes(secret), 'the secret is not in the log');
    assert.ok(!out.includes(adminToken), 'the admin token is not in the log');
    assert.ok(!out.includes(code), 'the code is not in the log');
  }
});

test('serve --config with TLS answers over HTTPS', async (t) => {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not installed: cannot make a test certificate');
    return;
  }
  const port = await freePort();
  writeFileSync(join(dir, 'tls.yaml'), `
server:
  port: ${port}
  host: 127.0.0.1
  tls: { cert: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} }
auth: { type: header, header: x-telephony-key, secrets: ["\${HOOK_SECRET}"] }
store: { path: ${join(dir, 'tls/byot.sqlite')} }
`);
  const server = startServe(['--config', join(dir, 'tls.yaml')], { cwd: dir, env: { HOOK_SECRET: 'tls-secret-0123456789', NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
  try {
    await server.waitFor(/byot-gateway ready/);
    const { Agent, request } = await import('undici');
    const res = await request(`https://127.0.0.1:${port}/okta/telephony`, {
      method: 'POST',
      dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
      headers: { 'content-type': 'application/json', 'x-telephony-key': 'tls-secret-0123456789' },
      body: JSON.stringify(oktaRequest()),
    });
    const body = await res.body.json() as any;
    assert.equal(res.statusCode, 200);
    assert.equal(body.commands[0].value[0].status, 'SUCCESSFUL');
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('check-config: valid file exits 0; a broken one exits 1 listing every problem by path; misuse exits 2', async () => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'auth: { type: header, secrets: ["${S}"] }\nproviders:\n  dev: { kind: console }\n');
  const ok = await runCli(['check-config', good], { env: { S: 'a-long-enough-secret' } });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /valid \(1 provider\(s\): dev\)/);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'server: { port: -1 }\nauth: { type: header, secrets: ["short"] }\nproviders:\n  dev: { kind: nope }\n');
  const broken = await runCli(['check-config', bad]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /server\.port: /);
  assert.match(broken.stderr, /auth\.secrets\[0\]: expected a secret of at least 12 characters/);
  assert.match(broken.stderr, /providers\.dev\.kind: unknown provider kind "nope"/);

  const missing = await runCli(['check-config', join(dir, 'absent.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*absent\.yaml: ENOENT/);

  assert.equal((await runCli(['check-config'])).code, 2);
  assert.equal((await runCli(['frobnicate'])).code, 2);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /byot serve \[--config FILE\]/);
});
