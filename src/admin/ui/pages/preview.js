// Routing & Preview, like the Preview tab of Okta's telephony hook: pick a request type and a
// channel, a user and a number, generate the request Okta would send (editable JSON), see the route
// the gateway would take and why, then run it — dry (nothing sent) or for real — and see exactly
// the answer Okta would get.
import { api, ApiError } from '../api.js';
import { badge, card, facts, fmtMs, h, jsonView, replace, table } from '../dom.js';
import { REQUEST_TYPE_LABELS, channelLabel, requestTypeLabel } from '../labels.js';
import { readOnly } from '../role.js';

/**
 * @typedef {{ rule: string, matched: string[], steps: { provider: string, reason: string, breaker: string, voice?: { language: string, voice: string } }[], skipped: { provider: string, reason: string }[] }} Plan
 * @typedef {{ errorSummary: string, reason: string, location?: string }} Cause
 * @typedef {{ provider: string, text: string, locale: string }} PlannedText
 * @typedef {{ ok: false, causes: Cause[] } | { ok: true, requestType: string, channel: string, locale: string, preview: boolean, notes: string[],
 *   destination: { e164: string, country?: string, type: string, valid: boolean } | null, guard?: { allow: boolean, rule?: string, note: string },
 *   plan: Plan | null, texts: PlannedText[], failureAnswer: string }} PlanResult
 * @typedef {{ dryRun: boolean, httpStatus: number, answer: any, ms: number, replayed?: boolean, plan?: Plan,
 *   outcome?: { status: string, provider?: string, transactionId?: string, reason?: string, blockedBy?: string,
 *   attempts: { provider: string, ok: boolean, category?: string, providerCode?: string, transactionId?: string, ms: number }[] } }} SendResult
 */

