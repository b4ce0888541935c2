// Configuration: the effective settings, defaults filled in, every secret replaced on the server.
import { api } from '../api.js';
import { card, h, jsonView, replace } from '../dom.js';

/** @param {HTMLElement} main */
export async function configPage(main) {
  /** @type {Record<string, unknown>} */
  const config = await api('/admin/api/config');
  const { source, ...rest } = config;
  const sections = Object.entries(rest).filter(([k]) => k !== 'generateHookSecret');
  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Configuration'),
      h('p', { class: 'muted' }, `The effective configuration${typeof source === 'string' ? ` from ${source}` : ''}, defaults included. Secrets (hook secrets, provider credentials, tokens, keys, passwords) are replaced with [redacted] before they leave the gateway.`))),
    h('div', { class: 'config', id: 'config' }, sections.map(([k, v]) => card(k, jsonView(v)))));
}
