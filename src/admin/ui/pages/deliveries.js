// Deliveries: the delivery log, searchable by phone number (the server hashes what is typed with
// the log's key; only masked numbers come back), user, transaction id, outcome and dates. Each row
// opens to its attempts and its delivery receipt.
import { api } from '../api.js';
import { badge, facts, fmtInt, fmtMs, fmtTime, h, replace, table } from '../dom.js';
import { channelLabel, requestTypeLabel } from '../labels.js';

/**
 * @typedef {{ provider: string, ok: boolean, category?: string, providerCode?: string, transactionId?: string, ms: number, resend?: boolean }} Attempt
 * @typedef {{ eventId: string, receivedAt: number, state: string, requestType: string, channel: string, phoneMasked: string,
 *   country?: string, userId?: string, login?: string, locale: string, preview: boolean, status?: string, reason?: string,
 *   blockedBy?: string, provider?: string, transactionId?: string, attempts: Attempt[], attemptCount: number, latencyMs?: number,
 *   completedAt?: number, receiptStatus?: string, receiptProviderStatus?: string, receiptCode?: string, receiptAt?: number,
 *   resendState?: string, resendAt?: number, resendProvider?: string, resendReceiptStatus?: string, resendReceiptProviderStatus?: string,
 *   resendReceiptCode?: string, resendReceiptAt?: number,
 *   feedbackStatus?: string, feedbackAt?: number, feedbackCode?: string, feedbackTries?: number }} Row
 */

const FIELDS = ['phone', 'user', 'transactionId', 'status', 'receipt', 'from', 'to'];

/** @param {HTMLElement} main */
export async function deliveriesPage(main) {
  const params = new URLSearchParams(location.search);
  /** @param {string} name @param {string} label @param {Record<string, string>} [extra] */
  const input = (name, label, extra = {}) => h('label', { class: 'field' }, h('span', null, label),
    h('input', { name, id: `f-${name}`, value: params.get(name) ?? '', ...extra }));
  const status = h('select', { name: 'status', id: 'f-status' },
    [['', 'Any'], ['SUCCESSFUL', 'Successful'], ['PENDING', 'Pending'], ['FAILED', 'Failed']].map(([v, t]) =>
      h('option', { value: v, selected: (params.get('status') ?? '') === v }, t)));
  const receipt = h('select', { name: 'receipt', id: 'f-receipt' },
    [['', 'Any'], ['delivered', 'Delivered'], ['undelivered', 'Undelivered'], ['failed', 'Failed'], ['sent', 'Sent (not final)'], ['none', 'No receipt']].map(([v, t]) =>
      h('option', { value: v, selected: (params.get('receipt') ?? '') === v }, t)));
  const form = h('form', { class: 'filters', id: 'search-form' },
    input('phone', 'Phone number', { placeholder: '+1 202 555 0123', inputmode: 'tel', autocomplete: 'off' }),
    input('user', 'User (id or login)', { placeholder: 'jane@example.com or 00u…', autocomplete: 'off' }),
    input('transactionId', 'Transaction id', { autocomplete: 'off' }),
    h('label', { class: 'field' }, h('span', null, 'Outcome'), status),
    h('label', { class: 'field' }, h('span', null, 'Receipt'), receipt),
    input('from', 'From', { type: 'date' }),
    input('to', 'To', { type: 'date' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'search' }, 'Search'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { form.reset(); for (const el of form.querySelectorAll('input')) el.value = ''; status.value = ''; receipt.value = ''; void run(); } }, 'Clear')));

  const results = h('div', { id: 'results' });
  const dateProblem = h('p', { class: 'error', id: 'date-problem', role: 'alert', hidden: true }, 'The From date is after the To date.');
  form.append(dateProblem);
  const summary = h('p', { class: 'muted', id: 'result-count' });
  const more = h('button', { type: 'button', class: 'secondary', id: 'more', hidden: true }, 'Load older');

  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Deliveries'),
      h('p', { class: 'muted' }, 'Every hook call, newest first. Numbers are stored and shown masked; a typed number is matched by its keyed hash.'))),
    h('section', { class: 'card' }, form),
    h('section', { class: 'card' }, summary, results, h('div', { class: 'more' }, more)));

  /** @type {Row[]} */
  let rows = [];
  /** @type {number | undefined} */
  let next;

  /** The search as query parameters of the API (dates as local midnights, `to` inclusive). */
  const query = () => {
    const q = new URLSearchParams();
    const data = new FormData(form);
    for (const name of FIELDS) {
      const v = String(data.get(name) ?? '').trim();
      if (!v) continue;
      if (name === 'from' || name === 'to') {
        const [y, m, d] = v.split('-').map(Number);
        const day = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).getTime();
        q.set(name, String(name === 'to' ? day + 86_400_000 : day));
      } else q.set(name, v);
    }
    return q;
  };

  const draw = () => {
    summary.textContent = rows.length === 0 ? '' : `${fmtInt(rows.length)} call${rows.length === 1 ? '' : 's'}${next !== undefined ? ' (more below)' : ''}`;
    const body = h('tbody');
    if (rows.length === 0) body.append(h('tr', null, h('td', { class: 'empty', colspan: 11 }, 'No calls match.')));
    for (const r of rows) {
      const detailId = `detail-${body.children.length}`;
      const detail = h('tr', { class: 'detail', id: detailId, hidden: true }, h('td', { colspan: 11 }, details(r)));
      const line = h('tr', { class: 'row', tabindex: 0, 'data-event': r.eventId, title: 'Show attempts and receipt', 'aria-expanded': 'false', 'aria-controls': detailId },
        h('td', { class: 'nowrap' }, fmtTime(r.receivedAt)),
        h('td', null, requestTypeLabel(r.requestType), r.preview ? h('span', { class: 'tag' }, 'preview') : null),
        h('td', null, channelLabel(r.channel)),
        h('td', { class: 'mono phone' }, r.phoneMasked),
        h('td', null, r.country ?? '—'),
        h('td', { class: 'user' }, r.login ?? r.userId ?? '—'),
        h('td', null, r.state === 'pending' ? badge('pending', 'in progress') : badge(r.status), r.reason ? h('span', { class: 'reason' }, r.reason) : null),
        h('td', null, r.provider ?? '—'),
        h('td', { class: 'mono small' }, r.transactionId ?? '—'),
        h('td', { class: 'num' }, r.latencyMs === undefined ? '—' : fmtMs(r.latencyMs)),
        h('td', null, r.receiptStatus ? badge(r.receiptStatus) : h('span', { class: 'muted' }, '—')));
      const toggle = () => {
        detail.hidden = !detail.hidden;
        line.classList.toggle('open', !detail.hidden);
        line.setAttribute('aria-expanded', String(!detail.hidden));
      };
      line.addEventListener('click', toggle);
      line.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
      body.append(line, detail);
    }
    replace(results, h('table', { class: 'grid deliveries' },
      h('thead', null, h('tr', null, ['Received', 'Request', 'Channel', 'Number', 'Country', 'User', 'Outcome', 'Provider', 'Transaction id', 'Time', 'Receipt'].map((c) => h('th', { scope: 'col' }, c)))),
      body));
    more.hidden = next === undefined;
  };

  /** @param {boolean} [append] */
  const run = async (append = false) => {
    const q = query();
    if (!append) {
      const shown = new URLSearchParams();
      const data = new FormData(form);
      for (const name of FIELDS) { const v = String(data.get(name) ?? '').trim(); if (v && name !== 'phone') shown.set(name, v); }
      // The number stays out of the address bar (and the browser history).
      history.replaceState(null, '', shown.size ? `?${shown}` : location.pathname);
    }
    if (append && next !== undefined) q.set('before', String(next + 1));
    // POST: the typed number travels in the body, never in a URL.
    const r = await api('/admin/api/deliveries', Object.fromEntries(q));
    if (append) {
      const seen = new Set(rows.map((x) => x.eventId));
      /** @type {Row[]} */
      const fresh = r.rows.filter((/** @type {Row} */ x) => !seen.has(x.eventId));
      rows = rows.concat(fresh);
      // A page of rows sharing one millisecond: step past it rather than loop.
      next = fresh.length === 0 && r.next !== undefined ? r.next - 1 : r.next;
    } else {
      rows = r.rows;
      next = r.next;
    }
    draw();
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Dates as typed (yyyy-mm-dd) compare as text; a reversed range is refused before asking the server.
    const data = new FormData(form);
    const from = String(data.get('from') ?? ''), to = String(data.get('to') ?? '');
    dateProblem.hidden = !(from && to && from > to);
    if (!dateProblem.hidden) return;
    void run();
  });
  more.addEventListener('click', () => void run(true));
  await run();
}

