// Blocks: the conversion blocks in force (a number prefix or a country × channel whose codes are
// not being used), with the evidence each was decided on, and a Lift button for admins, asked to
// confirm; a lifted block stays listed, as lifted, until it would have ended.
import { api } from '../api.js';
import { badge, card, fmtInt, fmtTime, h, replace, table } from '../dom.js';
import { channelLabel } from '../labels.js';
import { readOnly } from '../role.js';

/**
 * @typedef {{ sent: number, verified: number, failed: number, windowSeconds: number, baseline: number, baselineIsFloor: boolean,
 *   upper: number, threshold: number }} Evidence
 * @typedef {{ id: string, rule: string, mode: 'enforce' | 'monitor', channel: string, country?: string, scope: string,
 *   startedAt: number, until: number, evidence: Evidence, lifted?: { by: string, at: number } }} Block
 */

/** @param {HTMLElement} main */
export async function blocksPage(main) {
  /** @type {{ blocks: Block[] }} */
  const { blocks } = await api('/admin/api/blocks');
  const status = h('p', { class: 'muted', id: 'blocks-status', role: 'status' });
  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Blocks'),
      h('p', { class: 'muted' }, 'Number prefixes and country × channel pairs the guard refuses because the codes sent there are not being used (guard.conversion). In monitor mode a block is only reported. Lifting one lets its scope send again until the block would have ended; the lift is in the audit log.'))),
    card('Active blocks',
      readOnly() ? h('p', { class: 'muted', id: 'read-only-note' }, 'Your login is read-only: you can see the blocks, not lift them.') : null,
      status,
      table(['Rule', 'Scope', 'Mode', 'Sends', 'Verified', 'Window', 'Baseline', 'Since', 'Until', 'State'],
        blocks.map((b) => [
          h('code', null, b.rule),
          h('span', { class: 'mono' }, b.scope, h('span', { class: 'reason' }, `${b.country ? `${b.country} · ` : ''}${channelLabel(b.channel)}`)),
          badge(b.mode === 'enforce' ? 'FAILED' : 'PENDING', b.mode),
          fmtInt(b.evidence.sent),
          fmtInt(b.evidence.verified),
          windowText(b.evidence.windowSeconds),
          h('span', { title: b.evidence.baselineIsFloor ? 'the configured floor' : 'the country × channel conversion' },
            `${(b.evidence.baseline * 100).toFixed(1)}%${b.evidence.baselineIsFloor ? ' (floor)' : ''}`),
          h('span', { class: 'nowrap' }, fmtTime(b.startedAt)),
          h('span', { class: 'nowrap' }, fmtTime(b.until)),
          stateCell(b, main, status),
        ]),
        { empty: 'No block is active.', class: 'grid', id: 'blocks-table' })));
}

/** @param {number} s */
function windowText(s) {
  return s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}

/**
 * Lifted (by whom, when), or a Lift button that asks to confirm before it lifts; nothing to do for a read-only login.
 * @param {Block} b
 * @param {HTMLElement} main
 * @param {HTMLElement} status
 */
function stateCell(b, main, status) {
  if (b.lifted) return h('span', { class: 'lifted' }, badge('ok', 'lifted'), h('span', { class: 'reason' }, `by ${b.lifted.by}, ${fmtTime(b.lifted.at)}`));
  if (readOnly()) return badge('FAILED', 'active');
  const cell = h('div', { class: 'lift-cell' });
  const ask = () => {
    const confirm = h('button', { type: 'button', class: 'danger confirm-lift', 'data-block': b.id }, 'Lift it');
    const cancel = h('button', { type: 'button', class: 'secondary cancel-lift' }, 'Cancel');
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      cancel.disabled = true;
      try {
        await api('/admin/api/blocks/lift', { id: b.id });
        await blocksPage(main);
        document.getElementById('blocks-status')?.append(`Lifted ${b.scope} (${b.rule}).`);
      } catch (err) {
        status.textContent = `Could not lift: ${err instanceof Error ? err.message : String(err)}`;
        offer();
      }
    });
    cancel.addEventListener('click', () => offer(true));
    replace(cell, h('span', { class: 'confirm-text', id: `confirm-${cssId(b.id)}` }, `Lift the block on ${b.scope}?`), confirm, cancel);
    confirm.focus();
  };
  /** @param {boolean} [focus] */
  const offer = (focus = false) => {
    const lift = h('button', { type: 'button', class: 'danger lift', 'data-block': b.id, 'aria-label': `Lift the block on ${b.scope}` }, 'Lift');
    lift.addEventListener('click', ask);
    replace(cell, badge('FAILED', 'active'), lift);
    if (focus) lift.focus();
  };
  offer();
  return cell;
}

/** @param {string} id */
function cssId(id) {
  return id.replace(/[^A-Za-z0-9_-]/g, '-');
}
