// The admin page at phone widths (360 and 390 px) and at 1,440 px in Chromium: no page wider than
// the screen, the navigation reaches every page, the Deliveries table fits its card; an expired
// session goes to the login page and back; a failed API call shows what failed and a retry; a
// loading state stands in for a blank page. Screenshots go to $BYOT_SCREENSHOTS or
// <tmp>/byot-admin-screenshots, named layout-<width>-<page>.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { fakeProvider } from '../support/fake-provider.js';
import { ProviderError } from '../../src/providers/types.js';
import { startAdminGateway } from './support.js';
import { SHOTS, launchChromium, logIn, skip } from './browser-support.js';
import { ADMIN_PAGES } from '../../src/admin/ui/page-list.js';

describe('the admin page at phone and desktop widths', { skip }, () => {
  let gw: TestGateway;
  let browser: Browser;

  before(async () => {
    gw = await startAdminGateway({
      adapters: new Map([['steady', fakeProvider('steady')], ['flaky', fakeProvider('flaky', new ProviderError('unavailable', 'HTTP 503', { providerCode: '503' }))]]),
      yaml: 'providers:\n  steady: { kind: console }\n  flaky: { kind: console }\nrouting:\n  default: [flaky, steady]',
    });
    for (const [phone, channel] of [['+12025550143', 'SMS'], ['+447700900123', 'voice call'], ['+33612345678', 'SMS'], ['123', 'SMS']] as const) {
      const body = oktaRequest({ phoneNumber: phone, deliveryChannel: channel, preview: false, requestType: 'com.okta.user.telephony.mfa-verification' });
      body.data.userProfile.login = 'a.rather.long.login.name@example.com';
      await gw.hook(body);
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  const newPage = async (width: number): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1 });
    return context.newPage();
  };
  const ready = (page: Page) => page.waitForSelector('body[data-ready="1"]');
  /** How far the page is wider than the screen, in CSS pixels (0 when it fits). */
  const overflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

  for (const width of [360, 390, 1440]) {
    test(`${width} px: every page fits the screen and the navigation reaches every page`, async (t) => {
      const page = await newPage(width);
      await page.goto(`${gw.url}/admin/login`);
      await logIn(page);
      await page.waitForURL(`${gw.url}/admin/`);
      await ready(page);
      for (const { id: name, path: under, title } of ADMIN_PAGES) {
        const path = `/admin${under}`;
        // Through the navigation, as a person would: each link is there, readable and clickable.
        const link = page.locator('header nav a', { hasText: new RegExp(`^${title}$`) });
        await link.scrollIntoViewIfNeeded();
        const box = await link.boundingBox();
        assert.ok(box && box.width >= 40 && box.height >= 24, `${width} px: the ${name} link is ${JSON.stringify(box)}`);
        await Promise.all([page.waitForURL(`${gw.url}${path}`), link.click()]);
        await ready(page);
        assert.equal(await page.locator('#failure').count(), 0, `${name} loaded`);
        assert.ok(await overflow(page) <= 0, `${width} px: ${name} is ${await overflow(page)} px wider than the screen`);
        const file = join(SHOTS, `layout-${width}-${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        t.diagnostic(`screenshot: ${file}`);
      }
      // The Deliveries table fits its card at desktop width; on a phone it scrolls inside the card.
      await page.goto(`${gw.url}/admin/deliveries`);
      await ready(page);
      const fit = await page.evaluate(`(() => { const t = document.querySelector('table.deliveries'); const c = t.closest('.card');
        return { table: t.getBoundingClientRect().width, card: c.clientWidth, scrolls: c.scrollWidth > c.clientWidth }; })()`) as { table: number; card: number; scrolls: boolean };
      if (width >= 1440) assert.ok(fit.table <= fit.card, `the Deliveries table (${fit.table} px) fits its card (${fit.card} px)`);
      assert.ok(await overflow(page) <= 0);
      await page.context().close();
    });
  }

  test('an expired session goes to the login page, and back to the same page after logging in', async () => {
    const page = await newPage(390);
    await page.goto(`${gw.url}/admin/deliveries?status=FAILED`);
    await logIn(page);
    await ready(page);
    await page.context().clearCookies();
    // The page is still open; its next API call is refused: no dead page, the login instead.
    await Promise.all([page.waitForURL(/\/admin\/login\?next=/), page.click('#search')]);
    assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/deliveries?status=FAILED');
    await page.waitForSelector('#login-form');
    await logIn(page);
    await page.waitForURL(`${gw.url}/admin/deliveries?status=FAILED`);
    await ready(page);
    assert.equal(await page.inputValue('#f-status'), 'FAILED');
    await page.context().close();
  });

  test('Deliveries refuses a From date after the To date without asking the server', async () => {
    const page = await newPage(390);
    await page.goto(`${gw.url}/admin/deliveries`);
    await logIn(page);
    await ready(page);
    let asked = 0;
    page.on('request', (r) => { if (r.url().endsWith('/admin/api/deliveries')) asked++; });
    await page.fill('#f-from', '2026-12-05');
    await page.fill('#f-to', '2026-12-01');
    await page.click('#search');
    await page.waitForSelector('#date-problem:not([hidden])');
    assert.match(await page.textContent('#date-problem') ?? '', /From date is after the To date/);
    assert.equal(asked, 0);
    await page.fill('#f-to', '2026-12-06');
    await page.click('#search');
    await page.waitForSelector('#date-problem', { state: 'hidden' });
    await page.context().close();
  });

  test('a failed API call shows what failed and a retry; a slow one shows a loading state', async () => {
    const page = await newPage(1440);
    await page.goto(`${gw.url}/admin/login`);
    await logIn(page);
    await page.waitForURL(`${gw.url}/admin/`);
    await ready(page);

    let fail = true;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/admin/api/providers', async (route) => {
      if (fail) {
        fail = false;
        return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'Service Unavailable' }) });
      }
      await held;
      return route.continue();
    });
    await page.goto(`${gw.url}/admin/providers`);
    await page.waitForSelector('#failure');
    assert.match(await page.textContent('#failure') ?? '', /Could not load this page: Service Unavailable/);
    await page.click('#retry');
    // The retried call is held: the page says it is loading rather than going blank.
    await page.waitForSelector('#loading');
    assert.match(await page.textContent('#loading') ?? '', /Loading providers/);
    assert.equal(await page.getAttribute('main', 'aria-busy'), 'true');
    release();
    await page.waitForSelector('#provider-flaky');
    assert.equal(await page.locator('#failure').count(), 0);
    assert.equal(await page.getAttribute('main', 'aria-busy'), null);
    await page.context().close();
  });
});