/** @param {Row} r */
function details(r) {
  return h('div', { class: 'details' },
    facts([
      ['Event id', h('code', null, r.eventId)],
      ['Locale', r.locale],
      ['Okta Preview', r.preview ? 'yes' : 'no'],
      ...(r.userId ? [/** @type {[string, string]} */ (['User id', r.userId])] : []),
      ...(r.reason ? [/** @type {[string, string]} */ (['Reason', r.reason])] : []),
      ...(r.blockedBy ? [/** @type {[string, HTMLElement]} */ (['Blocked by', h('code', null, r.blockedBy)])] : []),
      ['Completed', fmtTime(r.completedAt)],
      ['Delivery receipt', r.receiptStatus
        ? h('span', null, badge(r.receiptStatus), ` ${r.receiptProviderStatus ?? ''}${r.receiptCode ? ` (code ${r.receiptCode})` : ''} at ${fmtTime(r.receiptAt)}`)
        : h('span', { class: 'muted' }, 'none received')],
      // The one resend after an undelivered receipt (pipeline/resend.ts), and what its provider reported.
      ...(r.resendState ? [/** @type {[string, HTMLElement]} */ (['Resend', h('span', null, badge(r.resendState),
        ` ${r.resendProvider ?? ''} at ${fmtTime(r.resendAt)}${r.resendReceiptStatus ? `; receipt ${r.resendReceiptStatus} ${r.resendReceiptProviderStatus ?? ''}${r.resendReceiptCode ? ` (code ${r.resendReceiptCode})` : ''} at ${fmtTime(r.resendReceiptAt)}` : ''}`)])] : []),
      // What the provider was told once Okta reported the code used (providers with feedback: true).
      ...(r.feedbackStatus ? [/** @type {[string, HTMLElement]} */ (['Provider feedback',
        h('span', null, badge(r.feedbackStatus), `${r.feedbackCode ? ` (code ${r.feedbackCode})` : ''} at ${fmtTime(r.feedbackAt)}, ${fmtInt(r.feedbackTries ?? 0)} ${r.feedbackTries === 1 ? 'try' : 'tries'}`)])] : []),
    ]),
    h('h3', null, `Attempts (${r.attempts.length})`),
    table(['#', 'Provider', 'Result', 'Provider code', 'Transaction id', 'Time'],
      r.attempts.map((a, i) => [a.resend ? `${i + 1} (resend)` : String(i + 1), a.provider, a.ok ? badge('ok', 'accepted') : badge('FAILED', a.category ?? 'failed'), a.providerCode ?? '—', h('span', { class: 'mono small' }, a.transactionId ?? '—'), fmtMs(a.ms)]),
      { empty: r.reason === 'blocked' ? 'None: the guard refused the request.' : 'No provider was tried.', class: 'grid inner' }));
}
