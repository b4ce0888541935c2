// Overview: Okta's metrics (executions, successes, failures, average time of the successful ones)
// over the last hours or days (30 by default) or a custom range, overall and per provider, with
// volume and success-rate charts by provider and by channel (buckets that fit the period, units on
// the axes, the latest values as text), latency percentiles, the top countries and what the guard
// refused. The figures refresh every 30 s.
import { api } from '../api.js';
import { lineChart } from '../charts.js';

import { conversionCard } from '../conversion.js';
import { healthTable } from '../health.js';
import { card, fmtAgo, fmtInt, fmtMs, fmtPct, fmtTime, h, replace, table } from '../dom.js';
import { onUtcChange, utcMode, utcSwitch, zoneName } from '../time.js';

/**
 * @typedef {{ key: string, executions: number, successes: number, failures: number, avgMs: number | null }} SummaryRow
 * @typedef {{ bucket: number, key: string, executions: number, successes: number }} TimelineRow
 * @typedef {{ days: number, sinceMs: number, untilMs: number, bucketMs: number, total: SummaryRow, byProvider: SummaryRow[],
 *   byChannel: SummaryRow[], countries: SummaryRow[], timeline: { provider: TimelineRow[], channel: TimelineRow[] },
 *   latency: { p50: number, p90: number, p99: number } | null, blocks: { rule: string, count: number, lastAt: number }[], blockedTotal: number, failureAnswer: string,
 *   providerHealth: import('../health.js').ProviderHealth[],
 *   refusals: { sinceMs: number, total: number, rows: { kind: string, reason: string, count: number }[] } }} Overview
 */

/** The periods offered: the query the API is asked with, the button's label and the words for it. */
const RANGES = [
  ['1h', 'hours=1', '1 h', 'hour'], ['3h', 'hours=3', '3 h', '3 hours'], ['12h', 'hours=12', '12 h', '12 hours'], ['24h', 'hours=24', '24 h', '24 hours'],
  ['7d', 'days=7', '7 d', '7 days'], ['30d', 'days=30', '30 d', '30 days'], ['90d', 'days=90', '90 d', '90 days'],
];
const DEFAULT_RANGE = '30d';

/** How often the Overview asks for fresh figures. The browser tests move the page's clock instead of waiting. */
export const REFRESH_MS = 30_000;

/** @type {ReturnType<typeof setInterval> | undefined} */
let refreshTimer;

/**
 * The period in the address bar: `?range=3h`, or `?from=…&to=…` (epoch ms) for a custom one.
 * @param {URLSearchParams} params
 */
function periodOf(params) {
  const from = Number(params.get('from')), to = Number(params.get('to'));
  if (params.has('from') && Number.isFinite(from) && from > 0) {
    const q = new URLSearchParams({ from: String(from) });
    if (params.has('to') && Number.isFinite(to) && to > 0) q.set('to', String(to));
    return { key: 'custom', query: q.toString(), from, to: q.has('to') ? to : undefined };
  }
  const range = RANGES.find(([k]) => k === params.get('range')) ?? RANGES.find(([k]) => k === DEFAULT_RANGE);
  return { key: range?.[0] ?? DEFAULT_RANGE, query: range?.[1] ?? 'days=30', from: undefined, to: undefined };
}

/** `5 min`, `hour`, `day`. @param {number} ms */
export function bucketName(ms) {
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} h`;
  return ms === 86_400_000 ? 'day' : `${ms / 86_400_000} days`;
}

/** A datetime-local value (yyyy-mm-ddThh:mm) in the zone times are shown in. @param {number} ms */
function localInput(ms) {
  const d = new Date(ms - (utcMode() ? 0 : new Date(ms).getTimezoneOffset() * 60_000));
  return d.toISOString().slice(0, 16);
}

/** @param {string} v a datetime-local value */
function fromInput(v) {
  return utcMode() ? Date.parse(`${v}:00Z`) : new Date(v).getTime();
}

/** @param {HTMLElement} main */
export async function overviewPage(main) {
  clearInterval(refreshTimer);
  const period = periodOf(new URLSearchParams(location.search));
  /** @type {Overview} */
  let o = await api(`/admin/api/overview?${period.query}`);

  /** @param {string} search */
  const go = (search) => {
    history.replaceState(null, '', search ? `?${search}` : location.pathname);
    replace(main);
    void overviewPage(main);
  };
  const ranges = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Period', id: 'ranges' }, RANGES.map(([key, , label]) => h('button', {
    type: 'button', class: key === period.key ? 'on' : null, 'aria-pressed': String(key === period.key), 'data-range': key,
    onclick: () => go(key === DEFAULT_RANGE ? '' : `range=${key}`),
  }, label)));
  const fromBox = h('input', { type: 'datetime-local', id: 'range-from', value: localInput(o.sinceMs) });
  const toBox = h('input', { type: 'datetime-local', id: 'range-to', value: localInput(o.untilMs) });
  const rangeProblem = h('p', { class: 'error', id: 'range-problem', role: 'alert', hidden: true });
  const custom = h('form', { class: 'filters range', id: 'custom-range' },
    h('label', { class: 'field' }, h('span', null, 'From'), fromBox),
    h('label', { class: 'field' }, h('span', null, 'To'), toBox),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: period.key === 'custom' ? 'primary' : 'secondary', id: 'range-apply' }, 'Show this range')),
    rangeProblem);
  custom.addEventListener('submit', (e) => {
    e.preventDefault();
    const from = fromInput(fromBox.value), to = toBox.value ? fromInput(toBox.value) : NaN;
    const problem = !Number.isFinite(from) ? 'Choose a From time.'
      : Number.isFinite(to) && from >= to ? 'The From time is not before the To time.'
        : (Number.isFinite(to) ? to : Date.now()) - from > 90 * 86_400_000 ? 'Choose 90 days at most.' : '';
    rangeProblem.textContent = problem;
    rangeProblem.hidden = !problem;
    if (!problem) go(`from=${from}${Number.isFinite(to) ? `&to=${to}` : ''}`);
  });
  const updated = h('span', { id: 'updated' });
  const body = h('div', { id: 'overview-body' });
  const heading = h('p', { class: 'muted', id: 'period-text' });

  replace(main,
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, 'Overview'), heading),
      h('div', { class: 'stack' }, ranges, utcSwitch())),
    h('div', { class: 'range-bar' }, custom,
      h('p', { class: 'muted refresh', id: 'refresh', 'data-refresh-ms': String(REFRESH_MS) }, `Refreshes every ${REFRESH_MS / 1000} s · updated `, updated)),
    body,
    conversionCard());

  const render = () => {
    heading.textContent = `Telephony hook executions ${period.key === 'custom' ? `from ${fmtTime(o.sinceMs)} to ${fmtTime(o.untilMs)}` : `in the last ${RANGES.find(([k]) => k === period.key)?.[3] ?? ''}`}, as Okta's metrics count them: a failure is any answer but SUCCESSFUL; the average time is over successful executions. Charts count per ${bucketName(o.bucketMs)}.`;
    updated.textContent = fmtTime(Date.now());
    replace(body, ...overviewBody(o));
  };
  render();
  onUtcChange(() => { if (main.isConnected) render(); });
  // Custom ranges that end in the past do not change; the last hours and days do.
  if (period.key !== 'custom' || period.to === undefined) {
    refreshTimer = setInterval(() => {
      if (!main.isConnected) return clearInterval(refreshTimer);
      void api(`/admin/api/overview?${period.query}`).then((fresh) => { o = fresh; render(); });
    }, REFRESH_MS);
  }
}

