// What the admin pages show, computed from the delivery log, the routing, the breakers and the
// hook pipeline itself. Plain functions of their dependencies: routes.ts only adapts HTTP.
import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import type { AdminSettings } from './schema.js';
import type { RoutingRule } from '../routing/schema.js';
import type { DeliveryStore, CallRow, SearchFilters, SummaryRow, TimelineRow, LatencyPercentiles } from '../store/types.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Breaker } from '../delivery/breaker.js';
import type { BreakerState } from '../core/domain.js';
import type { RoutePlan, Router } from '../routing/plan.js';
import type { HandleHook } from '../pipeline/hook.js';
import type { Guard } from '../guard/index.js';
import type { Attempt, Channel, Destination, ErrorCategory, Status } from '../core/domain.js';
import { CHANNELS } from '../core/domain.js';
import { errorBody, parseHookRequest, type ErrorCause, type OktaAnswer } from '../okta/contract.js';
import { buildTelephonyRequest, type TelephonyHookRequest } from '../okta/hook-request.js';
import { toDestination } from '../core/phone.js';
import { maskPhone, phoneHash } from '../core/mask.js';
import { Deadline } from '../core/deadline.js';
import { redactConfig } from './redact.js';

export interface AdminContext {
  config: AdminSettings;
  store: DeliveryStore;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  breakers: ReadonlyMap<string, Breaker>;
  router: Router;
  handleHook: HandleHook;
  /** Key of the phone hash in the delivery log, to search by number. */
  hashKey: string;
  now?: () => number;
  /** Conversion blocks: listed and lifted on the admin page (blocks.ts). */
  guard?: Pick<Guard, 'blocks' | 'lift'>;
}

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A request the admin API refuses, with the problems found. */
export class BadRequest extends GatewayError {
  readonly causes: { path: string; message: string }[];
  constructor(message: string, causes: { path: string; message: string }[] = []) {
    super(ERROR_CODES.BAD_REQUEST, message);
    this.causes = causes;
  }
}

/** Reads `input` with a zod schema; a BadRequest names every problem. */
export function read<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw new BadRequest(`invalid ${what}`, r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })));
}

// ---------- Overview ----------

export interface Overview {
  days: number;
  sinceMs: number;
  untilMs: number;
  bucketMs: number;
  total: SummaryRow;
  byProvider: SummaryRow[];
  byChannel: SummaryRow[];
  /** The ten countries with the most executions. */
  countries: SummaryRow[];
  timeline: { provider: TimelineRow[]; channel: TimelineRow[] };
  latency: LatencyPercentiles | null;
  /** Calls the guard refused (status FAILED, reason blocked), per rule. */
  blocks: { rule: string; count: number; lastAt: number }[];
  blockedTotal: number;
}

export const overviewQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(30),
});

/** Hourly buckets for a day, six-hourly up to a week, daily beyond. */
export function bucketFor(days: number): number {
  if (days <= 1) return HOUR_MS;
  if (days <= 7) return 6 * HOUR_MS;
  return DAY_MS;
}

export async function overview(ctx: AdminContext, days: number): Promise<Overview> {
  const untilMs = (ctx.now ?? Date.now)();
  const sinceMs = untilMs - days * DAY_MS;
  const bucketMs = bucketFor(days);
  const { store } = ctx;
  const [all, byProvider, byChannel, byCountry, tlProvider, tlChannel, latency, blocks] = await Promise.all([
    store.summary({ sinceMs }),
    store.summary({ sinceMs, by: 'provider' }),
    store.summary({ sinceMs, by: 'channel' }),
    store.summary({ sinceMs, by: 'country' }),
    store.timeline({ sinceMs, bucketMs, by: 'provider' }),
    store.timeline({ sinceMs, bucketMs, by: 'channel' }),
    store.latencyPercentiles(sinceMs),
    guardBlocks(store, sinceMs),
  ]);
  return {
    days, sinceMs, untilMs, bucketMs,
    total: all[0] ?? { key: 'all', executions: 0, successes: 0, failures: 0, avgMs: null },
    byProvider, byChannel,
    countries: byCountry.slice(0, 10),
    timeline: { provider: tlProvider, channel: tlChannel },
    latency,
    blocks: blocks.rules,
    blockedTotal: blocks.total,
  };
}

