// `byot explain`: what the gateway would do with a request, and why, without sending anything.
import { existsSync } from 'node:fs';
import pino from 'pino';
import { CHANNELS, EXAMPLE_NUMBER, REQUEST_TYPES, withoutRequestTypePrefix, type Channel, type Destination, type RequestType } from '../core/domain.js';
import { configFromEnv, type Config } from '../config/load.js';
import { loadConfigFile } from '../config/file.js';
import { buildAdapters } from '../gateway/adapters.js';
import type { ProviderAdapter } from '../providers/types.js';
import { createRouter } from '../routing/plan.js';
import { RouteScores } from '../routing/adaptive.js';
import { isPostgresUrl, openStore } from '../store/open.js';
import { dryRun } from '../pipeline/dry-run.js';
import type { SpokenVoice } from '../delivery/spoken.js';
import { failureAnswerText, normaliseLocale } from '../okta/contract.js';
import { createOutput, oneOf, parseCommand, table, UsageError, type Output } from './common.js';

export const EXPLAIN_USAGE = `byot explain — show which providers a request would go to, in which order, and why

Usage:
  byot explain [--config FILE] --phone NUMBER --channel sms|voice [--type T] [--locale L] [--json]

Options:
  --config FILE   the gateway's configuration (default $BYOT_CONFIG, else settings from the environment)
  --phone NUMBER  the number as Okta would send it (${EXAMPLE_NUMBER})
  --channel C     sms | voice
  --type T        mfa-verification (default) | pre-enrollment | account-unlock | password-reset
  --locale L      the user's locale (default en-US)
  --json          print the explanation as JSON

Every circuit breaker is taken as closed; nothing is sent to any provider. With routing.adaptive,
the figures that order the providers are read from the delivery log (store.path or store.url).

Examples:
  byot explain --config byot.yaml --phone ${EXAMPLE_NUMBER} --channel sms
  byot explain --config byot.yaml --phone +33612345678 --channel voice --type password-reset --locale fr-FR --json
`;

/** The guard's answer for a request (policy and velocity limits). */
export interface GuardVerdict {
  allow: boolean;
  /** The rule that refused it (for the operator only; Okta's user never sees it). */
  rule?: string;
  reason?: string;
}

export interface ExplainInput {
  phone: string;
  channel: Channel;
  requestType: RequestType;
  locale: string;
}

export interface Explanation {
  request: ExplainInput;
  /** Undefined when the text is not a phone number at all (invalid_number: nothing is sent). */
  destination?: Destination;
  /** Undefined when the text is not a phone number (the guard is never reached). */
  guard?: GuardVerdict;
  /** Undefined when routing was not reached (not a number, or refused by the guard). */
  route?: {
    rule: string;
    matched: string[];
    /** `voice`, for a call: the language and voice the attempt speaks the code in. */
    chain: { provider: string; kind: string; reason: string; tried: boolean; voice?: SpokenVoice }[];
    skipped: { provider: string; reason: string }[];
    /** The rule resends once through the rest of the chain when a receipt says undelivered (pipeline/resend.ts). */
    resendOnUndelivered: boolean;
  };
  /** With `routing.adaptive`: where the figures behind the order were read. */
  measured?: string;
  /** One sentence: what Okta would get. */
  outcome: string;
}

/** What the gateway would do with the request (pipeline/dry-run.ts), in the words `explain` prints. */
export function explainRequest(
  config: Config, input: ExplainInput, opts: { adapters?: ReadonlyMap<string, ProviderAdapter>; scores?: RouteScores; measured?: string } = {},
): Explanation {
  const request = { ...input, locale: normaliseLocale(input.locale) };
  const adapters = opts.adapters ?? buildAdapters(config, pino({ level: 'silent' }));
  // Breakers are all closed here: explain shows the configured intent, not the live health. No
  // eventId is given, so no request explores: the order shown is the measured one.
  const d = dryRun(request, config, createRouter(config, adapters, new Map(), opts.scores));
  const failure = failureAnswerText(config.hook.onFailure);
  const destination = d.destination;
  if (!destination) {
    return { request, outcome: `not a phone number (invalid_number): no provider is called; the gateway ${failure}` };
  }
  if (d.refusedBy) {
    const guard: GuardVerdict = { allow: false, rule: d.refusedBy, reason: 'refused by policy (velocity limits are not evaluated here)' };
    return { request, destination, guard, outcome: `refused by the guard (${d.refusedBy}): no provider is called; the gateway ${failure}` };
  }
  const plan = d.plan!;
  const max = config.hook.maxAttempts;
  const chain = plan.steps.map((s, i) => ({
    provider: s.provider,
    kind: adapters.get(s.provider)?.kind ?? '?',
    reason: i < max ? s.reason : `${s.reason}; beyond hook.maxAttempts (${max}): not tried`,
    tried: i < max,
    ...(s.voice ? { voice: s.voice } : {}),
  }));
  const tried = chain.filter((c) => c.tried).map((c) => c.provider);
  const outcome = tried.length === 0
    ? `no provider can take this request (no_provider): the gateway ${failure}`
    : tried.length === 1
      ? `tries ${tried[0]}, within the ${config.hook.budgetMs} ms budget`
      : `tries ${tried.join(', then ')}, stopping at the first that accepts, within the ${config.hook.budgetMs} ms budget`;
  return {
    request,
    destination,
    guard: { allow: true },
    route: { rule: plan.rule, matched: plan.matched, chain, skipped: plan.skipped.map((s) => ({ ...s })), resendOnUndelivered: plan.resendOnUndelivered },
    ...(opts.measured ? { measured: opts.measured } : {}),
    outcome,
  };
}

