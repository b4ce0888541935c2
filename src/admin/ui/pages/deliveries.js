// Deliveries: the delivery log, searchable by phone number (the server hashes what is typed with
// the log's key; only masked numbers come back), user (part of it, any case), event and transaction
// id, outcome, receipt, provider, country, channel, request type, guard rule and dates; the count
// of what matches, and the same search as a CSV file. Each row opens to its attempts and receipt.
import { ApiError, api, download } from '../api.js';
import { badge, facts, fmtInt, fmtMs, fmtTime, h, replace, table } from '../dom.js';
import { REQUEST_TYPE_LABELS, channelLabel, requestTypeLabel } from '../labels.js';
import { dayStart, onUtcChange, utcSwitch } from '../time.js';

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

const FIELDS = ['phone', 'user', 'eventId', 'transactionId', 'status', 'receipt', 'provider', 'country', 'channel', 'requestType', 'rule', 'from', 'to'];

/** Most rows in one CSV file (src/admin/api/export.ts); the server says so again in x-export-limit. */
const EXPORT_LIMIT = 10_000;

/** @param {HTMLElement} main */
export async function deliveriesPage(main) {
  const params = new URLSearchParams(location.search);
  /** @param {string} name @param {string} label @param {Record<string, string>} [extra] */
  const input = (name, label, extra = {}) => h('label', { class: 'field' }, h('span', null, label),
    h('input', { name, id: `f-${name}`, value: params.get(name) ?? '', ...extra }));
  /** @param {string} name @param {string} label @param {string[][]} options */
  const select = (name, label, options) => h('label', { class: 'field' }, h('span', null, label),
    h('select', { name, id: `f-${name}` }, [['', 'Any'], ...options].map(([v, t]) => h('option', { value: v, selected: (params.get(name) ?? '') === v }, t))));
  const form = h('form', { class: 'filters', id: 'search-form' },
    input('phone', 'Phone number', { placeholder: '+1 202 555 0123', inputmode: 'tel', autocomplete: 'off', maxlength: '64' }),
    input('user', 'User (part of id or login)', { placeholder: 'jane@ or 00u…', autocomplete: 'off', maxlength: '256' }),
    input('eventId', 'Event id', { autocomplete: 'off', maxlength: '256' }),
    input('transactionId', 'Transaction id', { autocomplete: 'off', maxlength: '256' }),
    select('status', 'Outcome', [['SUCCESSFUL', 'Successful'], ['PENDING', 'Pending'], ['FAILED', 'Failed']]),
    select('receipt', 'Receipt', [['delivered', 'Delivered'], ['undelivered', 'Undelivered'], ['failed', 'Failed'], ['sent', 'Sent (not final)'], ['none', 'No receipt']]),
    input('provider', 'Provider', { autocomplete: 'off', maxlength: '64', placeholder: 'twilio' }),
    input('country', 'Country', { autocomplete: 'off', maxlength: '2', placeholder: 'GB', pattern: '[A-Za-z]{2}' }),
    select('channel', 'Channel', [['sms', 'SMS'], ['voice', 'Voice call']]),
    select('requestType', 'Request type', Object.entries(REQUEST_TYPE_LABELS).filter(([k]) => k !== 'unknown')),
    input('rule', 'Guard rule', { autocomplete: 'off', maxlength: '128', placeholder: 'limits.phone' }),
    input('from', 'From', { type: 'date' }),
    input('to', 'To', { type: 'date' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'search' }, 'Search'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { form.reset(); for (const el of form.querySelectorAll('input, select')) /** @type {HTMLInputElement} */ (el).value = ''; void run(); } }, 'Clear'),
      h('button', { type: 'button', class: 'secondary', id: 'export', title: `The calls of this search as a CSV file (masked numbers only; at most ${fmtInt(EXPORT_LIMIT)} rows, newest first)` }, 'Export CSV')));

  const results = h('div', { id: 'results' });
  const dateProblem = h('p', { class: 'error', id: 'date-problem', role: 'alert', hidden: true }, 'The From date is after the To date.');
  const searchProblem = h('p', { class: 'error', id: 'search-problem', role: 'alert', hidden: true });
  form.append(dateProblem, searchProblem);
  /** A search the server refused (400): its reasons by the form, the last results left as they were. @param {unknown} err */
  const refused = (err) => {
    if (!(err instanceof ApiError) || err.status !== 400) throw err;
    searchProblem.textContent = `${err.message}: ${err.causes.map((c) => `${c.path} — ${c.message}`).join('; ')}`;
    searchProblem.hidden = false;
  };
  const summary = h('p', { class: 'muted', id: 'result-count' });
  const exported = h('p', { class: 'muted', id: 'export-note', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', id: 'more', hidden: true }, 'Load older');

  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Deliveries'),
      h('p', { class: 'muted' }, 'Every hook call, newest first. Numbers are stored and shown masked; a typed number is matched by its keyed hash.')),
    utcSwitch()),
    h('section', { class: 'card' }, form, exported),
    h('section', { class: 'card' }, summary, results, h('div', { class: 'more' }, more)));

  /** @type {Row[]} */
  let rows = [];
  /** @type {number | undefined} */
  let next;
  let total = 0;

  /** The search as query parameters of the API (dates as local midnights, `to` inclusive). */
  const query = () => {
    const q = new URLSearchParams();
    const data = new FormData(form);
    for (const name of FIELDS) {
      const v = String(data.get(name) ?? '').trim();
      if (!v) continue;
      if (name === 'from' || name === 'to') {
        // Midnights in the zone the times are shown in; `to` inclusive.
        const day = dayStart(v);
        q.set(name, String(name === 'to' ? day + 86_400_000 : day));
      } else q.set(name, v);
    }
    return q;
  };

  const draw = () => {
    summary.textContent = total === 0 ? 'No call matches.'
      : rows.length < total ? `${fmtInt(rows.length)} of ${fmtInt(total)} calls shown` : `${fmtInt(total)} call${total === 1 ? '' : 's'}`;
    const body = h('tbody');
    if (rows.length === 0) body.append(h('tr', null, h('td', { class: 'empty', colspan: 11 }, 'No calls match.')));
    for (const r of rows) {
      const detailId = `detail-${body.children.length}`;
      const detail = h('tr', { class: 'detail', id: detailId, hidden: true }, h('td', { colspan: 11 }, details(r)));
      const line = h('tr', { class: 'row', tabindex: 0, 'data-event': r.eventId, title: 'Show attempts and receipt', 'aria-expanded': 'false', 'aria-controls': detailId },
        // The date over the time and its zone when the table is short of room.
        h('td', { class: 'when' }, h('span', { class: 'nowrap' }, day(r.receivedAt)), ' ', h('span', { class: 'nowrap' }, clock(r.receivedAt))),
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
    /** @type {{ rows: Row[], total: number, next?: number }} */
    let r;
    try {
      r = await api('/admin/api/deliveries', Object.fromEntries(q));
    } catch (err) {
      return refused(err);
    }
    searchProblem.hidden = true;
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
    total = r.total;
    draw();
  };

  const exportCsv = async () => {
    exported.textContent = 'Preparing the CSV file…';
    /** @type {Awaited<ReturnType<typeof download>>} */
    let file;
    try {
      file = await download('/admin/api/deliveries/export', Object.fromEntries(query()));
    } catch (err) {
      exported.textContent = '';
      return refused(err);
    }
    searchProblem.hidden = true;
    const link = h('a', { href: URL.createObjectURL(file.blob), download: file.name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    exported.textContent = file.total > file.limit
      ? `Exported the newest ${fmtInt(file.limit)} of ${fmtInt(file.total)} calls (the limit of one file): narrow the dates for the rest.`
      : `Exported ${fmtInt(file.total)} call${file.total === 1 ? '' : 's'} to ${file.name}.`;
  };

  /** Dates as typed (yyyy-mm-dd) compare as text; a reversed range is refused before asking the server. */
  const validDates = () => {
    const data = new FormData(form);
    const from = String(data.get('from') ?? ''), to = String(data.get('to') ?? '');
    dateProblem.hidden = !(from && to && from > to);
    return dateProblem.hidden;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (validDates()) void run();
  });
  more.addEventListener('click', () => void run(true));
  form.querySelector('#export')?.addEventListener('click', () => {
    if (!validDates()) return;
    void exportCsv();
  });
  onUtcChange(() => { if (main.isConnected) draw(); });
  await run();
}

/** The date of fmtTime's `2026-12-01 14:03:12 CET`. @param {number} ms */
const day = (ms) => fmtTime(ms).split(' ')[0] ?? '';
/** Its time and zone. @param {number} ms */
const clock = (ms) => fmtTime(ms).split(' ').slice(1).join(' ');

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
