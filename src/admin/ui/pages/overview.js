// Overview: Okta's metrics (executions, successes, failures, average time of the successful ones)
// over the last 30 days, overall and per provider, with volume and success-rate charts by provider
// and by channel, latency percentiles, the top countries and what the guard refused.
import { api } from '../api.js';
import { lineChart } from '../charts.js';

import { conversionCard } from '../conversion.js';
import { healthTable } from '../health.js';
import { card, fmtAgo, fmtInt, fmtMs, fmtPct, fmtTime, h, replace, table } from '../dom.js';

/**
 * @typedef {{ key: string, executions: number, successes: number, failures: number, avgMs: number | null }} SummaryRow
 * @typedef {{ bucket: number, key: string, executions: number, successes: number }} TimelineRow
 * @typedef {{ days: number, sinceMs: number, untilMs: number, bucketMs: number, total: SummaryRow, byProvider: SummaryRow[],
 *   byChannel: SummaryRow[], countries: SummaryRow[], timeline: { provider: TimelineRow[], channel: TimelineRow[] },
 *   latency: { p50: number, p90: number, p99: number } | null, blocks: { rule: string, count: number, lastAt: number }[], blockedTotal: number, failureAnswer: string,
 *   providerHealth: import('../health.js').ProviderHealth[],
 *   refusals: { sinceMs: number, total: number, rows: { kind: string, reason: string, count: number }[] } }} Overview
 */

const RANGES = [1, 7, 30, 90];

/** @param {HTMLElement} main */
export async function overviewPage(main) {
  const asked = Number(new URLSearchParams(location.search).get('days'));
  const days = RANGES.includes(asked) ? asked : 30;
  /** @type {Overview} */
  const o = await api(`/admin/api/overview?days=${days}`);
  const t = o.total;

  const ranges = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Period' }, RANGES.map((d) => h('button', {
    type: 'button', class: d === days ? 'on' : null, 'aria-pressed': String(d === days),
    onclick: () => {
      history.replaceState(null, '', d === 30 ? location.pathname : `?days=${d}`);
      replace(main);
      void overviewPage(main);
    },
  }, d === 1 ? '24 hours' : `${d} days`)));

  const charts = {
    volumeProvider: h('div', { class: 'chart', id: 'chart-volume-provider' }),
    rateProvider: h('div', { class: 'chart', id: 'chart-rate-provider' }),
    volumeChannel: h('div', { class: 'chart', id: 'chart-volume-channel' }),
    rateChannel: h('div', { class: 'chart', id: 'chart-rate-channel' }),
  };

  replace(main,
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, 'Overview'), h('p', { class: 'muted' }, `Telephony hook executions in the last ${days === 1 ? '24 hours' : `${days} days`}, as Okta's metrics count them: a failure is any answer but SUCCESSFUL; the average time is over successful executions.`)),
      ranges),
    h('div', { class: 'stats', id: 'totals' },
      stat('Executions', fmtInt(t.executions), 'executions'),
      stat('Successful', fmtInt(t.successes), 'successes', 'ok'),
      stat('Failed', fmtInt(t.failures), 'failures', t.failures ? 'bad' : undefined),
      stat('Success rate', fmtPct(t.successes, t.executions), 'rate'),
      stat('Average time', fmtMs(t.avgMs), 'avg'),
      stat('p50 · p90 · p99 (ms)', o.latency ? `${fmtInt(o.latency.p50)} · ${fmtInt(o.latency.p90)} · ${fmtInt(o.latency.p99)}` : '—', 'latency')),
    card('Provider health',
      h('p', { class: 'muted' }, 'Every attempt made to each provider in this period, failovers included; delivered is what the receipts of the calls it answered said.'),
      healthTable(o.providerHealth)),
    card('Answers by provider',
      h('p', { class: 'muted' }, 'Calls by the provider that gave the final answer; calls no provider accepted are under "no provider".'),
      table(['Provider', 'Executions', 'Successful', 'Failed', 'Success rate', 'Average time'],
        o.byProvider.map((r) => [h('strong', null, providerName(r.key)), fmtInt(r.executions), fmtInt(r.successes), fmtInt(r.failures), rateCell(r), fmtMs(r.avgMs)]),
        { empty: 'No executions in this period.', class: 'grid num', id: 'by-provider' })),
    h('div', { class: 'two' },
      card('Volume by provider', charts.volumeProvider),
      card('Success rate by provider', charts.rateProvider),
      card('Volume by channel', charts.volumeChannel),
      card('Success rate by channel', charts.rateChannel)),
    h('div', { class: 'two' },
      card('Top countries',
        table(['Country', 'Executions', 'Successful', 'Failed', 'Success rate'],
          o.countries.map((r) => [h('strong', null, r.key), fmtInt(r.executions), fmtInt(r.successes), fmtInt(r.failures), rateCell(r)]),
          { empty: 'No executions in this period.', class: 'grid num', id: 'countries' })),
      card('By channel',
        table(['Channel', 'Executions', 'Successful', 'Failed', 'Success rate', 'Average time'],
          o.byChannel.map((r) => [h('strong', null, channelName(r.key)), fmtInt(r.executions), fmtInt(r.successes), fmtInt(r.failures), rateCell(r), fmtMs(r.avgMs)]),
          { empty: 'No executions in this period.', class: 'grid num', id: 'by-channel' }))),
    card('Guard blocks',
      h('p', { class: 'muted' }, o.blockedTotal
        ? `${fmtInt(o.blockedTotal)} request${o.blockedTotal === 1 ? ' was' : 's were'} refused by the toll-fraud guard (nothing sent; the gateway ${o.failureAnswer}), by rule:`
        : 'No request was refused by the toll-fraud guard in this period.'),
      o.blocks.length ? table(['Rule', 'Blocked', 'Last'], o.blocks.map((b) => [h('code', null, b.rule), fmtInt(b.count), fmtAgo(b.lastAt)]), { class: 'grid num', id: 'blocks' }) : null),
    conversionCard(),
    refusalsCard(o.refusals));

  const xs = buckets(o);
  lineChart(charts.volumeProvider, { xs: xs.map((b) => b / 1000), lines: series(o.timeline.provider, xs, 'volume', providerName) });
  // Calls that failed before any provider have no success rate worth drawing (always 0%).
  lineChart(charts.rateProvider, { xs: xs.map((b) => b / 1000), lines: series(o.timeline.provider.filter((r) => r.key !== 'unknown'), xs, 'rate'), percent: true });
  lineChart(charts.volumeChannel, { xs: xs.map((b) => b / 1000), lines: series(o.timeline.channel, xs, 'volume', channelName) });
  lineChart(charts.rateChannel, { xs: xs.map((b) => b / 1000), lines: series(o.timeline.channel, xs, 'rate', channelName), percent: true });
}

