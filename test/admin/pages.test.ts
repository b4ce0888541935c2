// Issue 15 items 9–11 in Chromium at a phone width (360 px) and at 1,440 px: the Deliveries filters,
// total, CSV export and times with their zone (and the UTC switch that persists); the Overview's
// periods, buckets, units, latest values, 30-second refresh (the page's clock is moved, nothing
// waits) and custom range; the Preview's guard verdict, texts, confirmation before a real send and
// the answer cleared for an invalid request. Screenshots: items-<width>-<page>.png in SHOTS.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { fakeProvider } from '../support/fake-provider.js';
import { ProviderError } from '../../src/providers/types.js';
import { maskPhone } from '../../src/core/mask.js';
import { FLAKY_STEADY_YAML, startAdminGateway } from './support.js';
import { SHOTS, launchChromium, logIn, skip } from './browser-support.js';

/** The zone the browser is put in, and the short names it has in winter and summer. */
const ZONE = 'Europe/Paris';
const ZONE_NAME = /CES?T$/;

describe('Deliveries, Overview and Preview in a browser at 360 and 1,440 px', { skip }, () => {
  let gw: TestGateway;
  let browser: Browser;
  let seq = 0;

  /** A refused call, as the hook records one. */
  const blocked = async (rule: string) => {
    const eventId = `blocked-${++seq}`;
    await gw.gateway.store.claim({ eventId, receivedAt: Date.now(), requestType: 'mfa-verification', channel: 'sms', phoneMasked: maskPhone('+4915112345678'),
      phoneHash: 'x', country: 'DE', userId: '00uBLOCKED', login: 'mallory@example.com', locale: 'en', preview: false });
    await gw.gateway.store.complete(eventId, { status: 'FAILED', reason: 'blocked', blockedBy: rule, attempts: [], latencyMs: 2, answer: { error: { errorSummary: 'x', errorCauses: [] } } });
  };
  const hook = async (phone: string, channel: string, login: string, type = 'mfa-verification') => {
    const body = oktaRequest({ phoneNumber: phone, deliveryChannel: channel, preview: false, requestType: `com.okta.user.telephony.${type}` });
    body.data.userProfile.login = login;
    await gw.hook(body);
  };

  before(async () => {
    gw = await startAdminGateway({
      adapters: new Map([['steady', fakeProvider('steady')], ['flaky', fakeProvider('flaky', new ProviderError('unavailable', 'HTTP 503', { providerCode: '503' }))]]),
      yaml: FLAKY_STEADY_YAML,
    });
    await hook('+12025550143', 'SMS', 'Jane.Doe@example.com');
    await hook('+447700900123', 'SMS', 'jane.doe@example.com');
    await hook('+12025550144', 'voice call', 'omar@example.com', 'password-reset');
    await hook('+33612345678', 'SMS', 'ana@example.com');
    await blocked('velocity.phone');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  const open = async (width: number, path: string, opts: { clock?: boolean } = {}): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1, timezoneId: ZONE, locale: 'en-GB', acceptDownloads: true });
    const page = await context.newPage();
    // The page's timers, moved by the test: the 30-second refresh is run without waiting for it.
    if (opts.clock) await page.clock.install();
    await page.goto(`${gw.url}/admin/login?next=${encodeURIComponent(path)}`);
    await logIn(page);
    await page.waitForURL(`${gw.url}${path}`);
    await page.waitForSelector('body[data-ready="1"]');
    return page;
  };
  const shot = async (page: Page, name: string) => {
    const file = join(SHOTS, name);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  const count = (page: Page) => page.textContent('#result-count');
  const search = async (page: Page, fill: Record<string, string>, expected: RegExp) => {
    await page.click('#search-form button:text("Clear")');
    await page.locator('#result-count', { hasText: /\d+ calls?$/ }).waitFor();
    for (const [id, value] of Object.entries(fill)) {
      if (await page.locator(`select#f-${id}`).count()) await page.selectOption(`#f-${id}`, value);
      else await page.fill(`#f-${id}`, value);
    }
    await page.click('#search');
    await page.locator('#result-count', { hasText: expected }).waitFor({ timeout: 5_000 }).catch(async (err: Error) => {
      throw new Error(`${JSON.stringify(fill)}: expected ${expected}, the page says ${await count(page)} (${err.message.split('\n')[0]})`);
    });
  };

  for (const width of [360, 1440]) {
    test(`${width} px Deliveries: every filter, the total, times with their zone and a UTC switch that stays, a CSV export`, async (t) => {
      const page = await open(width, '/admin/deliveries');
      const all = gw.rows().length;
      assert.equal(await count(page), `${all} calls`);
      await search(page, { user: 'JANE.DOE@' }, /^2 calls$/);
      const steady = gw.rows().filter((r) => r.provider === 'steady').length;
      assert.ok(steady >= 3);
      await search(page, { provider: 'steady' }, new RegExp(`^${steady} calls$`));
      const gb = gw.rows().filter((r) => r.country === 'GB').length;
      await search(page, { country: 'gb' }, new RegExp(`^${gb} calls?$`));
      await search(page, { channel: 'voice' }, /^1 call$/);
      await search(page, { requestType: 'password-reset' }, /^1 call$/);
      await search(page, { rule: 'velocity.phone' }, /^1 call$/);
      assert.match(await page.textContent('tr.row') ?? '', /mallory@example\.com/);
      await search(page, { eventId: 'blocked-1', status: 'FAILED' }, /^1 call$/);
      await search(page, { status: 'FAILED', country: 'FR' }, /^1 call$/);
      await search(page, { status: 'SUCCESSFUL', country: 'FR' }, /^No call matches\.$/);

      // A bad value is refused with the server's words beside the form.
      await page.fill('#f-provider', 'no such provider!');
      await page.click('#search');
      await page.waitForSelector('#search-problem:not([hidden])');
      assert.match(await page.textContent('#search-problem') ?? '', /^invalid search: provider — expected letters, digits/);
      await page.click('#export');
      await page.waitForSelector('#search-problem:not([hidden])');
      assert.equal(await page.textContent('#export-note'), '', 'nothing exported');

      await search(page, {}, new RegExp(`^${all} calls$`));
      const received = async () => (await page.locator('tr.row td').first().textContent()) ?? '';
      assert.match(await received(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CES?T$/);
      assert.match(await received(), ZONE_NAME);
      await page.check('#utc-switch');
      await page.locator('tr.row td', { hasText: / UTC$/ }).first().waitFor();
      const local = Date.now();
      await page.reload();
      await page.waitForSelector('body[data-ready="1"]');
      assert.ok(await page.isChecked('#utc-switch'), 'the choice survives a reload (localStorage)');
      assert.match(await received(), / UTC$/);
      const hourUtc = Number((await received()).slice(11, 13));
      assert.ok([new Date(local).getUTCHours(), (new Date(local).getUTCHours() + 23) % 24].includes(hourUtc), 'the hour is the UTC hour');
      await page.uncheck('#utc-switch');
      await page.locator('tr.row td', { hasText: ZONE_NAME }).first().waitFor();

      await search(page, { user: 'jane' }, /^2 calls$/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
      assert.match(download.suggestedFilename(), /^deliveries-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
      assert.equal(csv.length, 3, 'the header and the two rows of the current search');
      assert.ok(csv.slice(1).every((l) => /jane\.doe@example\.com/i.test(l) && /'\+\d+\*+\d+/.test(l)), csv.join('\n'));
      assert.ok(!csv.join('').includes('7700900123') && !csv.join('').includes('2025550143'), 'masked numbers only');
      await page.locator('#export-note', { hasText: /Exported 2 calls/ }).waitFor();
      t.diagnostic(`screenshot: ${await shot(page, `items-${width}-deliveries.png`)}`);
      await page.context().close();
    });

    test(`${width} px Overview: buckets that fit the period, units, latest values, a 30 s refresh, a custom range`, async (t) => {
      const page = await open(width, '/admin/?range=3h', { clock: true });
      assert.equal(await page.getAttribute('#ranges button.on', 'data-range'), '3h');
      assert.match(await page.textContent('#period-text') ?? '', /last 3 hours.*per 1 min/);
      assert.match(await page.textContent('#unit-volume-channel') ?? '', /^calls per 1 min · time in CES?T$/);
      assert.match(await page.textContent('#unit-rate-provider') ?? '', /success rate per 1 min, %/);
      for (const id of ['volume-provider', 'rate-provider', 'volume-channel', 'rate-channel']) {
        assert.equal(await page.locator(`#chart-${id} canvas`).count(), 1, `${id} is drawn`);
      }
      const executions = gw.rows().filter((r) => r.state === 'done').length;
      assert.equal(await page.textContent('#stat-executions .value'), String(executions));
      // Readable without hovering: each line's latest value beside its chart.
      assert.match(await page.textContent('#latest-volume-channel') ?? '', /SMS \d+ in the 1 min from \d{4}-\d{2}-\d{2} \d{2}:\d{2}:00 CES?T/);
      assert.match(await page.textContent('#latest-rate-provider') ?? '', /steady 100\.0%/);
      assert.equal(await page.getAttribute('#refresh', 'data-refresh-ms'), '30000');

      await page.click('#ranges button[data-range="24h"]');
      await page.locator('#period-text', { hasText: /last 24 hours.*per hour/ }).waitFor();
      await page.click('#ranges button[data-range="12h"]');
      await page.locator('#period-text', { hasText: /last 12 hours.*per 5 min/ }).waitFor();

      // A new call, then 30 s on the page's clock: the figures follow without a reload.
      await blocked('countries.sms');
      await page.clock.runFor(30_000);
      await page.locator('#stat-executions .value', { hasText: new RegExp(`^${executions + 1}$`) }).waitFor();
      assert.match(await page.textContent('#blocks') ?? '', /countries\.sms/);

      const value = (ms: number) => new Date(ms + 3_600_000 * (new Date(ms).getMonth() >= 3 && new Date(ms).getMonth() < 10 ? 2 : 1)).toISOString().slice(0, 16);
      await page.fill('#range-from', value(Date.now()));
      await page.fill('#range-to', value(Date.now() - 3_600_000));
      await page.click('#range-apply');
      await page.waitForSelector('#range-problem:not([hidden])');
      assert.match(await page.textContent('#range-problem') ?? '', /not before the To time/);
      await page.fill('#range-from', value(Date.now() - 2 * 3_600_000));
      await page.fill('#range-to', value(Date.now() + 3_600_000));
      await Promise.all([page.waitForURL(/\?from=\d+&to=\d+$/), page.click('#range-apply')]);
      await page.locator('#period-text', { hasText: /from \d{4}-.* to \d{4}-.*per 1 min/ }).waitFor();
      assert.equal(await page.textContent('#stat-executions .value'), String(executions + 1));
      t.diagnostic(`screenshot: ${await shot(page, `items-${width}-overview.png`)}`);
      await page.context().close();
    });

    test(`${width} px Preview: the guard's verdict, the exact text, a confirmation before a real send, the answer cleared for an invalid request`, async (t) => {
      const page = await open(width, '/admin/preview');
      await page.waitForSelector('#plan-chain');
      await page.selectOption('#p-channel', 'voice');
      await page.fill('#p-phone', '+33612345678');
      await page.click('#generate');
      await page.locator('#plan-guard', { hasText: /refused/ }).waitFor();
      assert.match(await page.textContent('#plan-guard') ?? '', /countries\.voice.*velocity limits are counted only when a code is sent/);
      assert.match(await page.textContent('#plan-refused') ?? '', /Refused by the guard \(countries\.voice\)/);

      await page.selectOption('#p-channel', 'sms');
      await page.fill('#p-phone', '+447700900777');
      await page.click('#generate');
      await page.locator('#plan-guard', { hasText: /allowed/ }).waitFor();
      const request = JSON.parse(await page.inputValue('#request-json'));
      const code: string = request.data.messageProfile.otpCode;
      const texts = await page.textContent('#plan-texts') ?? '';
      assert.match(texts, /What the SMS would say/);
      assert.ok(texts.includes(code), `the text carries the request's code: ${texts}`);

      const before = gw.rows().length;
      await page.click('#send-real');
      await page.waitForSelector('#confirm-send:not([hidden])');
      assert.match(await page.textContent('#confirm-send') ?? '', /sends an SMS with the code to \+447700900777 through flaky → steady/);
      assert.equal(gw.rows().length, before, 'nothing is sent before the confirmation');
      t.diagnostic(`screenshot: ${await shot(page, `items-${width}-preview-confirm.png`)}`);
      await page.click('#cancel-real');
      await page.waitForSelector('#confirm-send', { state: 'hidden' });
      assert.equal(gw.rows().length, before, 'nor after cancelling');
      await page.click('#send-real');
      await page.click('#confirm-real');
      await page.locator('#answer-head', { hasText: /sent for real/ }).waitFor();
      assert.equal(gw.rows().length, before + 1);
      t.diagnostic(`screenshot: ${await shot(page, `items-${width}-preview.png`)}`);

      // An edit that is not a valid request: the answer shown was the previous request's, so it goes.
      await page.fill('#request-json', '{ "not": "a request"');
      await page.waitForSelector('#no-answer');
      assert.equal(await page.locator('#answer-json').count(), 0);
      await page.fill('#request-json', JSON.stringify({ eventType: 'com.okta.telephony.provider' }));
      await page.locator('#no-answer', { hasText: /would refuse this request/ }).waitFor();
      await page.context().close();
    });
  }
});