/** @param {HTMLElement} main */
export async function previewPage(main) {
  const requestType = h('select', { id: 'p-type', name: 'requestType' },
    ['mfa-verification', 'pre-enrollment', 'account-unlock', 'password-reset'].map((t) => h('option', { value: t }, REQUEST_TYPE_LABELS[t] ?? t)));
  const channel = h('select', { id: 'p-channel', name: 'channel' }, h('option', { value: 'sms' }, 'SMS'), h('option', { value: 'voice' }, 'Voice call'));
  const login = h('input', { id: 'p-login', name: 'login', value: 'test.user@example.com', autocomplete: 'off' });
  const phone = h('input', { id: 'p-phone', name: 'phone', value: '+12025550123', inputmode: 'tel', autocomplete: 'off', required: true });
  const locale = h('input', { id: 'p-locale', name: 'locale', value: 'EN-US', autocomplete: 'off' });
  const generate = h('button', { type: 'submit', class: 'primary', id: 'generate' }, 'Generate request');
  const chooser = h('form', { class: 'filters', id: 'preview-form' },
    field('Request type', requestType), field('Channel', channel), field('User (login)', login), field('Phone number', phone), field('Locale', locale),
    h('div', { class: 'actions' }, generate));

  const editor = h('textarea', { id: 'request-json', spellcheck: 'false', rows: 24, 'aria-label': 'Okta request (JSON)' });
  const parseProblem = h('div', { id: 'request-problems' });
  const check = h('button', { type: 'button', class: 'secondary', id: 'check' }, 'Check route');
  const dry = h('button', { type: 'button', class: 'primary', id: 'dry-run' }, 'Dry run');
  // A read-only login may not send (the server answers 403): the button is there, off, and says why.
  const real = h('button', { type: 'button', class: 'danger', id: 'send-real', disabled: readOnly(), title: readOnly() ? 'Your login is read-only: dry runs only' : null }, 'Send for real');
  const planBox = h('div', { id: 'plan' }, h('p', { class: 'muted' }, 'Generate a request to see its route.'));
  const answerBox = h('div', { id: 'answer' }, h('p', { class: 'muted' }, 'Run the request to see the answer Okta would get.'));
  const noAnswer = (/** @type {string} */ why) => replace(answerBox, h('p', { class: 'muted', id: 'no-answer' }, why));
  // A real send delivers a message: it waits for a second, explicit click.
  const confirmBox = h('div', { class: 'confirm', id: 'confirm-send', role: 'alertdialog', 'aria-label': 'Confirm a real send', hidden: true });
  /** @type {Extract<PlanResult, { ok: true }> | undefined} */
  let lastPlan;
  const rulesBox = h('div', { id: 'rules' });

  replace(main,
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Routing & Preview'),
      h('p', { class: 'muted' }, 'Like the Preview tab of the hook in Okta: generate the request Okta sends, edit it, see the route and why, then run it. A dry run sends nothing and records nothing; sending for real delivers a message and writes a delivery-log row.'))),
    card('Configure inline hook request', chooser),
    h('div', { class: 'two wide-left' },
      card('Preview example inline hook request',
        editor, parseProblem,
        h('div', { class: 'actions' }, check, dry, real,
          h('span', { class: 'hint' }, readOnly() ? 'Your login is read-only: dry runs only.' : 'The code in otpCode is a test code; a real send delivers it.')),
        confirmBox),
      h('div', { class: 'stack' },
        card('Route plan', planBox),
        card("View service's response", answerBox))),
    card('Routing rules', rulesBox));

  /** @returns {unknown | undefined} the edited JSON, or undefined after showing why it is not JSON */
  const edited = () => {
    try {
      const v = JSON.parse(editor.value);
      replace(parseProblem);
      return v;
    } catch (err) {
      replace(parseProblem, h('p', { class: 'error' }, `Not valid JSON: ${err instanceof Error ? err.message : String(err)}`));
      return undefined;
    }
  };

  const showPlan = async () => {
    const request = edited();
    lastPlan = undefined;
    if (request === undefined) {
      replace(planBox, h('p', { class: 'muted' }, 'Fix the JSON to see the route.'));
      // The answer shown was another request's.
      noAnswer('No answer: the request is not valid JSON.');
      return;
    }
    /** @type {PlanResult} */
    const r = await api('/admin/api/preview/plan', { request });
    if (!r.ok) {
      replace(parseProblem, causesView(r.causes));
      replace(planBox, h('p', { class: 'error' }, 'The gateway would refuse this request (HTTP 400); see the problems under the request.'));
      noAnswer('No answer yet: the gateway would refuse this request (HTTP 400). Run it to see that answer.');
      return;
    }
    lastPlan = r;
    replace(planBox, planView(r));
  };

  const generateRequest = async () => {
    const r = await api('/admin/api/preview/request', {
      requestType: requestType.value, channel: channel.value, login: login.value, phone: phone.value, locale: locale.value,
    });
    editor.value = JSON.stringify(r.request, null, 2);
    replace(answerBox, h('p', { class: 'muted' }, 'Run the request to see the answer Okta would get.'));
    await showPlan();
  };

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  /** @param {boolean} dryRun */
  const send = async (dryRun) => {
    confirmBox.hidden = true;
    const request = edited();
    if (request === undefined) {
      noAnswer('No answer: the request is not valid JSON.');
      return;
    }
    for (const b of [dry, real]) b.disabled = true;
    replace(answerBox, h('p', { class: 'muted' }, dryRun ? 'Running (dry)…' : 'Sending…'));
    try {
      // The route shown is the route of what is sent, even right after an edit.
      clearTimeout(timer);
      await showPlan();
      /** @type {SendResult} */
      const r = await api('/admin/api/preview/send', { request, dryRun });
      replace(answerBox, answerView(r));
    } catch (err) {
      replace(answerBox, h('p', { class: 'error' }, err instanceof ApiError ? err.message : String(err)));
    } finally {
      dry.disabled = false;
      real.disabled = readOnly();
    }
  };

  editor.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void showPlan(), 400);
  });
  chooser.addEventListener('submit', (e) => { e.preventDefault(); void generateRequest(); });
  check.addEventListener('click', () => void showPlan());
  dry.addEventListener('click', () => void send(true));
  real.addEventListener('click', () => void askToSend());

  /** Says what a real send would do, and sends only on a second click. */
  const askToSend = async () => {
    clearTimeout(timer);
    await showPlan();
    const p = lastPlan;
    const to = p?.destination ? p.destination.e164 : 'this number';
    const what = p?.channel === 'voice' ? 'a voice call' : 'an SMS';
    const chain = p?.plan?.steps.map((s) => s.provider).join(' → ');
    const consequence = !p ? 'The gateway would refuse this request; nothing would be sent.'
      : p.guard && !p.guard.allow ? `The guard refuses it (${p.guard.rule}): nothing would be sent, but the call is recorded.`
        : chain ? `This sends ${what} with the code to ${to} through ${chain}, and writes a delivery-log row.` : 'No provider can take it: nothing would be sent.';
    replace(confirmBox,
      h('p', null, h('strong', null, 'Send for real? '), consequence),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', id: 'confirm-real', onclick: () => void send(false) }, 'Yes, send it'),
        h('button', { type: 'button', class: 'secondary', id: 'cancel-real', onclick: () => { confirmBox.hidden = true; real.focus(); } }, 'Cancel')));
    confirmBox.hidden = false;
    confirmBox.querySelector('button')?.focus();
  };

  const [routing] = await Promise.all([api('/admin/api/routing'), generateRequest()]);
  replace(rulesBox, rulesView(routing));
}

