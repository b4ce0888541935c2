// Times as the pages show them: with their zone ("2026-12-01 14:03:12 CET"), in the browser's zone
// or in UTC. The choice is the operator's, kept in localStorage, and shared by every page.

const KEY = 'byot.admin.utc';

/** True when times are shown in UTC. */
export function utcMode() {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

/** @param {boolean} on */
export function setUtcMode(on) {
  try {
    localStorage.setItem(KEY, on ? '1' : '0');
  } catch {
    // Storage refused (private mode): the choice lasts as long as the page.
  }
  redraw?.();
}

/** @type {(() => void) | undefined} */
let redraw;

/** What the open page redraws when the choice changes (one page is open at a time). @param {() => void} f */
export function onUtcChange(f) {
  redraw = f;
}

/** A "Times in UTC" checkbox; the page redraws its times through onUtcChange. */
export function utcSwitch() {
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = 'utc-switch';
  box.checked = utcMode();
  box.addEventListener('change', () => setUtcMode(box.checked));
  const label = document.createElement('label');
  label.className = 'switch';
  label.append(box, ' Times in UTC');
  return label;
}

/** The zone the pages show times in, as a short name (`CET`, `UTC`, `GMT+5:30`). */
export function zoneName(ms = Date.now()) {
  return parts(ms).timeZoneName ?? '';
}

/** @param {number} ms */
function parts(ms) {
  const fmt = new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    hourCycle: 'h23', timeZoneName: 'short', ...(utcMode() ? { timeZone: 'UTC' } : {}),
  });
  /** @type {Record<string, string>} */
  const out = {};
  for (const p of fmt.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** `2026-12-01 14:03:07 CET`, in the chosen zone. @param {number | null | undefined} ms */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const p = parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName ?? ''}`.trim();
}

/**
 * Midnight starting a day typed as yyyy-mm-dd, in the chosen zone, epoch ms.
 * @param {string} day
 */
export function dayStart(day) {
  const [y, m, d] = day.split('-').map(Number);
  return utcMode() ? Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) : new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).getTime();
}
