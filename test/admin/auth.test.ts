// The admin page's protection over real HTTP: off without credentials, 401 without a session,
// login and logout, the session cookie's attributes, CSRF and Origin checks, security headers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, API_GETS, API_POSTS, AdminClient, PAGES, loggedIn, startAdminGateway, type Answer } from './support.js';

const SAMPLE_PLAN = { request: { eventId: 'x', data: { messageProfile: { phoneNumber: '+12025550123', otpCode: '123456', deliveryChannel: 'SMS' } } } };

function assertSecurityHeaders(res: Answer, what: string): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/, `${what}: CSP default-src`);
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: no inline script`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: nothing unsafe`);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: frame-ancestors`);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(res.headers.get('cache-control'), 'no-store', `${what}: Cache-Control`);
}

describe('admin off: no credentials configured', () => {
  let gw: TestGateway;
  before(async () => { gw = await startGateway({ yaml: 'providers:\n  console: { kind: console }' }); });
  after(() => gw.close());

  test('every /admin path answers 404, with or without a token', async () => {
    const c = new AdminClient(gw.url);
    for (const path of [...PAGES, '/admin/login', '/admin/assets/app.js', ...API_GETS]) {
      assert.equal((await c.get(path)).status, 404, path);
      assert.equal((await c.get(path, { authorization: `Bearer ${ADMIN_TOKEN}` })).status, 404, path);
    }
    for (const path of [...API_POSTS, '/admin/login']) assert.equal((await c.post(path, {})).status, 404, path);
  });

  test('says so in a log line at start', () => {
    assert.ok(gw.logs.some((l) => /admin page off/.test(l)), 'a log line says the admin is off');
  });

  test('a section with an empty users list and no token is off too', async () => {
    const off = await startGateway({ yaml: 'admin:\n  users: []\n  sessionTtlMinutes: 10\nproviders:\n  console: { kind: console }' });
    try {
      assert.equal((await fetch(`${off.url}/admin/`)).status, 404);
    } finally {
      await off.close();
    }
  });
});

describe('admin on', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startAdminGateway({ yaml: 'server:\n  trustProxy: true\nproviders:\n  console: { kind: console }' });
  });
  after(() => gw.close());

  test('says it is on at start, without any credential in the line', () => {
    const line = gw.logs.find((l) => /admin page on/.test(l));
    assert.ok(line);
    assert.ok(!line.includes(ADMIN_TOKEN) && !line.includes(ADMIN_PASSWORD));
  });

  test('without credentials: 401 for every page (the login form) and every API route', async () => {
    const c = new AdminClient(gw.url);
    for (const path of PAGES) {
      const res = await c.get(path);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
      assert.match(res.text, /data-page="login"/, `${path} shows the login page`);
      assertSecurityHeaders(res, path);
    }
    for (const path of API_GETS) {
      const res = await c.get(path);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/, path);
      assertSecurityHeaders(res, path);
    }
    for (const path of API_POSTS) assert.equal((await c.post(path, SAMPLE_PLAN)).status, 401, path);
  });

  test('a wrong bearer token or session cookie is refused', async () => {
    const attempts: Record<string, string>[] = [
      { authorization: 'Bearer not-the-admin-token-0123456789' },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`alice:${ADMIN_PASSWORD}`).toString('base64')}` },
      { cookie: 'byot_admin=forged-session-id' },
    ];
    for (const headers of attempts) {
      const res = await new AdminClient(gw.url).get('/admin/api/overview', headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
    }
  });

  test('the bearer token opens every API route for scripts, no CSRF token needed', async () => {
    const c = new AdminClient(gw.url);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const path of API_GETS) assert.equal((await c.get(path, auth)).status, 200, path);
    const res = await c.request('POST', '/admin/api/preview/plan', SAMPLE_PLAN, { ...auth, origin: 'https://evil.example' });
    assert.equal(res.status, 200);
  });

  test('the login page and the front end are served to anyone, with the security headers', async () => {
    const c = new AdminClient(gw.url);
    const login = await c.get('/admin/login');
    assert.equal(login.status, 200);
    assertSecurityHeaders(login, '/admin/login');
    assert.doesNotMatch(login.text, /<script>|<script [^>]*>[^<]+<\/script>|style=/, 'no inline script or style');
    for (const [path, type] of [['/admin/assets/app.js', /javascript/], ['/admin/assets/app.css', /css/]] as const) {
      const res = await c.get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type);
      assertSecurityHeaders(res, path);
    }
    const missing = await c.get('/admin/nothing-here');
    assert.equal(missing.status, 404);
    assertSecurityHeaders(missing, '404');
  });

  test('login with a wrong password fails; the right one sets a strict session cookie', async () => {
    const c = new AdminClient(gw.url);
    const wrong = await c.login('alice', 'wrong-password-123');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    assert.equal((await c.login('mallory', ADMIN_PASSWORD)).status, 401);

    const ok = await c.login();
    assert.equal(ok.status, 200);
    assertSecurityHeaders(ok, 'login');
    assert.equal(ok.body.user, 'alice');
    assert.match(ok.body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^byot_admin=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/admin/);
    assert.match(cookie, /; Max-Age=1800/);
    assert.doesNotMatch(cookie, /Secure/, 'plain http: no Secure');

    for (const path of PAGES) {
      const page = await c.get(path);
      assert.equal(page.status, 200, path);
      assertSecurityHeaders(page, path);
    }
    for (const path of API_GETS) assert.equal((await c.get(path)).status, 200, path);
    const session = await c.get('/admin/api/session');
    assert.deepEqual({ user: session.body.user, via: session.body.via, csrf: session.body.csrfToken }, { user: 'alice', via: 'session', csrf: c.csrf });
  });

  test('over https (a trusted proxy says so) the cookie is Secure', async () => {
    const c = new AdminClient(gw.url);
    const host = new URL(gw.url).host;
    const res = await c.request('POST', '/admin/login', { username: 'alice', password: ADMIN_PASSWORD },
      { 'x-forwarded-proto': 'https', origin: `https://${host}` });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('set-cookie') ?? '', /; Secure/);
  });

  test('the token works on the login form too, and user names are not case-sensitive', async () => {
    const c = new AdminClient(gw.url);
    const res = await c.post('/admin/login', { token: ADMIN_TOKEN });
    assert.equal(res.status, 200);
    assert.equal(res.body.user, 'token');
    assert.equal((await new AdminClient(gw.url).login('ALICE')).status, 200);
  });

  test('a login from another origin is refused', async () => {
    const res = await new AdminClient(gw.url).request('POST', '/admin/login', { username: 'alice', password: ADMIN_PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('set-cookie'), null);
  });

  test('state-changing requests need the CSRF token and a same-origin Origin', async () => {
    const c = await loggedIn(gw);
    const token = c.csrf!;
    const noToken = await c.request('POST', '/admin/api/preview/plan', SAMPLE_PLAN, { 'x-csrf-token': '' });
    assert.equal(noToken.status, 403);
    assert.match(noToken.body.error, /CSRF/);
    assertSecurityHeaders(noToken, '403');
    assert.equal((await c.request('POST', '/admin/api/preview/plan', SAMPLE_PLAN, { 'x-csrf-token': token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') })).status, 403);
    // Another session's token does not do either.
    const other = await loggedIn(gw);
    assert.equal((await c.request('POST', '/admin/api/preview/plan', SAMPLE_PLAN, { 'x-csrf-token': other.csrf! })).status, 403);
    const crossOrigin = await c.request('POST', '/admin/api/preview/plan', SAMPLE_PLAN, { origin: 'https://evil.example' });
    assert.equal(crossOrigin.status, 403);
    assert.match(crossOrigin.body.error, /Origin/);
    assert.equal((await c.request('POST', '/admin/api/preview/plan', SAMPLE_PLAN, { origin: 'null' })).status, 403);
    // No Origin at all: a Referer from this page will do, nothing at all will not.
    const bare = await fetch(`${gw.url}/admin/api/preview/plan`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: c.cookie!, 'x-csrf-token': token }, body: JSON.stringify(SAMPLE_PLAN),
    });
    assert.equal(bare.status, 403);
    const referred = await fetch(`${gw.url}/admin/api/preview/plan`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: c.cookie!, 'x-csrf-token': token, referer: `${gw.url}/admin/preview` }, body: JSON.stringify(SAMPLE_PLAN),
    });
    assert.equal(referred.status, 200);
    assert.equal((await c.post('/admin/api/preview/plan', SAMPLE_PLAN)).status, 200);
    // A refused logout leaves the session alone.
    assert.equal((await c.request('POST', '/admin/logout', {}, { 'x-csrf-token': 'nope' })).status, 403);
    assert.equal((await c.get('/admin/api/session')).status, 200);
  });

  test('logout ends the session for good', async () => {
    const c = await loggedIn(gw);
    const cookie = c.cookie!;
    const res = await c.post('/admin/logout');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('set-cookie') ?? '', /^byot_admin=; Path=\/admin; Max-Age=0/);
    const replayed = new AdminClient(gw.url);
    replayed.cookie = cookie;
    assert.equal((await replayed.get('/admin/api/session')).status, 401);
    assert.equal((await replayed.get('/admin/')).status, 401);
  });

  test('the request and answer bodies of the admin never carry the password or token', async () => {
    const c = await loggedIn(gw);
    for (const path of [...PAGES, ...API_GETS]) {
      const res = await c.get(path);
      assert.ok(!res.text.includes(ADMIN_PASSWORD) && !res.text.includes(ADMIN_TOKEN), path);
    }
    assert.ok(!gw.logs.join('').includes(ADMIN_PASSWORD), 'the password is never logged');
  });
});

describe('admin login throttling', () => {
  let gw: TestGateway;
  before(async () => { gw = await startAdminGateway(); });
  after(() => gw.close());

  test('five wrong passwords from one address, then a short delay (429 with Retry-After) before the next try', async () => {
    const c = new AdminClient(gw.url);
    for (let i = 0; i < 5; i++) assert.equal((await c.login('alice', `wrong-password-${i}`)).status, 401);
    const held = await c.login();
    assert.equal(held.status, 429);
    assert.match(held.headers.get('retry-after') ?? '', /^[12]$/);
  });
});
