// Audit: who logged in (or failed to), logged out, sent for real from the Preview or lifted a
// block, when and from which address; newest first, older pages on demand.
import { api } from '../api.js';
import { badge, card, fmtTime, h, replace, table } from '../dom.js';

/** @typedef {{ id: number, at: number, actor: string, action: string, address: string, detail: string }} Entry */

/** @type {Record<string, [string, string]>} the words and the tone of each action */
const ACTIONS = {
  login: ['logged in', 'ok'],
  'login.failed': ['login failed', 'FAILED'],
  logout: ['logged out', 'muted'],
  'preview.sent': ['sent for real (Preview)', 'PENDING'],
  'block.lifted': ['lifted a block', 'PENDING'],
};

const PAGE = 50;

/** @param {HTMLElement} main */
export async function auditPage(main) {
  /** @type {Entry[]} */
  let entries = [];
  /** @type {number | undefined} */
  let next;
  const results = h('div', { id: 'audit-results' });
  const more = h('button', { type: 'button', class: 'secondary', id: 'more', hidden: true }, 'Load older');

  const draw = () => {
    replace(results, table(['When', 'Who', 'What', 'From', 'Detail'],
      entries.map((e) => {
        const [words, tone] = ACTIONS[e.action] ?? [e.action, 'muted'];
        return [h('span', { class: 'nowrap' }, fmtTime(e.at)), h('strong', null, e.actor), badge(tone, words), h('span', { class: 'mono small' }, e.address), e.detail || h('span', { class: 'muted' }, '—')];
      }),
      { empty: 'Nothing audited yet.', class: 'grid', id: 'audit-table' }));
    more.hidden = next === undefined;
  };
  const load = async () => {
    /** @type {{ entries: Entry[], next?: number }} */
    const r = await api(`/admin/api/audit?limit=${PAGE}${next !== undefined ? `&before=${next}` : ''}`);
    entries = entries.concat(r.entries);
    next = r.next;
    draw();
  };
  more.addEventListener('click', () => void load());

  await load();
  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Audit'),
      h('p', { class: 'muted' }, 'Logins, failed logins, logouts, real sends from the Preview and lifted blocks, newest first, kept in the delivery log\'s database (admin.auditRetentionDays). No password, code or full number is kept.'))),
    card('Audit log', results, h('div', { class: 'more' }, more)));
}