/** What explaining a request reads of the configuration. */
const EXPLAIN_SECTIONS = ['phone', 'hook', 'routing', 'guard', 'providers', 'messages', 'resilience', 'store'] as const;

/** The figures `routing.adaptive` orders by, read once from the delivery log, and where they came from. */
async function measuredScores(config: Config): Promise<{ scores: RouteScores; measured: string }> {
  const adaptive = config.routing.adaptive!;
  const scores = new RouteScores(adaptive);
  const location = config.store.url ?? config.store.path;
  const where = isPostgresUrl(location) ? 'the PostgreSQL delivery log' : `the delivery log at ${location}`;
  // Opening a SQLite path would create an empty log: a missing one simply has nothing measured.
  if (!isPostgresUrl(location) && !existsSync(location)) return { scores, measured: `nothing measured: no delivery log at ${location}` };
  const store = await openStore(location);
  try {
    const at = Date.now();
    scores.replace(await store.routeStats(at - adaptive.windowSeconds * 1_000), at);
  } finally {
    await store.close();
  }
  return { scores, measured: `the last ${adaptive.windowSeconds} s of ${where}` };
}

export async function explainCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(args, {
    config: { type: 'string', short: 'c' },
    phone: { type: 'string' },
    channel: { type: 'string' },
    type: { type: 'string' },
    locale: { type: 'string' },
    json: { type: 'boolean' },
  }, EXPLAIN_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  if (v.phone === undefined) throw new UsageError('--phone is required', EXPLAIN_USAGE);
  if (v.channel === undefined) throw new UsageError('--channel is required (sms or voice)', EXPLAIN_USAGE);
  const channel = oneOf(v.channel, 'channel', CHANNELS, EXPLAIN_USAGE)!;
  const requestType = oneOf(v.type === undefined ? undefined : withoutRequestTypePrefix(v.type), 'type', REQUEST_TYPES, EXPLAIN_USAGE) ?? 'mfa-verification';
  const file = v.config ?? (env.BYOT_CONFIG || undefined);
  // Explain sends nothing: the hook's, the admin page's and the providers' secrets are not needed.
  const config = file ? await loadConfigFile(file, env, { sections: EXPLAIN_SECTIONS, unsetVariables: 'placeholder' }) : configFromEnv(env);

  const measured = config.routing.adaptive ? await measuredScores(config) : {};
  const explanation = explainRequest(config, { phone: v.phone, channel, requestType, locale: v.locale ?? 'en-US' }, measured);
  const o = createOutput();
  if (v.json) o.out(`${JSON.stringify(explanation, null, 2)}\n`);
  else o.out(formatExplanation(o, explanation, config.source));
  return 0;
}

export function formatExplanation(o: Output, e: Explanation, source: string): string {
  const d = e.destination;
  const WIDTH = 10;
  const lines: string[] = [];
  const line = (label: string, text: string): void => { lines.push(`${o.bold(label)}${' '.repeat(WIDTH - label.length)}${text}`); };
  /** A sub-table whose first line sits beside the label and the rest under it. */
  const block = (label: string, rows: string[][]): void => {
    const [first = '', ...rest] = table(rows).trimEnd().split('\n');
    line(label, first);
    for (const r of rest) lines.push(' '.repeat(WIDTH) + r);
  };
  line('Config', source);
  line('Request', `${e.request.channel} · ${e.request.requestType} · locale ${e.request.locale}`);
  line('Number', d
    ? `${d.e164} · ${d.country ?? 'country unknown'} · ${d.type} · ${d.valid ? 'valid' : o.yellow('not a valid number')}`
    : o.red(`"${e.request.phone}" is not a phone number`));
  if (e.guard) {
    line('Guard', e.guard.allow
      ? `${o.green('allowed')} ${o.dim('(number and country policy; velocity limits are not evaluated here)')}`
      : o.red(`refused${e.guard.rule ? ` by ${e.guard.rule}` : ''}${e.guard.reason ? `: ${e.guard.reason}` : ''}`));
  }
  if (e.route) {
    const r = e.route;
    line('Rule', r.rule);
    line('Because', r.matched.length > 0 ? r.matched.join(', ') : 'no rule matched, so the default chain');
    if (r.chain.length === 0) line('Chain', o.red('(empty)'));
    else block('Chain', r.chain.map((c, i) => [`${i + 1}.`, c.tried ? c.provider : o.dim(c.provider), o.dim(`(${c.kind})`),
      ...(c.voice ? [`speaks ${c.voice.language}, voice ${c.voice.voice}`] : []), c.reason]));
    if (r.skipped.length > 0) block('Skipped', r.skipped.map((s) => [s.provider, s.reason]));
    if (r.resendOnUndelivered) line('Resend', 'once, through the next provider of the chain that did not fail, if a receipt says undelivered');
  }
  if (e.measured) line('Measured', e.measured);
  line('Outcome', e.outcome);
  return `${lines.join('\n')}\n`;
}
