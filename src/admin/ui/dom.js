// Small DOM helpers: elements are built with createElement and text nodes only (never innerHTML),
// so nothing from the delivery log or a request can become markup.

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs */

/**
 * An element with attributes (`class`, `onclick`…) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {(Child | Child[])[]} children
 */
export function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
}

/**
 * Replaces the children of `el`.
 * @param {Element} el
 * @param {...(Child | Child[])} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** @param {number | null | undefined} n */
export function fmtInt(n) {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** @param {number | null | undefined} ms */
export function fmtMs(ms) {
  return ms === null || ms === undefined ? '—' : `${ms.toLocaleString('en-US')} ms`;
}

/**
 * @param {number} part
 * @param {number} whole
 */
export function fmtPct(part, whole) {
  if (!whole) return '—';
  const p = (100 * part) / whole;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** Times with their zone, local or UTC (time.js). */
export { fmtTime } from './time.js';

/** `3 min ago`. @param {number} ms */
export function fmtAgo(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * A coloured label for a status (`SUCCESSFUL`, `FAILED`, `open`…).
 * @param {string | undefined} status
 * @param {string} [text]
 */
export function badge(status, text) {
  const tone = {
    SUCCESSFUL: 'ok', delivered: 'ok', closed: 'ok', sent: 'info', ok: 'ok',
    PENDING: 'warn', pending: 'warn', 'half-open': 'warn', undelivered: 'bad',
    FAILED: 'bad', failed: 'bad', open: 'bad',
  }[status ?? ''] ?? 'muted';
  return h('span', { class: `badge ${tone}` }, text ?? status ?? '—');
}

/**
 * A table from column headers and rows of cells.
 * @param {string[]} head
 * @param {(Child | Child[])[][]} rows
 * @param {{ empty?: string, class?: string, id?: string }} [opts]
 */
export function table(head, rows, opts = {}) {
  return h('table', { class: opts.class ?? 'grid', id: opts.id },
    h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.length === 0
      ? h('tr', null, h('td', { class: 'empty', colspan: head.length }, opts.empty ?? 'Nothing yet.'))
      : rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))));
}

/**
 * A titled panel.
 * @param {string} title
 * @param {...(Child | Child[])} children
 */
export function card(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

/**
 * JSON, pretty-printed with keys, strings and numbers coloured (spans, no markup from data).
 * @param {unknown} value
 */
export function jsonView(value) {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const pre = h('pre', { class: 'json' });
  const token = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(token)) {
    const at = m.index ?? 0;
    if (at > last) pre.append(text.slice(last, at));
    if (m[1] !== undefined) {
      pre.append(h('span', { class: m[2] ? 'j-key' : m[1] === '"[redacted]"' ? 'j-redacted' : 'j-str' }, m[1]));
      if (m[2]) pre.append(m[2]);
    } else {
      pre.append(h('span', { class: m[3] !== undefined ? 'j-lit' : 'j-num' }, m[0]));
    }
    last = at + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}

/**
 * A `label: value` list.
 * @param {[string, Child | Child[]][]} pairs
 */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}
