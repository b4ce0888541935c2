// Time-series charts with uPlot (bundled, no CDN): one line per provider or channel.
import uPlot from 'uplot';
import { h, table } from './dom.js';
import { fmtTime, utcMode } from './time.js';

export const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#db2777', '#4b5563'];

const HEIGHT = 220;
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6, 1e7];

/**
 * @typedef {{ label: string, values: (number | null)[] }} Line
 * @typedef {{ xs: number[], lines: Line[], percent?: boolean, yLabel?: string, xLabel?: string }} ChartSpec
 */

/**
 * Draws a chart into `el` (which must already be in the document, for its width).
 * `xs` are epoch seconds; a `null` value leaves a gap (no calls in that bucket).
 * @param {HTMLElement} el
 * @param {ChartSpec} spec
 */
export function lineChart(el, spec) {
  el.replaceChildren();
  if (spec.lines.length === 0 || spec.xs.length === 0) {
    el.append(h('p', { class: 'chart-empty' }, 'No calls in this period.'));
    return undefined;
  }
  const percent = spec.percent === true;
  const format = (/** @type {number | null | undefined} */ v) => (v === null || v === undefined ? '—' : percent ? `${v.toFixed(1)}%` : String(v));
  // The canvas cannot read the style sheet: its grid follows the system's dark mode here.
  const grid = matchMedia('(prefers-color-scheme: dark)').matches ? '#273244' : '#eef1f5';
  /** @type {uPlot.Options} */
  const opts = {
    width: widthOf(el),
    height: HEIGHT,
    // The axis in the zone the page shows times in (time.js).
    ...(utcMode() ? { tzDate: (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { show: true, live: true },
    scales: {
      x: { time: true },
      y: percent
        ? { range: [0, 100] }
        : { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] },
    },
    series: [
      { value: (_u, v) => (v === null ? '—' : fmtTime(v * 1000)) },
      ...spec.lines.map((line, i) => ({
        label: line.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: false,
        points: { show: true, size: 5 },
        value: (/** @type {uPlot} */ _u, /** @type {number | null} */ v) => format(v),
      })),
    ],
    axes: [
      { stroke: '#64748b', grid: { stroke: grid, width: 1 }, ticks: { stroke: '#e2e8f0', width: 1 }, ...(spec.xLabel ? { label: spec.xLabel, labelSize: 20 } : {}) },
      {
        stroke: '#64748b',
        size: 56,
        ...(spec.yLabel ? { label: spec.yLabel, labelSize: 20 } : {}),
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: '#e2e8f0', width: 1 },
        ...(percent ? { values: (_u, vals) => vals.map((v) => `${v}%`) } : { incrs: INTEGER_STEPS }),
      },
    ],
  };
  /** @type {uPlot.AlignedData} */
  const data = [spec.xs, ...spec.lines.map((l) => l.values)];
  const plot = new uPlot(opts, data, el);
  // The canvas says nothing to a screen reader: the table under it is the chart in words.
  plot.root.setAttribute('aria-hidden', 'true');
  el.append(chartTable(spec, format));
  const ro = new ResizeObserver(() => {
    // The page redraws its charts on each refresh: a chart no longer shown lets go.
    if (!el.isConnected) {
      ro.disconnect();
      plot.destroy();
      return;
    }
    const w = widthOf(el);
    if (w !== plot.width) plot.setSize({ width: w, height: HEIGHT });
  });
  ro.observe(el);
  return plot;
}

/**
 * The chart's figures as a table, folded under it: one row per period that had calls, one column per line.
 * @param {ChartSpec} spec
 * @param {(v: number | null) => string} format
 */
function chartTable(spec, format) {
  const rows = spec.xs.flatMap((x, i) => {
    const values = spec.lines.map((l) => l.values[i] ?? null);
    return values.some((v) => v !== null && v !== 0) ? [[h('span', { class: 'nowrap' }, fmtTime(x * 1000)), ...values.map(format)]] : [];
  });
  return h('details', { class: 'chart-table' },
    h('summary', null, `Show as a table (${rows.length} period${rows.length === 1 ? '' : 's'} with calls)`),
    table(['Period starting', ...spec.lines.map((l) => l.label)], rows, { class: 'grid num', empty: 'No calls in this period.' }));
}

/** @param {HTMLElement} el */
function widthOf(el) {
  return Math.max(280, Math.floor(el.clientWidth || 600));
}