/**
 * Calls refused before the pipeline: Okta counts each as a failed execution, the delivery log has none.
 * @param {Overview['refusals']} r
 */
function refusalsCard(r) {
  const reasons = { unauthorized: 'HTTP 401: wrong or missing hook credentials', bad_request: 'HTTP 400: not a telephony hook request' };
  return card('Refused before delivery',
    h('p', { class: 'muted', id: 'refusals-summary' }, r.total
      ? `${fmtInt(r.total)} hook call${r.total === 1 ? ' was' : 's were'} refused since this instance started (${fmtTime(r.sinceMs)}); Okta counts each as a failure, and none is in the delivery log:`
      : `No hook call was refused since this instance started (${fmtTime(r.sinceMs)}).`),
    r.rows.length ? table(['Refusal', 'Reason', 'Calls'], r.rows.map((x) => [
      /** @type {Record<string, string>} */ (reasons)[x.kind] ?? x.kind, h('code', null, x.reason), fmtInt(x.count),
    ]), { class: 'grid num', id: 'refusals' }) : null);
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string} id
 * @param {string} [tone]
 */
function stat(label, value, id, tone) {
  return h('div', { class: `stat${tone ? ` tone-${tone}` : ''}`, id: `stat-${id}` }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

/** @param {SummaryRow} r */
function rateCell(r) {
  const rate = r.executions ? r.successes / r.executions : 0;
  return h('span', { class: r.executions === 0 ? 'muted' : rate >= 0.98 ? 'good' : rate >= 0.9 ? 'warn' : 'bad' }, fmtPct(r.successes, r.executions));
}

/** Every bucket of the period, empty ones included. @param {Overview} o */
function buckets(o) {
  const out = [];
  for (let b = Math.floor(o.sinceMs / o.bucketMs) * o.bucketMs; b <= o.untilMs; b += o.bucketMs) out.push(b);
  return out;
}

/**
 * One line per key: executions per bucket, or the success rate (a gap where there were none).
 * @param {TimelineRow[]} rows
 * @param {number[]} xs
 * @param {'volume' | 'rate'} what
 * @param {(k: string) => string} [name]
 */
function series(rows, xs, what, name = (k) => k) {
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  return keys.map((key) => {
    const byBucket = new Map(rows.filter((r) => r.key === key).map((r) => [r.bucket, r]));
    return {
      label: name(key),
      values: xs.map((b) => {
        const r = byBucket.get(b);
        if (what === 'volume') return r ? r.executions : 0;
        return r && r.executions ? Math.round((1000 * r.successes) / r.executions) / 10 : null;
      }),
    };
  });
}

/** Calls that failed before any provider (invalid number, refused, every attempt failed) have none. @param {string} k */
function providerName(k) {
  return k === 'unknown' ? 'no provider' : k;
}

/** @param {string} k */
function channelName(k) {
  return k === 'sms' ? 'SMS' : k === 'voice' ? 'Voice call' : k;
}
