// Routing is data: ordered rules pick a chain or a weighted split for a request, providers that
// cannot take it are skipped with a reason, for a call providers that speak the user's language
// go first within their part of the chain, and providers whose breaker is open go to the back.
// With `routing.adaptive`, each part is first ordered by what its providers measurably deliver
// (adaptive.ts); the language and the breakers still come before that order.
import { hash } from 'node:crypto';
import type { Channel, Destination, RequestType } from '../core/domain.js';
import type { BaseProviderConfig } from '../providers/base.js';
import type { RoutingConfig, RoutingRule } from './schema.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Breaker } from '../delivery/breaker.js';
import { languageOf } from '../providers/markup.js';
import { speaksUserLanguage, spokenVoice, type SpokenVoice } from '../delivery/spoken.js';
import { rankPart, RouteScores } from './adaptive.js';

/** What routing looks at. */
export interface RouteInput {
  channel: Channel;
  requestType: RequestType;
  locale: string;
  dest: Destination;
  /** Okta's eventId: picks the requests that explore (keep the configured order) under `routing.adaptive`. */
  eventId?: string;
}

export interface RouteStep {
  provider: string;
  /** Why it is at this place in the chain, or why it was left out. */
  reason: string;
  /** For a call: the language and voice this attempt would speak the code in. */
  voice?: SpokenVoice;
  /** The part of the chain it came from: the rule's providers (or split) or its fallbacks. */
  group?: 'chain' | 'split' | 'fallback';
}

export interface RoutePlan {
  /** `rules[1] (uk-split)`, or `default`. */
  rule: string;
  /** The conditions that made the rule match. */
  matched: string[];
  /** Attempt order. */
  chain: ProviderAdapter[];
  steps: RouteStep[];
  skipped: RouteStep[];
  /** The rule asks for one resend through the rest of the chain when a receipt says undelivered. */
  resendOnUndelivered: boolean;
}

type Rule = RoutingRule;

/** What routing reads of the configuration: its own section and each provider's country lists. */
export interface RouterConfig {
  routing: RoutingConfig;
  providers: Readonly<Record<string, Pick<BaseProviderConfig, 'countries'>>>;
}

export interface Router {
  plan(input: RouteInput): RoutePlan;
}

/**
 * `scores`: the measured figures `routing.adaptive` orders by, kept filled by score-refresh.ts (an
 * empty table when not given: every provider keeps its place until something is measured).
 */
export function createRouter(
  config: RouterConfig, adapters: ReadonlyMap<string, ProviderAdapter>, breakers: ReadonlyMap<string, Breaker>, scores?: RouteScores,
): Router {
  const defaultOrder = config.routing.default ?? Object.keys(config.providers);
  const adaptive = config.routing.adaptive;
  const table = adaptive ? (scores ?? new RouteScores(adaptive)) : undefined;

  return {
    plan(input) {
      // The first rule that matches, and the conditions that made it match, in one pass.
      let index = -1;
      let matched: string[] = [];
      for (const [i, r] of config.routing.rules.entries()) {
        const reasons = matches(r, input);
        if (reasons) {
          index = i;
          matched = reasons;
          break;
        }
      }
      const rule = config.routing.rules[index];
      const candidates = rule ? candidatesOf(rule, index, input.dest.e164) : defaultOrder.map((p) => ({ provider: p, reason: 'default chain' }));
      const steps: RouteStep[] = [];
      const skipped: RouteStep[] = [];
      const seen = new Set<string>();
      for (const c of candidates) {
        if (seen.has(c.provider)) continue;
        seen.add(c.provider);
        const refusal = refuses(c.provider, input);
        if (refusal) skipped.push({ provider: c.provider, reason: refusal });
        else steps.push(c);
      }
      const measured = byMeasure(steps, input);
      const spoken = input.channel === 'voice' ? byLanguage(measured, input.locale) : measured;
      // An open breaker moves a provider to the back rather than out: trying it beats giving up.
      const healthy = spoken.filter((s) => breakers.get(s.provider)?.available() ?? true);
      const open = spoken.filter((s) => !healthy.includes(s)).map((s) => ({ ...s, reason: `${s.reason}; breaker open, moved to the back` }));
      const ordered = [...healthy, ...open];
      return {
        rule: rule ? `rules[${index}]${rule.name ? ` (${rule.name})` : ''}` : 'default',
        matched,
        chain: ordered.map((s) => adapters.get(s.provider)!),
        steps: ordered.map(({ group: _group, ...s }) => s),
        skipped,
        resendOnUndelivered: rule?.resendOnUndelivered ?? false,
      };
    },
  };

  /**
   * Under `routing.adaptive`, each part of the chain ordered by score (adaptive.ts), except a split,
   * which keeps its weights, and the exploring share of requests, which keeps the configured order.
   */
  function byMeasure(steps: RouteStep[], input: RouteInput): RouteStep[] {
    if (!adaptive || !table) return steps;
    const explore = adaptive.exploration > 0 && input.eventId !== undefined && unitShare(`explore:${input.eventId}`) < adaptive.exploration;
    const keep = explore ? 'exploring, configured order kept' : undefined;
    const lookup = (provider: string) => table.get(provider, input.dest.country, input.channel);
    const head = steps.filter((s) => s.group !== 'fallback');
    const tail = steps.filter((s) => s.group === 'fallback');
    return [
      ...rankPart(head, lookup, adaptive, head[0]?.group === 'split' ? (keep ?? 'a split keeps its weights') : keep),
      ...rankPart(tail, lookup, adaptive, keep),
    ];
  }

  /**
   * Within each part of the chain (the rule's providers, then its fallbacks), those that speak the
   * user's language first, in their order; the others speak the English script with an English
   * voice, and say so. Each step carries the language and voice it would speak with.
   */
  function byLanguage(steps: RouteStep[], locale: string): RouteStep[] {
    const annotated = steps.map((s) => {
      const adapter = adapters.get(s.provider)!;
      const own = speaksUserLanguage(adapter, locale);
      const voice = spokenVoice(adapter, locale);
      return { step: { ...s, voice, reason: own ? s.reason : `${s.reason}; cannot speak ${locale}, says the English script with an English voice` }, own };
    });
    const parts = [annotated.filter((a) => a.step.group !== 'fallback'), annotated.filter((a) => a.step.group === 'fallback')];
    return parts.flatMap((part) => [...part.filter((a) => a.own), ...part.filter((a) => !a.own)].map((a) => a.step));
  }

  /** Why a provider cannot take this request, or undefined. */
  function refuses(provider: string, input: RouteInput): string | undefined {
    const adapter = adapters.get(provider);
    if (!adapter) return 'not configured';
    if (!adapter.channels.has(input.channel)) return `does not send ${input.channel}`;
    const countries = config.providers[provider]?.countries;
    const country = input.dest.country;
    if (countries && country === undefined && countries.allow) return 'country unknown and the provider has an allow list';
    if (countries && country !== undefined) {
      if (countries.deny.includes(country)) return `country ${country} denied`;
      if (countries.allow && !countries.allow.includes(country)) return `country ${country} not in its allow list`;
    }
    return undefined;
  }
}

