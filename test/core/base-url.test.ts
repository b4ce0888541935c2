// The base URL option every provider's API address and the gateway's public address use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl } from '../../src/core/base-url.js';

test('a base URL is http(s), kept without its trailing slashes', () => {
  assert.equal(baseUrl().parse('https://api.example.com/v1//'), 'https://api.example.com/v1');
  assert.equal(baseUrl().parse('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  for (const bad of ['ftp://files.example.com', 'api.example.com', '']) {
    const r = baseUrl().safeParse(bad);
    assert.equal(r.success, false, bad);
    assert.deepEqual(r.error?.issues.map((i) => i.message), ['expected an http(s) URL'], bad);
  }
  assert.deepEqual(baseUrl('expected the SMS base URL').safeParse('x').error?.issues.map((i) => i.message), ['expected the SMS base URL']);
});
