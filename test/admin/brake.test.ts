// Guessing admin credentials is braked per user name, per client address (as trustProxy decides
// it) and for the admin token, with growing delays instead of a lockout (issue 13, item 4).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestGateway } from '../support/gateway.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, AdminClient, startAdminGateway } from './support.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits out a 429's Retry-After, with room to spare on a busy machine. */
const waitOut = (retryAfter: string | null) => pause(Number(retryAfter ?? '0') * 1_000 + 250);

describe('admin credential brake behind a trusted proxy', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startAdminGateway({ yaml: 'server:\n  trustProxy: true\nproviders:\n  console: { kind: console }' });
  });
  after(() => gw.close());

  test('rotating X-Forwarded-For does not escape the per-user brake', async () => {
    const c = new AdminClient(gw.url);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await c.request('POST', '/admin/login', { username: 'alice', password: `guess-${i}-xxxxxxxx` }, { 'x-forwarded-for': `198.51.100.${i + 1}` })).status);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join(','));
  });

  test('the right password is let in once the delay has passed, from any address: no lockout', async () => {
    const c = new AdminClient(gw.url);
    const held = await c.request('POST', '/admin/login', { username: 'alice', password: ADMIN_PASSWORD }, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(held.status, 429);
    await waitOut(held.headers.get('retry-after'));
    const res = await c.request('POST', '/admin/login', { username: 'alice', password: ADMIN_PASSWORD }, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(res.status, 200, res.text);
  });

  test('a brake on one address holds other users from it, not users elsewhere', async () => {
    const c = new AdminClient(gw.url);
    for (let i = 0; i < 5; i++) {
      await c.request('POST', '/admin/login', { username: `nobody${i}`, password: 'guess-xxxxxxxxxx' }, { 'x-forwarded-for': '192.0.2.50' });
    }
    const same = await c.request('POST', '/admin/login', { username: 'someone-else', password: 'guess-xxxxxxxxxx' }, { 'x-forwarded-for': '192.0.2.50' });
    assert.equal(same.status, 429);
    const elsewhere = await c.request('POST', '/admin/login', { username: 'someone-else', password: 'guess-xxxxxxxxxx' }, { 'x-forwarded-for': '192.0.2.51' });
    assert.equal(elsewhere.status, 401);
  });

  test('wrong bearer tokens are braked too; the right token gets in after the delay', async () => {
    const c = new AdminClient(gw.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await c.get('/admin/api/session', { authorization: `Bearer wrong-token-${i}-0123456789abcdef`, 'x-forwarded-for': `198.18.0.${i + 1}` })).status);
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(statuses.slice(5).every((s) => s === 429), statuses.join(','));
    const held = await c.get('/admin/api/session', { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(held.status, 429, 'held back even when right, or guessing would go on at full speed');
    await waitOut(held.headers.get('retry-after'));
    assert.equal((await c.get('/admin/api/session', { authorization: `Bearer ${ADMIN_TOKEN}` })).status, 200);
  });

  test('each throttling decision is logged once, without the presented value', () => {
    const lines = gw.logs.filter((l) => l.includes('"admin credentials throttled"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3, "one each: user alice, address 192.0.2.50, the token");
    assert.ok(lines.every((l) => ['user', 'address', 'token'].includes(l.by as string) && typeof l.delayMs === 'number'));
    const all = gw.logs.join('');
    for (const secret of [ADMIN_PASSWORD, ADMIN_TOKEN, 'guess-0-xxxxxxxx', 'wrong-token-0-0123456789abcdef']) assert.ok(!all.includes(secret), secret);
  });
});
