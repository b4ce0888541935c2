// The Routing & Preview page: the request Okta would send, the route it would take, and a dry or
// real run of it through the hook pipeline.
import type { CountryCode } from 'libphonenumber-js/max';
import * as z from '../../core/zod.js';
import type { Breaker } from '../../delivery/breaker.js';
import type { BreakerState } from '../../core/domain.js';
import type { RoutePlan } from '../../routing/plan.js';
import type { Attempt, Channel, Destination, Status } from '../../core/domain.js';
import { errorBody, failureAnswerText, parseHookRequest, type ErrorCause, type OktaAnswer } from '../../okta/contract.js';
import { buildTelephonyRequest, type TelephonyHookRequest } from '../../okta/hook-request.js';
import { toDestination } from '../../core/phone.js';
import { Deadline } from '../../core/deadline.js';
import type { HookResult, PlannedText } from '../../pipeline/hook.js';
import type { OtpRequest } from '../../core/domain.js';
import type { AdminContext } from './context.js';

export const previewRequestInput = z.object({
  requestType: z._default(z.enum(['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset']), 'mfa-verification'),
  channel: z._default(z.enum(['sms', 'voice']), 'sms'),
  login: z.optional(z.string().check(z.trim(), z.maxLength(256))),
  phone: z.string().check(z.trim(), z.minLength(1, 'expected a phone number'), z.maxLength(64)),
  locale: z.optional(z.string().check(z.trim(), z.maxLength(64))),
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
  dryRun: z._default(z.boolean(), true),
});

export interface DestinationView {
  e164: string;
  country?: string;
  type: Destination['type'];
  valid: boolean;
}

/** The guard's answer in a dry run, as `byot explain` gives it: its number and country policy only. */
export interface GuardView {
  allow: boolean;
  /** The rule that refuses the request. */
  rule?: string;
  note: string;
}

export const GUARD_NOTE = 'number and country policy; velocity limits are counted only when a code is sent';

export type PlanResult =
  | { ok: false; causes: ErrorCause[] }
  | {
    ok: true; requestType: string; channel: Channel; locale: string; preview: boolean; notes: string[]; destination: DestinationView | null;
    /** Absent when the text is not a phone number (the guard is never reached). */
    guard?: GuardView;
    /** Null when routing was not reached: not a number, or refused by the guard. */
    plan: PlanView | null;
    /** What each provider of the plan would send or speak, in attempt order. */
    texts: PlannedText[];
    /** What Okta is answered when nothing is sent, as hook.onFailure says, in words. */
    failureAnswer: string;
  };

/** The request through the hook pipeline, as the hook route would run it, under a fresh deadline. */
async function runHook(ctx: AdminContext, request: OtpRequest, dryRun: boolean): Promise<HookResult> {
  const { hook } = ctx.config;
  const deadline = new Deadline(performance.now(), hook.budgetMs, hook.reserveMs);
  return ctx.handleHook(request, deadline, { dryRun }).finally(() => deadline.dispose());
}

/** What the gateway would make of the request: how it reads, where the number is, the guard's verdict, the route and why, the texts. */
export async function planFor(ctx: AdminContext, request: unknown): Promise<PlanResult> {
  const parsed = parseHookRequest(request);
  if (!parsed.ok) return { ok: false, causes: parsed.causes };
  const r = parsed.request;
  const dest = toDestination(r.phone, ctx.config.phone.defaultRegion as CountryCode);
  // The dry run (pipeline/dry-run.ts): the admin, `byot preview --dry-run` and `byot explain` show one result.
  const d = await runHook(ctx, r, true);
  const refusedBy = d.outcome?.reason === 'blocked' ? d.outcome.blockedBy : undefined;
  const plan = d.plan;
  return {
    ok: true,
    requestType: r.requestType,
    channel: r.channel,
    locale: r.locale,
    preview: r.preview,
    notes: parsed.notes,
    destination: dest ? { e164: dest.e164, country: dest.country, type: dest.type, valid: dest.valid } : null,
    ...(dest ? { guard: refusedBy ? { allow: false, rule: refusedBy, note: GUARD_NOTE } : { allow: true, note: GUARD_NOTE } } : {}),
    plan: plan ? planView(plan, ctx.breakers) : null,
    texts: d.texts ?? [],
    failureAnswer: failureAnswerText(ctx.config.hook.onFailure),
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
  /** Dry runs: what each provider of the plan would send or speak. */
  texts?: PlannedText[];
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
  const result = await runHook(ctx, parsed.request, dryRun);
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
    ...(result.texts ? { texts: result.texts } : {}),
    ms: Math.round(performance.now() - started),
  };
}