/**
 * The figures of a period: totals, tables, the four charts with their latest values, blocks, refusals.
 * @param {Overview} o
 */
function overviewBody(o) {
  const t = o.total;
  const per = bucketName(o.bucketMs);
  const chart = (/** @type {string} */ id) => h('div', { class: 'chart', id });
  const charts = {
    volumeProvider: chart('chart-volume-provider'), rateProvider: chart('chart-rate-provider'),
    volumeChannel: chart('chart-volume-channel'), rateChannel: chart('chart-rate-channel'),
  };
  const xs = buckets(o);
  const specs = {
    volumeProvider: { lines: series(o.timeline.provider, xs, 'volume', providerName), yLabel: `calls per ${per}` },
    // Calls that failed before any provider have no success rate worth drawing (always 0%).
    rateProvider: { lines: series(o.timeline.provider.filter((r) => r.key !== 'unknown'), xs, 'rate'), percent: true, yLabel: `success rate per ${per}, %` },
    volumeChannel: { lines: series(o.timeline.channel, xs, 'volume', channelName), yLabel: `calls per ${per}` },
    rateChannel: { lines: series(o.timeline.channel, xs, 'rate', channelName), percent: true, yLabel: `success rate per ${per}, %` },
  };
  /** @param {keyof typeof charts} k @param {string} title */
  const chartCard = (k, title) => {
    const name = charts[k].id.replace(/^chart-/, '');
    // The axes' units as text too: the canvas is not read by screen readers.
    return card(title, h('p', { class: 'muted unit', id: `unit-${name}` }, `${specs[k].yLabel} · time in ${zoneName(o.untilMs)}`),
      charts[k], latestValues(`latest-${name}`, specs[k], xs, per));
  };
  const out = [
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
      chartCard('volumeProvider', 'Volume by provider'),
      chartCard('rateProvider', 'Success rate by provider'),
      chartCard('volumeChannel', 'Volume by channel'),
      chartCard('rateChannel', 'Success rate by channel')),
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
    refusalsCard(o.refusals),
  ];
  // Drawn once the cards are in the document (uPlot measures the width).
  queueMicrotask(() => {
    const x = xs.map((b) => b / 1000);
    for (const k of /** @type {(keyof typeof charts)[]} */ (Object.keys(charts))) {
      lineChart(charts[k], { xs: x, ...specs[k], xLabel: `time (${zoneName(o.untilMs)})` });
    }
  });
  return out;
}

/**
 * The latest value of each line as text, beside its chart: readable without hovering.
 * @param {string} id
 * @param {{ lines: { label: string, values: (number | null)[] }[], percent?: boolean }} spec
 * @param {number[]} xs
 * @param {string} per
 */
function latestValues(id, spec, xs, per) {
  if (spec.lines.length === 0) return null;
  return h('ul', { class: 'latest', id }, spec.lines.map((line) => {
    let i = line.values.length - 1;
    while (i >= 0 && line.values[i] === null) i--;
    const v = i >= 0 ? line.values[i] : null;
    const at = i >= 0 ? xs[i] : undefined;
    const shown = v === null || v === undefined ? '—' : spec.percent ? `${v.toFixed(1)}%` : fmtInt(v);
    // For volumes, the period's total too: the latest bucket is often still empty.
    const total = spec.percent ? '' : ` · ${fmtInt(line.values.reduce((n, x) => (n ?? 0) + (x ?? 0), 0))} in the period`;
    return h('li', null, h('strong', null, line.label), ` ${shown}`,
      h('span', { class: 'muted' }, at === undefined ? ' (none in this period)' : ` in the ${per} from ${fmtTime(at)}${total}`));
  }));
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
  for (let b = Math.floor(o.sinceMs / o.bucketMs) * o.bucketMs; b < o.untilMs; b += o.bucketMs) out.push(b);
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
