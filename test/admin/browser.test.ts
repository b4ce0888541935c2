// The admin page in a real browser (Debian's Chromium through playwright-core): refused without
// credentials, log in, the overview shows the log the test wrote, find a delivery by phone, a
// dry-run and a real Preview through the console provider, the redacted configuration, log out.
// A screenshot of each page goes to $BYOT_SCREENSHOTS or <tmp>/byot-admin-screenshots.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SECRET, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { fakeProvider } from '../support/fake-provider.js';
import { ProviderError, type ProviderAdapter } from '../../src/providers/types.js';
import { consoleProvider } from '../../src/providers/console.js';
import { createLogger } from '../../src/telemetry/log.js';
import { maskPhone, phoneHash } from '../../src/core/mask.js';
import type { DeliveryStore } from '../../src/store/types.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, ADMIN_USER, PAGES, API_GETS, startAdminGateway } from './support.js';
import { SHOTS, launchChromium, skip } from './browser-support.js';

const ROUTING = `providers:
  console: { kind: console }
  flaky: { kind: console }
routing:
  rules:
    - name: uk
      match: { country: GB }
      providers: [flaky]
      fallback: [console]
  default: [console]`;

/** A month of earlier traffic, written the way the hook records it, so the charts have something to show. */
async function seedHistory(store: DeliveryStore): Promise<void> {
  const now = Date.now();
  const countries: [string, string][] = [['US', '+1202555'], ['GB', '+4477009'], ['FR', '+336123'], ['DE', '+491511'], ['IN', '+919876']];
  let n = 0;
  for (let day = 29; day >= 1; day--) {
    for (let i = 0; i < 1 + ((day * 7) % 3); i++) {
      n++;
      const [country, prefix] = countries[(day + i) % countries.length]!;
      const e164 = `${prefix}${String(n).padStart(4, '0')}`;
      const eventId = `seed-${n}`;
      const voice = n % 4 === 0;
      const provider = n % 3 === 0 ? 'flaky' : 'console';
      const blocked = n % 17 === 0;
      const failed = !blocked && n % 9 === 0;
      await store.claim({
        eventId, receivedAt: now - day * 86_400_000 - i * 3_600_000, requestType: n % 5 === 0 ? 'password-reset' : 'mfa-verification',
        channel: voice ? 'voice' : 'sms', phoneMasked: maskPhone(e164), phoneHash: phoneHash(e164, 'test-hash-key-0123456789'),
        country, userId: `00uSEED${n}`, login: `user${n}@example.com`, locale: 'en-US', preview: false,
      });
      const ms = 250 + ((n * 137) % 600);
      await store.complete(eventId, blocked
        ? { status: 'FAILED', reason: 'blocked', blockedBy: 'velocity.phone', attempts: [], latencyMs: 3, answer: { error: { errorSummary: 'x', errorCauses: [] } } }
        : failed
          ? { status: 'FAILED', reason: 'all_failed', attempts: [{ provider, ok: false, category: 'unavailable', providerCode: '503', ms }], latencyMs: ms + 5, answer: { error: { errorSummary: 'x', errorCauses: [] } } }
          : { status: 'SUCCESSFUL', provider, transactionId: `${provider}-seed-${n}`, attempts: [{ provider, ok: true, transactionId: `${provider}-seed-${n}`, ms }], latencyMs: ms + 5, answer: { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL' }] }] } });
    }
  }
}

/** A call whose receipt said undelivered and that was resent once through another provider (pipeline/resend.ts). */
async function seedResend(store: DeliveryStore): Promise<void> {
  const now = Date.now();
  const e164 = '+12025550188';
  await store.claim({
    eventId: 'seed-resent', receivedAt: now - 60_000, requestType: 'mfa-verification', channel: 'sms', phoneMasked: maskPhone(e164),
    phoneHash: phoneHash(e164, 'test-hash-key-0123456789'), country: 'US', userId: '00uSEEDRESENT', login: 'resent@example.com', locale: 'en-US',
    preview: false, otpExpires: now + 240_000,
  });
  const first = { provider: 'console', ok: true, transactionId: 'console-seed-resent', ms: 12 };
  await store.complete('seed-resent', { status: 'SUCCESSFUL', provider: 'console', transactionId: first.transactionId, attempts: [first], latencyMs: 15,
    answer: { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL' }] }] } as never });
  await store.recordReceipt('console', { transactionId: first.transactionId, status: 'undelivered', providerStatus: 'undelivered', providerCode: '30003', at: new Date(now - 50_000) });
  assert.equal(await store.resends.claim('seed-resent', now - 49_000), 'claimed');
  await store.resends.record('seed-resent', { state: 'sent', provider: 'flaky', transactionId: 'flaky-seed-resent',
    attempts: [first, { provider: 'flaky', ok: true, transactionId: 'flaky-seed-resent', ms: 20, resend: true }] });
  await store.recordReceipt('flaky', { transactionId: 'flaky-seed-resent', status: 'delivered', providerStatus: 'DELIVERED', at: new Date(now - 40_000) });
}

describe('the admin page in a browser', { skip }, () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const consoleAdapter = (): ProviderAdapter =>
    consoleProvider.create('console', consoleProvider.schema.parse({ kind: 'console' }), { log: createLogger('silent') });
  const done = (): Record<string, any>[] => gw.rows().filter((r) => r.state === 'done');
  const shot = async (name: string): Promise<string> => {
    const file = join(SHOTS, `${name}.png`);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  // Locators, not string predicates: the page's CSP (rightly) forbids the eval those need.
  const waitForText = (selector: string, re: RegExp) => page.locator(selector, { hasText: re }).waitFor();
  const open = async (path: string) => {
    const res = await page.goto(gw.url + path);
    await page.waitForSelector('body[data-ready="1"], #login-form');
    return res;
  };

  before(async () => {
    const flaky = fakeProvider('flaky', new ProviderError('unavailable', 'HTTP 503', { providerCode: '503' }));
    gw = await startAdminGateway({ adapters: new Map([['console', consoleAdapter()], ['flaky', flaky]]), yaml: ROUTING });
    const calls: [string, string, string][] = [
      ['+12025550143', 'SMS', 'jane@example.com'], ['+12025550144', 'voice call', 'omar@example.com'], ['+447700900123', 'SMS', 'jane@example.com'],
      ['+447700900124', 'SMS', 'li@example.com'], ['+33612345678', 'voice call', 'ana@example.com'], ['123', 'SMS', 'bad@example.com'],
    ];
    for (const [phone, channel, login] of calls) {
      const body = oktaRequest({ phoneNumber: phone, deliveryChannel: channel, preview: false, requestType: 'com.okta.user.telephony.mfa-verification' });
      body.data.userProfile.login = login;
      await gw.hook(body);
    }
    await seedHistory(gw.gateway.store);
    await seedResend(gw.gateway.store);
    // Okta reported the code sent to +44 7700 900123 used, and its provider refused the feedback.
    const verified = gw.rows().find((r) => /^\+4477\*+123$/.test(r.phone_masked))!;
    const now = Date.now();
    await gw.gateway.store.events.receive([{ uuid: 'uuid-browser-feedback', published: now, eventType: 'user.authentication.auth_via_mfa', raw: '{}' }], 'hook', now);
    await gw.gateway.store.events.settle('uuid-browser-feedback', { state: 'verified', eventId: verified.event_id, at: now, basis: 'factor' }, now);
    await gw.gateway.store.feedback.settle(verified.event_id, { status: 'refused', at: now, tries: 1, code: '20404' });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    // Nothing may leave for another origin: no CDN, no fonts, no analytics.
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(gw.url) || route.request().url().startsWith('data:')) return route.continue();
      problems.push(`outside request: ${route.request().url()}`);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' && !/401|403/.test(m.text())) problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  test('without credentials no page or API answers: every page is the login form (401)', async (t) => {
    for (const path of PAGES) {
      const res = await open(path);
      assert.equal(res?.status(), 401, path);
      assert.ok(await page.isVisible('#login-form'), `${path} shows the login form`);
      assert.equal(await page.locator('main').count(), 0, `${path} shows no data`);
    }
    for (const path of API_GETS) assert.equal((await page.request.get(gw.url + path)).status(), 401, path);
    await open('/admin/login');
    await page.fill('#username', ADMIN_USER);
    await page.fill('#password', 'not-the-password');
    await page.click('#login');
    await page.waitForSelector('#login-form .error:not(:empty)');
    assert.match(await page.textContent('#login-form .error') ?? '', /Wrong user name or password/);
    t.diagnostic(`screenshot: ${await shot('0-login')}`);
  });

  test('log in; the overview numbers match the log the test wrote', async (t) => {
    await page.fill('#username', ADMIN_USER);
    await page.fill('#password', ADMIN_PASSWORD);
    await Promise.all([page.waitForURL(`${gw.url}/admin/`), page.click('#login')]);
    await page.waitForSelector('body[data-ready="1"]');
    const rows = done();
    const fmt = (n: number) => n.toLocaleString('en-US');
    const ok = rows.filter((r) => r.status === 'SUCCESSFUL');
    const avg = Math.round(ok.reduce((s, r) => s + r.latency_ms, 0) / ok.length);
    assert.equal(await page.textContent('#stat-executions .value'), fmt(rows.length));
    assert.equal(await page.textContent('#stat-successes .value'), fmt(ok.length));
    assert.equal(await page.textContent('#stat-failures .value'), fmt(rows.length - ok.length));
    assert.equal(await page.textContent('#stat-avg .value'), `${fmt(avg)} ms`);
    assert.ok(rows.length > 40);
    const blocked = rows.filter((r) => r.reason === 'blocked').length;
    assert.match(await page.textContent('#blocks') ?? '', new RegExp(`velocity\\.phone\\s*${blocked}`));
    for (const id of ['#chart-volume-provider', '#chart-rate-provider', '#chart-volume-channel', '#chart-rate-channel']) {
      assert.equal(await page.locator(`${id} canvas`).count(), 1, `${id} is drawn`);
    }
    const text = await page.textContent('main') ?? '';
    assert.match(text, /console/);
    assert.match(text, /GB/);
    t.diagnostic(`screenshot: ${await shot('1-overview')}`);
  });

  test('find a delivery by phone: masked number, attempts, receipt and provider feedback', async (t) => {
    await open('/admin/deliveries');
    assert.equal(await page.locator('tr.row').count(), Math.min(50, gw.rows().length));
    await page.fill('#f-phone', '+44 7700 900123');
    await page.click('#search');
    await waitForText('#result-count', /^1 call$/);
    const row = page.locator('tr.row');
    assert.match(await row.textContent() ?? '', /\+4477\*{5}123/);
    assert.match(await row.textContent() ?? '', /jane@example\.com/);
    await row.click();
    const detail = page.locator('tr.detail:not([hidden])');
    await detail.waitFor();
    const detailText = await detail.textContent() ?? '';
    assert.match(detailText, /Attempts \(2\)/);
    assert.match(detailText, /unavailable/);
    assert.match(detailText, /503/);
    assert.match(detailText, /Provider feedback\s*refused \(code 20404\) at .+, 1 try/);
    assert.ok(!page.url().includes('7700'), 'the number stays out of the address bar');
    assert.ok(!(await page.content()).includes('7700900123'), 'no full number on the page');
    t.diagnostic(`screenshot: ${await shot('2-deliveries')}`);
  });

  test('a resent delivery: both attempts, the resend marked, both receipts', async () => {
    await open('/admin/deliveries');
    await page.fill('#f-transactionId', 'flaky-seed-resent');
    await page.click('#search');
    await waitForText('#result-count', /^1 call$/);
    await page.locator('tr.row').click();
    const detail = page.locator('tr.detail:not([hidden])');
    await detail.waitFor();
    const text = await detail.textContent() ?? '';
    assert.match(text, /Attempts \(2\)/);
    assert.match(text, /2 \(resend\)flaky/);
    assert.match(text, /undelivered undelivered \(code 30003\)/);
    assert.match(text, /Resendsent flaky at .*; receipt delivered DELIVERED/);
  });

  test('providers: kind, breaker and the last errors', async (t) => {
    await open('/admin/providers');
    const flaky = await page.textContent('#provider-flaky') ?? '';
    assert.match(flaky, /breaker closed/);
    assert.match(flaky, /unavailable/);
    assert.match(flaky, /503/);
    assert.match(await page.textContent('#provider-console') ?? '', /console/);
    t.diagnostic(`screenshot: ${await shot('3-providers')}`);
  });

  test('Preview: generate, see the route, dry run, then a real send through the console provider', async (t) => {
    await open('/admin/preview');
    await page.waitForSelector('#plan-chain');
    await page.fill('#p-phone', '+447700900777');
    await page.fill('#p-login', 'preview.user@example.com');
    await page.selectOption('#p-type', 'password-reset');
    await page.click('#generate');
    await waitForText('#plan-rule', /uk/);
    const request = JSON.parse(await page.inputValue('#request-json'));
    assert.equal(request.requestType, 'com.okta.user.telephony.password-reset');
    assert.equal(request.data.messageProfile.phoneNumber, '+447700900777');
    assert.match(await page.textContent('#plan-chain') ?? '', /flaky.*rule chain #1.*console.*fallback #1/s);

    // An edit Okta's contract refuses shows its causes.
    const broken = structuredClone(request);
    delete broken.data.messageProfile.otpCode;
    await page.fill('#request-json', JSON.stringify(broken, null, 2));
    await page.click('#check');
    await page.waitForSelector('#request-problems .problems');
    assert.match(await page.textContent('#request-problems') ?? '', /data\.messageProfile\.otpCode is required/);
    await page.fill('#request-json', JSON.stringify(request, null, 2));

    const before = gw.rows().length;
    await page.click('#dry-run');
    await waitForText('#answer-head', /dry run/);
    assert.match(await page.textContent('#answer-json') ?? '', /"transactionId": "dry-run"/);
    assert.equal(gw.rows().length, before, 'a dry run records nothing');

    await page.click('#send-real');
    await page.waitForSelector('#confirm-send:not([hidden])');
    await page.click('#confirm-real');
    await waitForText('#answer-head', /sent for real/);
    const answer = await page.textContent('#answer-json') ?? '';
    assert.match(answer, /"status": "SUCCESSFUL"/);
    assert.match(answer, /"provider": "CONSOLE"/);
    assert.match(answer, /attempts=flaky:unavailable,console:ok/);
    const row = gw.rows().find((r) => r.event_id === request.eventId);
    assert.equal(row?.status, 'SUCCESSFUL');
    assert.equal(row?.preview, 1);
    t.diagnostic(`screenshot: ${await shot('4-preview')}`);
  });

  test('configuration: every secret redacted', async (t) => {
    await open('/admin/config');
    const html = await page.content();
    assert.match(html, /\[redacted\]/);
    for (const secret of [SECRET, ADMIN_TOKEN, ADMIN_PASSWORD, 'test-hash-key-0123456789']) assert.ok(!html.includes(secret));
    t.diagnostic(`screenshot: ${await shot('5-config')}`);
  });

  test('log out: the pages and the API are closed again', async (t) => {
    await Promise.all([page.waitForURL(`${gw.url}/admin/login`), page.click('#logout')]);
    await page.waitForSelector('#login-form');
    const res = await open('/admin/');
    assert.equal(res?.status(), 401);
    assert.ok(await page.isVisible('#login-form'));
    assert.equal((await page.request.get(`${gw.url}/admin/api/overview`)).status(), 401);
    assert.deepEqual(problems, [], 'no script error, no CSP violation, nothing fetched from outside');
    t.diagnostic(`screenshots written to ${SHOTS}`);
  });
});