/**
 * @param {string} label
 * @param {HTMLElement} control
 */
function field(label, control) {
  return h('label', { class: 'field' }, h('span', null, label), control);
}

/** @param {Cause[]} causes */
function causesView(causes) {
  return h('div', { class: 'problems' },
    h('p', { class: 'error' }, `The gateway would answer HTTP 400 (${causes.length} problem${causes.length === 1 ? '' : 's'}):`),
    h('ul', null, causes.map((c) => h('li', null, h('code', null, c.reason), ' ', c.errorSummary, c.location ? h('span', { class: 'muted' }, ` at ${c.location}`) : null))));
}

/** @param {Extract<PlanResult, { ok: true }>} r */
function planView(r) {
  const d = r.destination;
  /** @type {HTMLElement[]} */
  const parts = [
    facts([
      ['Request', `${requestTypeLabel(r.requestType)} · ${channelLabel(r.channel)} · ${r.locale}${r.preview ? ' · Okta Preview' : ''}`],
      ['Number', d ? h('span', null, h('code', null, d.e164), ` ${d.country ?? 'no country'} · ${d.type.toLowerCase().replace(/_/g, ' ')}`, d.valid ? '' : h('span', { class: 'bad' }, ' · not a valid number')) : h('span', { class: 'bad' }, 'cannot be read as a phone number')],
      ...(r.guard ? [/** @type {[string, HTMLElement]} */ (['Guard', h('span', { id: 'plan-guard' },
        r.guard.allow ? badge('ok', 'allowed') : badge('FAILED', 'refused'), r.guard.rule ? h('code', null, ` ${r.guard.rule}`) : null,
        h('span', { class: 'muted' }, ` — ${r.guard.note}`))])] : []),
      ...(r.plan ? [/** @type {[string, HTMLElement]} */ (['Rule', h('span', { id: 'plan-rule' }, h('code', null, r.plan.rule), r.plan.matched.length ? ` — ${r.plan.matched.join(', ')}` : '')])] : []),
      ...(r.notes.length ? [/** @type {[string, string]} */ (['Notes', r.notes.join(', ')])] : []),
    ]),
  ];
  if (r.guard && !r.guard.allow) {
    parts.push(h('p', { class: 'error', id: 'plan-refused' }, `Refused by the guard (${r.guard.rule}): no provider would be tried; the gateway ${r.failureAnswer}.`));
    return h('div', null, parts);
  }
  if (!r.plan) {
    parts.push(h('p', { class: 'error' }, `No route (invalid_number): no provider would be tried; the gateway ${r.failureAnswer}.`));
    return h('div', null, parts);
  }
  parts.push(h('h3', null, 'Attempt order'));
  parts.push(r.plan.steps.length
    ? h('ol', { class: 'chain', id: 'plan-chain' }, r.plan.steps.map((s) => h('li', null, h('strong', null, s.provider),
      s.voice ? ` · speaks ${s.voice.language}, voice ${s.voice.voice}` : null,
      h('span', { class: 'muted' }, ` — ${s.reason}`), ' ', badge(s.breaker, `breaker ${s.breaker}`))))
    : h('p', { class: 'error' }, `No provider can take this request (no_provider): the gateway ${r.failureAnswer}.`));
  if (r.plan.skipped.length) {
    parts.push(h('h3', null, 'Left out'));
    parts.push(h('ul', { class: 'chain skipped' }, r.plan.skipped.map((s) => h('li', null, h('strong', null, s.provider), h('span', { class: 'muted' }, ` — ${s.reason}`)))));
  }
  if (r.texts.length) parts.push(textsView(r.channel, r.texts));
  return h('div', null, parts);
}