/** Most FAILED rows read to count guard blocks (the log has no count by reason). */
const BLOCK_SCAN_LIMIT = 20_000;

async function guardBlocks(store: DeliveryStore, sinceMs: number): Promise<{ rules: Overview['blocks']; total: number }> {
  const byRule = new Map<string, { count: number; lastAt: number }>();
  let total = 0;
  for (const row of await scan(store, { status: 'FAILED', fromMs: sinceMs }, BLOCK_SCAN_LIMIT)) {
    if (row.reason !== 'blocked') continue;
    total++;
    const rule = row.blockedBy ?? 'unknown';
    const r = byRule.get(rule) ?? { count: 0, lastAt: 0 };
    r.count++;
    r.lastAt = Math.max(r.lastAt, row.receivedAt);
    byRule.set(rule, r);
  }
  const rules = [...byRule].map(([rule, r]) => ({ rule, ...r })).sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
  return { rules, total };
}

/** Every row matching `filters`, newest first, page by page, up to `max`. Rows sharing a millisecond are not lost between pages. */
async function scan(store: DeliveryStore, filters: SearchFilters, max: number): Promise<CallRow[]> {
  const out: CallRow[] = [];
  const seen = new Set<string>();
  let before: number | undefined;
  while (out.length < max) {
    const page = await store.search({ ...filters, limit: 500, ...(before === undefined ? {} : { beforeMs: before }) });
    const fresh = page.filter((r) => !seen.has(r.eventId));
    for (const r of fresh) {
      seen.add(r.eventId);
      out.push(r);
    }
    if (page.length < 500) break;
    const last = page.at(-1)!.receivedAt;
    // Ask again from the last row's millisecond (inclusive) unless that page brought nothing new.
    before = fresh.length > 0 && before !== last + 1 ? last + 1 : last;
  }
  return out.slice(0, max);
}

// ---------- Deliveries ----------

/** A delivery-log row as the browser sees it: the masked number only, never the hash. */
export type DeliveryView = Omit<CallRow, 'phoneHash'>;

const status = z.enum(['SUCCESSFUL', 'PENDING', 'FAILED']);
const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

