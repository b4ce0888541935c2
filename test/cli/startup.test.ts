import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromEnv } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/file.js';
import { addresses, startupNotice } from '../../src/cli/startup.js';

const AUTH = 'auth: { type: header, secrets: ["a-long-enough-secret"] }\n';

test('BYOT_ADMIN_TOKEN turns the admin page on, with or without a file; only the embedded defaults generate one', () => {
  const token = 'an-admin-token-of-24-chars-or-more';
  assert.equal(configFromEnv({ BYOT_ADMIN_TOKEN: token }).admin.token, token);
  assert.equal(configFromEnv({ BYOT_ADMIN_TOKEN: token }).generateAdminToken, false);
  assert.equal(configFromEnv({}).generateAdminToken, true, 'no file, no token: one is generated');
  assert.equal(parseConfigText(AUTH, { BYOT_ADMIN_TOKEN: token }).admin.token, token);
  const own = 'the-file-s-own-admin-token-0123456';
  assert.equal(parseConfigText(`${AUTH}admin: { token: "${own}" }\n`, { BYOT_ADMIN_TOKEN: token }).admin.token, own, 'the file wins');
  assert.equal(parseConfigText(AUTH, {}).generateAdminToken, false, 'a file without admin keeps the page off');
});

test('start-up addresses: localhost for every interface, the public URL for Okta, a warning for plain HTTP everywhere', () => {
  const config = configFromEnv({ BYOT_ADMIN_TOKEN: 'an-admin-token-of-24-chars-or-more' });
  const everywhere = addresses(config, { address: '0.0.0.0', family: 'IPv4', port: 8080 });
  assert.deepEqual(everywhere, {
    localHook: 'http://localhost:8080/okta/telephony', hook: 'http://localhost:8080/okta/telephony', admin: 'http://localhost:8080/admin', openPlainHttp: true,
  });
  assert.equal(addresses(config, { address: '127.0.0.1', family: 'IPv4', port: 8080 }).openPlainHttp, false);
  assert.equal(addresses(config, { address: '::1', family: 'IPv6', port: 9 }).localHook, 'http://[::1]:9/okta/telephony');

  const behindProxy = parseConfigText(`${AUTH}server: { host: 127.0.0.1, publicUrl: "https://byot.example.com/" }\n`, {});
  const a = addresses(behindProxy, { address: '127.0.0.1', family: 'IPv4', port: 8080 });
  assert.equal(a.hook, 'https://byot.example.com/okta/telephony');
  assert.equal(a.admin, undefined, 'no admin credentials: the page is off');
  const notice = startupNotice(a, {});
  assert.match(notice, /Okta telephony hook URL: +https:\/\/byot\.example\.com\/okta\/telephony\n/);
  assert.match(notice, /on this machine: +http:\/\/127\.0\.0\.1:8080\/okta\/telephony/);
  assert.match(notice, /Admin page: +off \(set BYOT_ADMIN_TOKEN/);
  assert.doesNotMatch(notice, /secret|token:/i);
});
