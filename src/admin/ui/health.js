// Each provider's own record, shown on the Overview and the Providers page alike: every attempt
// made to it (failovers included), what became of them, and what its receipts said.
import { fmtInt, fmtMs, h, table } from './dom.js';

/**
 * @typedef {{ provider: string, attempts: number, accepted: number, failed: number, failedBy: Record<string, number>,
 *   avgMs: number | null, receipts: { sent: number, delivered: number, undelivered: number, failed: number },
 *   acceptedRate: number | null, deliveredRate: number | null }} ProviderHealth
 */

/** @param {number | null} rate */
export function fmtRate(rate) {
  if (rate === null) return '—';
  const p = 100 * rate;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** `12 unavailable · 3 timeout`, most first. @param {Record<string, number>} by */
export function failedByText(by) {
  const parts = Object.entries(by).sort((a, b) => b[1] - a[1]).map(([category, n]) => `${fmtInt(n)} ${category.replace(/_/g, ' ')}`);
  return parts.length ? parts.join(' · ') : '—';
}

/** `4 of 5 receipts` beside the delivered rate. @param {ProviderHealth} p */
export function receiptText(p) {
  const final = p.receipts.delivered + p.receipts.undelivered + p.receipts.failed;
  return final ? `${fmtRate(p.deliveredRate)} (${fmtInt(p.receipts.delivered)} of ${fmtInt(final)})` : '— (no receipts)';
}

/** @param {ProviderHealth[]} rows */
export function healthTable(rows) {
  return table(['Provider', 'Attempts', 'Accepted', 'Failed', 'Failed by category', 'Attempt success', 'Attempt time', 'Delivered (receipts)'],
    rows.map((p) => [h('strong', null, p.provider), fmtInt(p.attempts), fmtInt(p.accepted), fmtInt(p.failed),
      h('span', { class: 'small' }, failedByText(p.failedBy)), h('strong', { class: p.acceptedRate !== null && p.acceptedRate < 0.9 ? 'bad' : null }, fmtRate(p.acceptedRate)),
      fmtMs(p.avgMs), receiptText(p)]),
    { empty: 'No provider was tried in this period.', class: 'grid num', id: 'provider-health' });
}
