// The configuration of delivery: the hook's time budget and failover policy (`hook:`), the texts
// sent (`messages:`) and the providers' circuit breakers (`resilience:`).
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';
import { normaliseLocale } from '../okta/contract.js';

export const hookSchema = z.prefault(strictObject({
  /** Time from receipt within which the answer leaves (Okta gives up at 3,000 ms). */
  budgetMs: z._default(z.int().check(z.gte(200), z.lte(2_900)), 2_500),
  /** Kept back from the budget for recording and answering. */
  reserveMs: z._default(z.int().check(z.gte(10), z.lte(1_000)), 150),
  /** An attempt is not started with less time than this left. */
  minAttemptMs: z._default(z.int().check(z.gte(10), z.lte(2_000)), 300),
  maxAttempts: z._default(z.int().check(z.gte(1), z.lte(10)), 3),
  /** When no provider delivered: Okta's error object (the end user sees a generic message) or status FAILED. */
  onFailure: z._default(z.enum(['error', 'FAILED']), 'error'),
  /** A timeout after the request went out may still deliver: try the next provider, or answer PENDING. */
  onAmbiguous: z._default(z.enum(['failover', 'pending']), 'failover'),
}), {});

export const messagesSchema = z.prefault(strictObject({
  sms: z.prefault(strictObject({
    /** Per-locale SMS texts (`fr`, `pt-BR`…) with `{{code}}`; they win over Okta's msgTemplate for that locale. */
    templates: z.pipe(
      z._default(z.record(z.string(), z.string().check(
        z.minLength(1), z.maxLength(1_600), z.refine((t) => /\{\{\s*code\s*\}\}/.test(t), 'expected a template containing {{code}}'),
      )), {}),
      z.transform((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [normaliseLocale(k), v]))),
    ),
  }), {}),
  voice: z.prefault(strictObject({
    /** How many times a call says the code. */
    repeat: z._default(z.int().check(z.gte(1), z.lte(5)), 2),
  }), {}),
}), {});

export const resilienceSchema = z.prefault(strictObject({
  breaker: z.prefault(strictObject({
    mode: z._default(z.enum(['consecutive', 'rate']), 'consecutive'),
    /** `consecutive`: failures in a row that open the breaker. */
    threshold: z._default(z.int().check(z.gte(1), z.lte(1_000)), 5),
    /** `rate`: how many recent calls are weighed, and the failing share that opens it. */
    window: z._default(z.int().check(z.gte(2), z.lte(1_000)), 20),
    ratio: z._default(z.number().check(z.gt(0), z.lte(1)), 0.5),
    cooldownMs: z._default(z.int().check(z.gte(100), z.lte(600_000)), 15_000),
  }), {}),
}), {});

export type HookConfig = z.output<typeof hookSchema>;
export type MessagesConfig = z.output<typeof messagesSchema>;
export type ResilienceConfig = z.output<typeof resilienceSchema>;
