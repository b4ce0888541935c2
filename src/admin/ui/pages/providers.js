// Providers: each one's kind, channels, breaker, where routing uses it, its 30-day numbers and
// its latest failed attempts with the provider's own error code.
import { api } from '../api.js';
import { badge, facts, fmtAgo, fmtInt, fmtMs, h, replace, table } from '../dom.js';
import { channelLabel } from '../labels.js';
import { providerConversionCard } from '../conversion.js';
import { failedByText, fmtRate, receiptText } from '../health.js';

/**
 * @typedef {{ name: string, kind: string, channels: string[], timeoutMs: number, breaker: string,
 *   countries?: { allow?: string[], deny: string[] }, usedBy: string[],
 *   summary: { executions: number, successes: number, failures: number, avgMs: number | null },
 *   health: import('../health.js').ProviderHealth,
 *   lastErrors: { at: number, eventId: string, category?: string, providerCode?: string, ms: number }[] }} Provider
 */

const BREAKER_TEXT = /** @type {Record<string, string>} */ ({
  closed: 'breaker closed', open: 'breaker open', 'half-open': 'breaker half-open', none: 'no breaker',
});

/** @param {HTMLElement} main */
export async function providersPage(main) {
  /** @type {{ sinceMs: number, recentCalls: number, providers: Provider[] }} */
  const r = await api('/admin/api/providers');
  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Providers'),
      h('p', { class: 'muted' }, `Every attempt made to each provider over the last 30 days, failovers included, and what the receipts said; the last errors from the latest ${fmtInt(r.recentCalls)} calls.`))),
    h('div', { class: 'providers' }, r.providers.map(providerCard)),
    providerConversionCard());
}

/** @param {Provider} p */
function providerCard(p) {
  const s = p.summary;
  const countries = p.countries
    ? [p.countries.allow ? `only ${p.countries.allow.join(', ')}` : '', p.countries.deny.length ? `never ${p.countries.deny.join(', ')}` : ''].filter(Boolean).join('; ') || 'any'
    : 'any';
  return h('section', { class: 'card provider', id: `provider-${p.name}` },
    h('div', { class: 'provider-head' },
      h('h2', null, p.name),
      h('span', { class: 'tag' }, p.kind),
      badge(p.breaker, BREAKER_TEXT[p.breaker] ?? p.breaker)),
    h('div', { class: 'stats small' },
      mini('Attempts', fmtInt(p.health.attempts)),
      mini('Attempt success', fmtRate(p.health.acceptedRate)),
      mini('Failed attempts', fmtInt(p.health.failed)),
      mini('Delivered (receipts)', receiptText(p.health)),
      mini('Attempt time', fmtMs(p.health.avgMs)),
      mini('Calls answered', `${fmtInt(s.successes)} of ${fmtInt(s.executions)}`)),
    h('p', { class: 'small muted' }, `Failed by category: ${failedByText(p.health.failedBy)}`),
    facts([
      ['Channels', p.channels.map(channelLabel).join(', ')],
      ['Timeout', fmtMs(p.timeoutMs)],
      ['Countries', countries],
      ['Routing', p.usedBy.length ? p.usedBy.map((u) => h('code', null, u)) : h('span', { class: 'muted' }, 'not in any rule or the default chain')],
    ]),
    h('h3', null, 'Last errors'),
    table(['When', 'Category', 'Provider code', 'Time', 'Event id'],
      p.lastErrors.map((e) => [fmtAgo(e.at), badge('FAILED', e.category ?? 'failed'), e.providerCode ? h('code', null, e.providerCode) : '—', fmtMs(e.ms), h('span', { class: 'mono small' }, e.eventId)]),
      { empty: 'No failed attempts recently.', class: 'grid inner errors' }));
}

/**
 * @param {string} label
 * @param {string} value
 */
function mini(label, value) {
  return h('div', { class: 'stat' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