export const deliveriesQuery = z.object({
  phone: z.string().trim().max(64).optional(),
  /** An Okta user id or login. */
  user: z.string().trim().max(256).optional(),
  transactionId: z.string().trim().max(256).optional(),
  status: z.union([status, z.literal('')]).optional(),
  /** Epoch ms, or an ISO date / date-time. */
  from: time.optional(),
  to: time.optional(),
  /** Paging: rows received before this (epoch ms). */
  before: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export async function deliveries(ctx: AdminContext, q: z.output<typeof deliveriesQuery>): Promise<{ rows: DeliveryView[]; next?: number }> {
  const filters: SearchFilters = { limit: q.limit };
  if (q.phone) {
    const region = ctx.config.phone.defaultRegion as CountryCode;
    // The same number the hook hashed: E.164 when it reads as a number, else as typed.
    const dest = toDestination(q.phone, region);
    filters.phoneHash = phoneHash(dest?.e164 ?? q.phone, ctx.hashKey);
  }
  if (q.transactionId) filters.transactionId = q.transactionId;
  if (q.status) filters.status = q.status as Status;
  if (q.from !== undefined) filters.fromMs = q.from;
  if (q.to !== undefined) filters.toMs = q.to;
  if (q.before !== undefined) filters.beforeMs = q.before;
  let rows: CallRow[];
  if (q.user) {
    // One box for both: an id (00u…) or a login; the log is searched for either.
    const [byId, byLogin] = await Promise.all([
      ctx.store.search({ ...filters, userId: q.user }),
      ctx.store.search({ ...filters, login: q.user }),
    ]);
    const merged = new Map([...byId, ...byLogin].map((r) => [r.eventId, r]));
    rows = [...merged.values()].sort((a, b) => b.receivedAt - a.receivedAt || b.eventId.localeCompare(a.eventId)).slice(0, q.limit);
  } else {
    rows = await ctx.store.search(filters);
  }
  const view = rows.map(toView);
  return { rows: view, ...(rows.length === q.limit ? { next: rows.at(-1)!.receivedAt } : {}) };
}

function toView(row: CallRow): DeliveryView {
  const rest: DeliveryView & { phoneHash?: string } = { ...row };
  delete rest.phoneHash;
  // Defence in depth: the log keeps masked numbers only, and so does the page.
  return { ...rest, phoneMasked: rest.phoneMasked.includes('*') ? rest.phoneMasked : maskPhone(rest.phoneMasked) };
}

// ---------- Providers ----------

export interface ProviderView {
  name: string;
  kind: string;
  channels: Channel[];
  timeoutMs: number;
  breaker: BreakerState | 'none';
  countries?: { allow?: string[]; deny: string[] };
  /** Where routing uses it: `default`, `rules[0] (uk)`. */
  usedBy: string[];
  /** Calls it answered in the last 30 days (the provider of the final answer). */
  summary: SummaryRow;
  attempts: { total: number; failed: number; avgMs: number | null };
  lastErrors: { at: number; eventId: string; category?: ErrorCategory; providerCode?: string; ms: number }[];
}

/** Recent calls read for attempt statistics and last errors. */
const RECENT_CALLS = 2_000;

export async function providers(ctx: AdminContext): Promise<{ sinceMs: number; recentCalls: number; providers: ProviderView[] }> {
  const sinceMs = (ctx.now ?? Date.now)() - 30 * DAY_MS;
  const [summary, recent] = await Promise.all([
    ctx.store.summary({ sinceMs, by: 'provider' }),
    scan(ctx.store, { fromMs: sinceMs }, RECENT_CALLS),
  ]);
  const attemptsOf = new Map<string, { row: CallRow; attempt: Attempt }[]>();
  for (const row of recent) {
    for (const attempt of row.attempts) {
      const list = attemptsOf.get(attempt.provider) ?? [];
      list.push({ row, attempt });
      attemptsOf.set(attempt.provider, list);
    }
  }
  const routing = ctx.config.routing;
  const list = [...ctx.adapters.values()].map((a): ProviderView => {
    const tried = attemptsOf.get(a.name) ?? [];
    const failed = tried.filter((t) => !t.attempt.ok);
    const usedBy: string[] = [];
    if ((routing.default ?? Object.keys(ctx.config.providers)).includes(a.name)) usedBy.push('default');
    routing.rules.forEach((r, i) => {
      if (r.providers?.includes(a.name) || (r.split && a.name in r.split) || r.fallback.includes(a.name)) usedBy.push(`rules[${i}]${r.name ? ` (${r.name})` : ''}`);
    });
    const cfg = ctx.config.providers[a.name];
    return {
      name: a.name,
      kind: a.kind,
      channels: CHANNELS.filter((c) => a.channels.has(c)),
      timeoutMs: a.timeoutMs,
      breaker: ctx.breakers.get(a.name)?.state() ?? 'none',
      ...(cfg?.countries ? { countries: cfg.countries } : {}),
      usedBy,
      summary: summary.find((s) => s.key === a.name) ?? { key: a.name, executions: 0, successes: 0, failures: 0, avgMs: null },
      attempts: {
        total: tried.length,
        failed: failed.length,
        avgMs: tried.length ? Math.round(tried.reduce((s, t) => s + t.attempt.ms, 0) / tried.length) : null,
      },
      lastErrors: failed.slice(0, 8).map(({ row, attempt }) => ({
        at: row.receivedAt, eventId: row.eventId, category: attempt.category, providerCode: attempt.providerCode, ms: attempt.ms,
      })),
    };
  });
  return { sinceMs, recentCalls: recent.length, providers: list };
}

// ---------- Routing & Preview ----------

export const previewRequestInput = z.object({
  requestType: z.enum(['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset']).default('mfa-verification'),
  channel: z.enum(['sms', 'voice']).default('sms'),
  login: z.string().trim().max(256).optional(),
  phone: z.string().trim().min(1, 'expected a phone number').max(64),
  locale: z.string().trim().max(64).optional(),
});

/** The request Okta's Preview would send for these choices. */
export function previewRequest(input: z.output<typeof previewRequestInput>): TelephonyHookRequest {
  return buildTelephonyRequest({
    phone: input.phone,
    channel: input.channel,
    requestType: input.requestType,
    login: input.login || undefined,
    locale: input.locale || undefined,
  });
}

export interface PlanView {
  rule: string;
  matched: string[];
  steps: { provider: string; reason: string; breaker: BreakerState | 'none' }[];
  skipped: { provider: string; reason: string }[];
}

export function planView(plan: RoutePlan, breakers: ReadonlyMap<string, Breaker>): PlanView {
  return {
    rule: plan.rule,
    matched: plan.matched,
    steps: plan.steps.map((s) => ({ ...s, breaker: breakers.get(s.provider)?.state() ?? 'none' })),
    skipped: plan.skipped,
  };
}

export const previewBody = z.object({
  /** The Okta request, as edited in the page. */
  request: z.unknown(),
  dryRun: z.boolean().default(true),
});

export interface DestinationView {
  e164: string;
  country?: string;
  type: Destination['type'];
  valid: boolean;
}

export type PlanResult =
  | { ok: false; causes: ErrorCause[] }
  | { ok: true; requestType: string; channel: Channel; locale: string; preview: boolean; notes: string[]; destination: DestinationView | null; plan: PlanView | null };

/** What the gateway would make of the request: how it reads, where the number is, the route and why. */
export function planFor(ctx: AdminContext, request: unknown): PlanResult {
  const parsed = parseHookRequest(request);
  if (!parsed.ok) return { ok: false, causes: parsed.causes };
  const r = parsed.request;
  const dest = toDestination(r.phone, ctx.config.phone.defaultRegion as CountryCode);
  const plan = dest ? ctx.router.plan({ channel: r.channel, requestType: r.requestType, locale: r.locale, dest }) : undefined;
  return {
    ok: true,
    requestType: r.requestType,
    channel: r.channel,
    locale: r.locale,
    preview: r.preview,
    notes: parsed.notes,
    destination: dest ? { e164: dest.e164, country: dest.country, type: dest.type, valid: dest.valid } : null,
    plan: plan ? planView(plan, ctx.breakers) : null,
  };
}

export interface SendResult {
  dryRun: boolean;
  /** The HTTP status Okta would get. */
  httpStatus: number;
  /** Exactly the body Okta would get. */
  answer: OktaAnswer;
  outcome?: { status: Status; provider?: string; transactionId?: string; reason?: string; blockedBy?: string; attempts: Attempt[] };
  plan?: PlanView;
  /** Set when the eventId was seen before and the stored answer was replayed. */
  replayed?: boolean;
  ms: number;
}

/** Runs the request through the hook pipeline, as the hook route would, under a fresh deadline. */
export async function sendPreview(ctx: AdminContext, request: unknown, dryRun: boolean): Promise<SendResult> {
  const started = performance.now();
  const parsed = parseHookRequest(request);
  if (!parsed.ok) {
    return { dryRun, httpStatus: 400, answer: errorBody('Invalid telephony hook request', parsed.causes), ms: 0 };
  }
  const { hook } = ctx.config;
  const deadline = new Deadline(performance.now(), hook.budgetMs, hook.reserveMs);
  const result = await ctx.handleHook(parsed.request, deadline, { dryRun }).finally(() => deadline.dispose());
  const o = result.outcome;
  return {
    dryRun,
    httpStatus: 200,
    answer: result.answer,
    ...(o ? {
      outcome: {
        status: o.status, provider: o.provider, transactionId: o.transactionId, reason: o.reason, blockedBy: o.blockedBy, attempts: o.attempts,
      },
    } : { replayed: !dryRun }),
    ...(result.plan ? { plan: planView(result.plan, ctx.breakers) } : {}),
    ms: Math.round(performance.now() - started),
  };
}

// ---------- Routing and configuration ----------

export function routing(ctx: AdminContext): { defaultChain: string[]; rules: RoutingRule[]; defaultRegion: string; budgetMs: number } {
  return {
    defaultChain: ctx.config.routing.default ?? Object.keys(ctx.config.providers),
    rules: ctx.config.routing.rules,
    defaultRegion: ctx.config.phone.defaultRegion,
    budgetMs: ctx.config.hook.budgetMs,
  };
}

/** The effective configuration, every secret redacted (by key, by shape and by value). */
export function redactedConfig(ctx: AdminContext): unknown {
  const c = ctx.config;
  const known = [ctx.hashKey, c.admin.token, ...c.admin.users.map((u) => u.password), c.metrics.token, c.store.hashKey];
  if (c.auth.type === 'header') known.push(...c.auth.secrets);
  return redactConfig(c, known);
}
