// What the browser tests share: Debian's Chromium through playwright-core (skipped, saying why, when
// it is missing), where screenshots go, and logging in through the login form.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, ADMIN_USER } from './support.js';

export const CHROMIUM = process.env.BYOT_CHROMIUM ?? '/usr/bin/chromium';
export const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set BYOT_CHROMIUM to a Chromium binary`;
/** Screenshots for review: $BYOT_SCREENSHOTS or <tmp>/byot-admin-screenshots. */
export const SHOTS = process.env.BYOT_SCREENSHOTS ?? join(tmpdir(), 'byot-admin-screenshots');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export async function logIn(page: Page): Promise<void> {
  await page.fill('#username', ADMIN_USER);
  await page.fill('#password', ADMIN_PASSWORD);
  await page.click('#login');
}
