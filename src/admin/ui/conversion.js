// Codes sent against codes used, from Okta's events (GET /admin/api/conversion): a card for the
// Overview (totals over 1 h, 24 h and 7 days, the groupings, Okta's failed hook executions per
// day) and one for the Providers page (conversion per provider). Each card loads itself.
import { api } from './api.js';
import { card, fmtInt, fmtMs, h, replace, table } from './dom.js';
import { channelLabel, requestTypeLabel } from './labels.js';

/**
 * @typedef {{ key: string, sent: number, verified: number, failedAttempts: number, conversionRate: number | null, medianVerifyMs: number | null }} ConversionRow
 * @typedef {{ window: string, sinceMs: number, untilMs: number, totals: Record<string, ConversionRow>,
 *   by: Record<'country' | 'prefix' | 'provider' | 'channel' | 'requestType', ConversionRow[]>,
 *   hookFailures: { day: number, count: number, matched: number }[], unmatched: number, pending: number }} ConversionView
 */

const WINDOW_TEXT = /** @type {Record<string, string>} */ ({ '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days' });

/** @param {number | null} rate */
function rateCell(rate) {
  if (rate === null) return h('span', { class: 'muted' }, '—');
  return h('span', { class: rate >= 0.7 ? 'good' : rate >= 0.4 ? 'warn' : 'bad' }, `${(rate * 100).toFixed(1)}%`);
}

/**
 * @param {string} label
 * @param {ConversionRow[]} rows
 * @param {(k: string) => string} [name]
 * @param {string} [id]
 */
function rowsTable(label, rows, name = (k) => k, id) {
  return table([label, 'Sent', 'Verified', 'Conversion', 'Wrong codes', 'Time to verify (median)'],
    rows.map((r) => [h('strong', null, name(r.key)), fmtInt(r.sent), fmtInt(r.verified), rateCell(r.conversionRate), fmtInt(r.failedAttempts), fmtMs(r.medianVerifyMs)]),
    { empty: 'No code sent in this period.', class: 'grid num', id });
}

/** The Overview's card. */
export function conversionCard() {
  const body = h('div', { id: 'conversion' }, h('p', { class: 'muted' }, 'Loading…'));
  void (async () => {
    /** @type {ConversionView} */
    const c = await api('/admin/api/conversion?window=24h');
    const windows = Object.keys(c.totals);
    replace(body,
      h('p', { class: 'muted' }, 'A code is verified when Okta reports the user typed it (its event hook or System Log, oktaEvents in the configuration). Sent: calls that sent a code (not Preview, not FAILED).'),
      table(['Period', 'Sent', 'Verified', 'Conversion', 'Wrong codes', 'Time to verify (median)'],
        windows.map((w) => {
          const t = /** @type {ConversionRow} */ (c.totals[w]);
          return [WINDOW_TEXT[w] ?? w, fmtInt(t.sent), fmtInt(t.verified), rateCell(t.conversionRate), fmtInt(t.failedAttempts), fmtMs(t.medianVerifyMs)];
        }), { class: 'grid num', id: 'conversion-totals' }),
      h('h3', null, `By country, ${WINDOW_TEXT[c.window]}`), rowsTable('Country', c.by.country, undefined, 'conversion-country'),
      h('h3', null, 'By number prefix'), rowsTable('Prefix', c.by.prefix, undefined, 'conversion-prefix'),
      h('h3', null, 'By channel'), rowsTable('Channel', c.by.channel, channelLabel, 'conversion-channel'),
      h('h3', null, 'By flow'), rowsTable('Request type', c.by.requestType, requestTypeLabel, 'conversion-flow'),
      h('p', { class: 'muted' }, `${fmtInt(c.unmatched)} Okta event${c.unmatched === 1 ? '' : 's'} matched no hook call; ${fmtInt(c.pending)} still waiting for one.`),
      h('h3', null, 'Hook executions Okta counted as failed (inline_hook.executed)'),
      h('p', { class: 'muted' }, 'Okta fires this when the answer was late, not 200 or malformed; it may then send its own code, so the user can get two.'),
      table(['Day (UTC)', 'Failed executions', 'Tied to a hook call'],
        c.hookFailures.map((d) => [new Date(d.day).toISOString().slice(0, 10), fmtInt(d.count), fmtInt(d.matched)]),
        { empty: 'None in the last 14 days.', class: 'grid num', id: 'hook-failures' }));
  })().catch((/** @type {Error} */ err) => replace(body, h('p', { class: 'bad' }, `Conversion unavailable: ${err.message}`)));
  return card('Codes used (from Okta)', body);
}

/** The Providers page's card: conversion per provider over the last 7 days. */
export function providerConversionCard() {
  const body = h('div', { id: 'provider-conversion' }, h('p', { class: 'muted' }, 'Loading…'));
  void (async () => {
    /** @type {ConversionView} */
    const c = await api('/admin/api/conversion?window=7d');
    replace(body, rowsTable('Provider', c.by.provider, (k) => (k === 'unknown' ? 'no provider' : k), 'conversion-provider'));
  })().catch((/** @type {Error} */ err) => replace(body, h('p', { class: 'bad' }, `Conversion unavailable: ${err.message}`)));
  return card('Codes used, per provider (last 7 days)', body);
}
