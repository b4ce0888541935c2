// When the gateway terminates TLS itself, every answer carries Strict-Transport-Security; over
// plain http (behind a proxy that terminates TLS) it does not (issue 13, item 9).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, SECRET, type TestGateway } from './support/gateway.js';
import { oktaRequest } from './support/okta.js';

function httpsCall(url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, rejectUnauthorized: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Strict-Transport-Security', () => {
  let dir: string;
  let gw: TestGateway | undefined;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'byot-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      return; // no openssl: the tests below skip
    }
    gw = await startGateway({ yaml: `server:\n  tls: { cert: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} }` });
    base = gw.url.replace(/^http:/, 'https:');
  });
  after(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('on a hook answer, a 401, a 404 and the health check', async (t) => {
    if (!gw) return t.skip('openssl is not installed: cannot make a test certificate');
    const answers = [
      await httpsCall(`${base}/okta/telephony`, 'POST', JSON.stringify(oktaRequest()), { 'content-type': 'application/json', authorization: SECRET }),
      await httpsCall(`${base}/okta/telephony`, 'POST', JSON.stringify(oktaRequest()), { 'content-type': 'application/json', authorization: 'wrong' }),
      await httpsCall(`${base}/nowhere`, 'GET'),
      await httpsCall(`${base}/healthz`, 'GET'),
    ];
    assert.deepEqual(answers.map((a) => a.status), [200, 401, 404, 200]);
    for (const a of answers) assert.equal(a.headers['strict-transport-security'], 'max-age=31536000');
  });

  test('not over plain http', async () => {
    const plain = await startGateway();
    try {
      const res = await fetch(`${plain.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('strict-transport-security'), null);
    } finally {
      await plain.close();
    }
  });
});