/** The conditions that hold, as readable reasons, or undefined when one does not. */
function matches(rule: Rule, input: RouteInput): string[] | undefined {
  const m = rule.match;
  const reasons: string[] = [];
  const check = (values: readonly string[] | undefined, actual: string | undefined, label: string, fits = (v: string) => v === actual): boolean => {
    if (values === undefined) return true;
    if (actual === undefined || !values.some(fits)) return false;
    reasons.push(`${label} ${actual}`);
    return true;
  };
  const ok = check(m.country, input.dest.country, 'country')
    && check(m.channel, input.channel, 'channel')
    && check(m.requestType, input.requestType, 'requestType')
    && check(m.locale, input.locale, 'locale', (v) => v === input.locale || (!v.includes('-') && v === languageOf(input.locale)))
    && check(m.numberType, input.dest.type, 'numberType');
  if (!ok) return undefined;
  return reasons.length > 0 ? reasons : ['matches every request'];
}

/** The rule's providers in order: a chain as written, or the split's pick for this number, the rest of the split by weight, then the fallbacks. */
function candidatesOf(rule: Rule, index: number, e164: string): RouteStep[] {
  if (rule.providers) {
    return [...rule.providers.map((p, i) => ({ provider: p, reason: `rule chain #${i + 1}`, group: 'chain' as const })), ...fallbacks(rule)];
  }
  const weights = Object.entries(rule.split!);
  const pick = splitPick(weights, `${index}:${e164}`);
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const rest = weights.filter(([p]) => p !== pick).sort((a, b) => b[1] - a[1]);
  return [
    { provider: pick, reason: `split pick (weight ${rule.split![pick]}/${total})`, group: 'split' as const },
    ...rest.map(([p, w]) => ({ provider: p, reason: `rest of the split (weight ${w}/${total})`, group: 'split' as const })),
    ...fallbacks(rule),
  ];
}

function fallbacks(rule: Rule): RouteStep[] {
  return rule.fallback.map((p, i) => ({ provider: p, reason: `fallback #${i + 1}`, group: 'fallback' as const }));
}

/** The same number always lands on the same provider, so a user's resends go the same way. */
export function splitPick(weights: readonly [string, number][], key: string): string {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let point = unitShare(key) * total;
  for (const [provider, weight] of weights) {
    if (point < weight) return provider;
    point -= weight;
  }
  return weights.at(-1)![0];
}

/** A point in [0, 1) fixed by the key: the same key always falls at the same place (one-shot SHA-256, on every request under adaptive). */
function unitShare(key: string): number {
  return hash('sha256', key, 'buffer').readUInt32BE(0) / 2 ** 32;
}
