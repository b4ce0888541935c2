// Roles, the Blocks and Audit pages, and accessibility, in a real browser (Debian's Chromium
// through playwright-core) at phone (360 and 390 px) and desktop (1,440 px) widths: an admin lifts
// a conversion block after confirming, and the lift is in the Audit page; a read-only login cannot
// send for real or lift; a skip link, visible focus rings, scoped headers, aria-expanded rows,
// aria-pressed toggles, a table under each chart, and a dark mode that follows the system setting.
// Screenshots go to $BYOT_SCREENSHOTS or <tmp>/byot-admin-screenshots, named a11y-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { CONVERSION_GUARD_YAML, blockPrefix, hookStatus } from '../support/conversion.js';
import { ADMIN_PASSWORD, ADMIN_USER } from './support.js';

const CHROMIUM = process.env.BYOT_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install Debian's chromium package or set BYOT_CHROMIUM`;
const SHOTS = process.env.BYOT_SCREENSHOTS ?? join(tmpdir(), 'byot-admin-screenshots');
const VIEWER = 'bob';
const VIEWER_PASSWORD = 'bobs-own-long-password';

/** Relative luminance (0 black … 1 white) of a CSS `rgb(…)` colour. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

describe('roles, blocks, audit and accessibility in a browser', { skip }, () => {
  let gw: TestGateway;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gw = await startGateway({
      yaml: [
        'providers:\n  console: { kind: console }',
        'admin:',
        '  users:',
        `    - { username: ${ADMIN_USER}, password: "\${ADMIN_PW}" }`,
        `    - { username: ${VIEWER}, password: "\${VIEWER_PW}", role: viewer }`,
        CONVERSION_GUARD_YAML,
      ].join('\n'),
      env: { ADMIN_PW: ADMIN_PASSWORD, VIEWER_PW: VIEWER_PASSWORD },
    });
    // One prefix whose ten codes are never used: blocked.
    assert.equal(hookStatus(await blockPrefix(gw)), 'FAILED', 'the prefix is blocked');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** A logged-in page at `width`, with the system's colour scheme set to `scheme`. */
  const session = async (width: number, user = ADMIN_USER, password = ADMIN_PASSWORD, scheme: 'light' | 'dark' = 'light'): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, colorScheme: scheme });
    const page = await context.newPage();
    // The login page asks for the session first: its 401 is expected.
    page.on('console', (m) => { if (m.type() === 'error' && !/401/.test(m.text())) problems.push(`${width} px console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`${width} px page error: ${e.message}`));
    await page.goto(`${gw.url}/admin/login`);
    await page.fill('#username', user);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(`${gw.url}/admin/`), page.click('#login')]);
    await ready(page);
    return page;
  };
  const ready = (page: Page) => page.waitForSelector('body[data-ready="1"]');
  const open = async (page: Page, path: string) => {
    await page.goto(gw.url + path);
    await ready(page);
  };
  const shot = async (page: Page, name: string): Promise<string> => {
    const file = join(SHOTS, `a11y-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  const overflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

  test('360 px: the Blocks page shows the block with its evidence; Lift asks to confirm, and Cancel leaves it', async (t) => {
    const page = await session(360);
    await open(page, '/admin/blocks');
    const row = page.locator('#blocks-table tbody tr');
    assert.equal(await row.count(), 1);
    const cells = (await row.locator('td').allTextContents()).map((c) => c.trim());
    assert.equal(cells[0], 'conversion.prefix.4');
    assert.match(cells[1]!, /^\+1415555xxxx\s*US · SMS$/);
    assert.equal(cells[2], 'enforce');
    assert.deepEqual(cells.slice(3, 6), ['10', '0', '1 h'], 'sends, verified, window');
    assert.match(cells[6]!, /^60\.0%/, 'baseline');
    assert.match(cells[9]!, /active/);
    assert.ok(!(await page.content()).includes('4155550110'), 'no number on the page');

    await page.click('#blocks-table button.lift');
    assert.match(await page.textContent('#blocks-table .confirm-text') ?? '', /Lift the block on \+1415555xxxx\?/);
    assert.equal(await page.evaluate('document.activeElement.className'), 'danger confirm-lift', 'the focus is on the confirmation');
    t.diagnostic(`screenshot: ${await shot(page, '360-blocks-confirm')}`);
    await page.click('#blocks-table button.cancel-lift');
    assert.equal(await page.locator('#blocks-table button.lift').count(), 1);
    assert.equal((await gw.gateway.guard.blocks())[0]?.lifted, undefined, 'nothing was lifted');
    assert.ok(await overflow(page) <= 0, 'the page fits the screen; the table scrolls in its card');
    await page.context().close();
  });

  test('390 px: a read-only login cannot send for real or lift; it sees every page and runs dry', async (t) => {
    const page = await session(390, VIEWER, VIEWER_PASSWORD);
    assert.equal(await page.textContent('#role'), 'read-only');
    await open(page, '/admin/preview');
    await page.waitForSelector('#plan-chain');
    assert.equal(await page.isDisabled('#send-real'), true);
    assert.match(await page.textContent('main') ?? '', /read-only: dry runs only/);
    await page.click('#dry-run');
    await page.locator('#answer-head', { hasText: /dry run/ }).waitFor();
    assert.equal(await page.isDisabled('#send-real'), true, 'still off after a run');
    t.diagnostic(`screenshot: ${await shot(page, '390-readonly-preview')}`);
    await open(page, '/admin/blocks');
    assert.equal(await page.locator('#blocks-table tbody tr').count(), 1, 'the block is shown');
    assert.equal(await page.locator('button.lift').count(), 0, 'without a Lift button');
    assert.ok(await page.isVisible('#read-only-note'));
    t.diagnostic(`screenshot: ${await shot(page, '390-readonly-blocks')}`);
    await page.context().close();
  });

  test('1,440 px: an admin lifts the block after confirming; it shows as lifted, and the Audit page has it', async (t) => {
    const page = await session(1440);
    await open(page, '/admin/blocks');
    await page.click('#blocks-table button.lift');
    await page.click('#blocks-table button.confirm-lift');
    await page.locator('#blocks-status', { hasText: /Lifted \+1415555xxxx/ }).waitFor();
    const state = await page.textContent('#blocks-table tbody tr td:last-child') ?? '';
    assert.match(state, /lifted/);
    assert.match(state, new RegExp(`by ${ADMIN_USER}`));
    assert.equal((await gw.gateway.guard.blocks())[0]?.lifted?.by, ADMIN_USER);
    t.diagnostic(`screenshot: ${await shot(page, '1440-blocks-lifted')}`);

    await open(page, '/admin/audit');
    const rows = (await page.locator('#audit-table tbody tr').allTextContents()).map((r) => r.replace(/\s+/g, ' '));
    assert.match(rows[0]!, new RegExp(`${ADMIN_USER}.*lifted a block.*127\\.0\\.0\\.1.*conversion\\.prefix\\.4 \\+1415555xxxx \\(US sms\\)`));
    assert.ok(rows.some((r) => new RegExp(`${VIEWER}.*logged in.*role read-only`).test(r)), 'the read-only login is audited');
    assert.ok(rows.some((r) => /login failed/.test(r)) === false, 'no failed login happened');
    t.diagnostic(`screenshot: ${await shot(page, '1440-audit')}`);
    await page.context().close();
  });

  test('360 px: the Audit page fits the screen', async (t) => {
    const page = await session(360);
    await open(page, '/admin/audit');
    assert.ok(await page.locator('#audit-table tbody tr').count() >= 3);
    assert.ok(await overflow(page) <= 0);
    t.diagnostic(`screenshot: ${await shot(page, '360-audit')}`);
    await page.context().close();
  });

  for (const width of [360, 1440]) {
    test(`${width} px: skip link, focus ring, scoped headers, aria-pressed, a table under each chart, aria-expanded rows`, async (t) => {
      const page = await session(width);
      // The first Tab reaches the skip link, shown with a visible ring; Enter moves the focus to the page.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.id'), 'skip');
      const box = await page.locator('#skip').boundingBox();
      assert.ok(box && box.y >= 0 && box.height > 20, `the focused skip link is on screen: ${JSON.stringify(box)}`);
      const ring = await page.evaluate(`(() => { const s = getComputedStyle(document.activeElement); return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) }; })()`) as { style: string; width: number };
      assert.equal(ring.style, 'solid');
      assert.ok(ring.width >= 2, `a ${ring.width} px ring`);
      t.diagnostic(`screenshot: ${await shot(page, `${width}-skip-link`)}`);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement.id'), 'page-overview');
      // The next Tab goes on from the page, not back to the header.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.closest("main") !== null'), true);
      const buttonRing = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
      assert.equal(buttonRing, 'solid', 'every focusable thing shows its ring');

      assert.deepEqual(await page.locator('#ranges button').evaluateAll((bs) => bs.map((b) => [b.getAttribute('data-range'), b.getAttribute('aria-pressed')])),
        [['1h', 'false'], ['3h', 'false'], ['12h', 'false'], ['24h', 'false'], ['7d', 'false'], ['30d', 'true'], ['90d', 'false']],
        'the 30-day period is the pressed one');
      for (const id of ['chart-volume-provider', 'chart-rate-provider', 'chart-volume-channel', 'chart-rate-channel']) {
        const chart = page.locator(`#${id}`);
        assert.equal(await chart.locator('.uplot').getAttribute('aria-hidden'), 'true', `${id}: the canvas is hidden from screen readers`);
        const summary = chart.locator('details.chart-table summary');
        await summary.click();
        const cells = await chart.locator('details.chart-table tbody tr:first-child td').allTextContents();
        assert.ok(cells.length >= 2, `${id} has a table of its figures`);
        assert.match(cells[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$/, 'a period starts at a time with its zone');
      }
      // The volume table adds up to the calls the test made.
      const volume = await page.locator('#chart-volume-channel details.chart-table tbody td:not(:first-child)').allTextContents();
      assert.equal(volume.reduce((n, v) => n + Number(v), 0), gw.rows().length);
      t.diagnostic(`screenshot: ${await shot(page, `${width}-overview-chart-tables`)}`);

      for (const path of ['/admin/', '/admin/deliveries', '/admin/providers', '/admin/preview', '/admin/blocks', '/admin/audit']) {
        await open(page, path);
        // uPlot's legend is hidden from screen readers with its chart (the table under it stands in).
        const unscoped = await page.locator('main th:not([scope]):not([aria-hidden="true"] th)').count();
        const scoped = await page.locator('main th[scope="col"]').count();
        assert.ok(scoped > 0, `${path} has column headers`);
        assert.equal(unscoped, 0, `${path}: every header of the page's tables has a scope`);
      }

      await open(page, '/admin/deliveries');
      const row = page.locator('tr.row').first();
      assert.equal(await row.getAttribute('aria-expanded'), 'false');
      const detail = page.locator(`#${await row.getAttribute('aria-controls')}`);
      await row.focus();
      await page.keyboard.press('Enter');
      assert.equal(await row.getAttribute('aria-expanded'), 'true');
      assert.ok(await detail.isVisible(), 'aria-controls names the detail it opened');
      await page.keyboard.press('Enter');
      assert.equal(await row.getAttribute('aria-expanded'), 'false');
      assert.ok(!(await detail.isVisible()));
      await page.context().close();
    });
  }

  for (const width of [360, 1440]) {
    test(`${width} px: dark mode follows the system setting; light stays light`, async (t) => {
      const login = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: 'dark' });
      const loginPage = await login.newPage();
      await loginPage.goto(`${gw.url}/admin/login`);
      await loginPage.waitForSelector('#login-form');
      const loginCard = await loginPage.evaluate(`getComputedStyle(document.querySelector('.login-card')).backgroundColor`) as string;
      assert.ok(luminance(loginCard) < 0.05, `the login form is dark too: ${loginCard}`);
      t.diagnostic(`screenshot: ${await shot(loginPage, `${width}-dark-login`)}`);
      await login.close();

      const dark = await session(width, ADMIN_USER, ADMIN_PASSWORD, 'dark');
      const colours = (page: Page) => page.evaluate(`(() => { const c = (s) => getComputedStyle(document.querySelector(s));
        return { body: c('html').backgroundColor, card: c('.card').backgroundColor, text: c('main').color }; })()`) as Promise<Record<string, string>>;
      const d = await colours(dark);
      assert.ok(luminance(d.body!) < 0.05, `dark background: ${d.body}`);
      assert.ok(luminance(d.card!) < 0.05, `dark cards: ${d.card}`);
      assert.ok(luminance(d.text!) > 0.6, `light text: ${d.text}`);
      t.diagnostic(`screenshot: ${await shot(dark, `${width}-dark-overview`)}`);
      for (const [name, path] of [['deliveries', '/admin/deliveries'], ['preview', '/admin/preview'], ['blocks', '/admin/blocks'], ['audit', '/admin/audit']] as const) {
        await open(dark, path);
        // A control where the page has one (a lifted block leaves the Blocks page none), else its card.
        const field = await dark.evaluate(`getComputedStyle(document.querySelector('main input, main textarea, main button') ?? document.querySelector('main .card')).backgroundColor`) as string;
        assert.ok(luminance(field) < 0.2, `${name}: controls and cards are dark too (${field})`);
        t.diagnostic(`screenshot: ${await shot(dark, `${width}-dark-${name}`)}`);
      }
      await dark.context().close();

      const light = await session(width);
      const l = await colours(light);
      assert.ok(luminance(l.body!) > 0.8, `light background: ${l.body}`);
      assert.ok(luminance(l.text!) < 0.1, `dark text: ${l.text}`);
      await light.context().close();
    });
  }

  test('no script error, no CSP violation', () => {
    assert.deepEqual(problems, []);
  });
});
