// The admin front end: asks who is logged in, then draws the page the server named in
// <body data-page>, or the login form. Each page is its own URL; links are plain links.
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { api, ApiError, onSessionExpired, setCsrf } from './api.js';
import { h, replace } from './dom.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { deliveriesPage } from './pages/deliveries.js';
import { providersPage } from './pages/providers.js';
import { previewPage } from './pages/preview.js';
import { configPage } from './pages/config.js';
import { blocksPage } from './pages/blocks.js';
import { auditPage } from './pages/audit.js';
import { ADMIN_PAGES } from './page-list.js';

/** @typedef {(main: HTMLElement) => Promise<void>} Page */

/**
 * How each page of the list is drawn; the type makes a page without a drawing a build error.
 * @type {Record<import('./page-list.js').AdminPageId, Page>}
 */
const DRAW = {
  overview: overviewPage,
  deliveries: deliveriesPage,
  providers: providersPage,
  preview: previewPage,
  blocks: blocksPage,
  audit: auditPage,
  config: configPage,
};

/** @type {{ id: string, path: string, title: string, draw: Page }[]} */
const PAGES = ADMIN_PAGES.map((p) => ({ id: p.id, path: `/admin${p.path}`, title: p.title, draw: DRAW[p.id] }));

async function start() {
  const root = document.getElementById('app');
  if (!root) return;
  const pageId = document.body.dataset.page ?? 'overview';
  /** @type {{ user: string, role: string, via: string, csrfToken?: string } | undefined} */
  let session;
  try {
    session = await api('/admin/api/session');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) {
      replace(root, h('p', { class: 'fatal' }, `The admin API did not answer: ${String(err instanceof Error ? err.message : err)}`));
      return;
    }
  }
  if (!session) {
    document.title = 'Log in · byot-gateway';
    replace(root, loginPage((user) => {
      // Back to the page that was asked for (or that the expired session was on), now with the session cookie.
      if (location.pathname.replace(/\/+$/, '') === '/admin/login') location.assign(returnPath());
      else location.reload();
      return user;
    }));
    return;
  }
  setCsrf(session.csrfToken);
  document.body.dataset.role = session.role;
  if (pageId === 'login') {
    location.replace(returnPath());
    return;
  }
  // A session that ends while the page is open: to the login page, and back here after it.
  onSessionExpired(() => {
    onSessionExpired(undefined);
    location.assign(`/admin/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  });
  const page = PAGES.find((p) => p.id === pageId) ?? PAGES[0];
  if (!page) return;
  document.title = `${page.title} · byot-gateway admin`;
  // tabindex -1: the skip link moves the keyboard focus here, not only the scroll position.
  const main = h('main', { class: 'page', id: `page-${page.id}`, tabindex: -1, 'aria-busy': 'true' });
  const skip = h('a', { class: 'skip', id: 'skip', href: `#${main.id}` }, 'Skip to content');
  replace(root, skip, header(page.id, session.user, session.role, session.via), main);
  await draw(page, main);
  // A failure in something the page started later (a search, a send) is shown the same way.
  window.addEventListener('unhandledrejection', (e) => {
    if (e.reason instanceof ApiError && e.reason.status === 401) return;
    e.preventDefault();
    main.prepend(failure(e.reason, () => { void draw(page, main); }));
  });
  document.body.dataset.ready = '1';
}

/**
 * Draws a page: a loading state until its data is there, or what failed and a retry.
 * @param {{ title: string, draw: Page }} page
 * @param {HTMLElement} main
 */
async function draw(page, main) {
  main.setAttribute('aria-busy', 'true');
  replace(main, h('p', { class: 'loading', role: 'status', id: 'loading' }, `Loading ${page.title.toLowerCase()}…`));
  try {
    await page.draw(main);
  } catch (err) {
    // An expired session has already sent the browser to the login page.
    if (err instanceof ApiError && err.status === 401) return;
    replace(main, failure(err, () => { void draw(page, main); }));
  } finally {
    main.removeAttribute('aria-busy');
  }
}

/**
 * @param {unknown} err
 * @param {() => void} retry
 */
function failure(err, retry) {
  const box = h('div', { class: 'failure', role: 'alert', id: 'failure' },
    h('p', null, h('strong', null, 'Could not load this page: '), err instanceof Error ? err.message : String(err)),
    h('button', { type: 'button', class: 'secondary', id: 'retry', onclick: () => { box.remove(); retry(); } }, 'Retry'));
  return box;
}

/** Where to go after logging in: the `next` page (an admin path only), else the Overview. */
function returnPath() {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  return /^\/admin\/(?!\/)[^\\]*$/.test(next) && !next.startsWith('/admin/login') ? next : '/admin/';
}

/**
 * @param {string} current
 * @param {string} user
 * @param {string} role
 * @param {string} via
 */
function header(current, user, role, via) {
  const logout = async () => {
    try {
      await api('/admin/logout', {});
    } finally {
      location.assign('/admin/login');
    }
  };
  return h('header', { class: 'top' },
    h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'byot'), h('span', null, 'gateway admin')),
    h('nav', null, PAGES.map((p) => h('a', { href: p.path, class: p.id === current ? 'active' : null, 'aria-current': p.id === current ? 'page' : null }, p.title))),
    h('div', { class: 'who' },
      h('span', { class: 'user', title: via === 'bearer' ? 'signed in with the admin token' : 'signed in' }, user),
      role === 'read-only' ? h('span', { class: 'badge muted', id: 'role' }, 'read-only') : null,
      via === 'session' ? h('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, 'Log out') : null));
}

void start();