/**
 * Exactly what would be sent (one SMS body for the whole chain) or spoken (a script per provider, in
 * the language it has a voice for).
 * @param {string} channel
 * @param {PlannedText[]} texts
 */
function textsView(channel, texts) {
  const same = texts.every((t) => t.text === texts[0]?.text && t.locale === texts[0]?.locale);
  const quote = (/** @type {PlannedText} */ t) => h('blockquote', { class: 'sent-text', lang: t.locale }, t.text);
  return h('div', { id: 'plan-texts' },
    h('h3', null, channel === 'voice' ? 'What the call would say' : 'What the SMS would say'),
    same && texts[0]
      ? [h('p', { class: 'muted' }, `By every provider of the chain (${texts[0].locale}):`), quote(texts[0])]
      : h('ol', { class: 'chain' }, texts.map((t) => h('li', null, h('strong', null, t.provider), h('span', { class: 'muted' }, ` (${t.locale})`), quote(t)))));
}

/** @param {SendResult} r */
function answerView(r) {
  const o = r.outcome;
  const head = h('div', { class: 'answer-head', id: 'answer-head' },
    h('span', { class: `http ${r.httpStatus === 200 ? 'ok' : 'bad'}` }, `HTTP ${r.httpStatus}`),
    o ? badge(o.status) : null,
    r.answer?.error ? badge('FAILED', 'error object') : null,
    h('span', { class: 'tag' }, r.dryRun ? 'dry run: nothing sent' : 'sent for real'),
    h('span', { class: 'muted' }, fmtMs(r.ms)));
  /** @type {HTMLElement[]} */
  const parts = [head];
  if (r.replayed) parts.push(h('p', { class: 'warn' }, 'This eventId was seen before: the gateway replayed the stored answer and sent nothing. Generate a new request to send again.'));
  if (o) {
    parts.push(facts([
      ['Provider', o.provider ?? '—'],
      ['Transaction id', o.transactionId ? h('code', null, o.transactionId) : '—'],
      ...(o.reason ? [/** @type {[string, string]} */ (['Reason', o.reason])] : []),
      ...(o.blockedBy ? [/** @type {[string, HTMLElement]} */ (['Blocked by', h('code', null, o.blockedBy)])] : []),
    ]));
    if (!r.dryRun) {
      parts.push(table(['#', 'Provider', 'Result', 'Provider code', 'Time'],
        o.attempts.map((a, i) => [String(i + 1), a.provider, a.ok ? badge('ok', 'accepted') : badge('FAILED', a.category ?? 'failed'), a.providerCode ?? '—', fmtMs(a.ms)]),
        { empty: 'No provider was tried.', class: 'grid inner' }));
    }
  }
  parts.push(h('h3', null, 'What Okta gets'));
  parts.push(h('div', { id: 'answer-json' }, jsonView(r.answer)));
  return h('div', null, parts);
}

/** @param {{ defaultChain: string[], rules: any[], defaultRegion: string, budgetMs: number }} r */
function rulesView(r) {
  /** @param {Record<string, unknown>} m */
  const match = (m) => Object.entries(m ?? {}).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('|') : String(v)}`).join(' · ') || 'every request';
  return h('div', null,
    h('p', { class: 'muted' }, `The first rule that matches decides. Numbers without a country code are read as ${r.defaultRegion}. Each call has ${fmtMs(r.budgetMs)} in all.`),
    table(['#', 'Name', 'Match', 'Providers', 'Fallback'],
      [
        ...r.rules.map((rule, i) => [String(i), rule.name ?? '—', match(rule.match),
          rule.providers ? rule.providers.join(' → ') : Object.entries(rule.split ?? {}).map(([p, w]) => `${p} ${w}`).join(' / '),
          rule.fallback?.length ? rule.fallback.join(' → ') : '—']),
        ['—', 'default', 'no rule matched', r.defaultChain.join(' → '), '—'],
      ],
      { class: 'grid' }));
}
