// The configuration of delivery: the hook's time budget and failover policy (`hook:`), the texts
// sent (`messages:`) and the providers' circuit breakers (`resilience:`).
import * as z from 'zod';
import { strictObject } from '../core/unknown-keys.js';
import { normaliseLocale } from '../okta/contract.js';

export const hookSchema = strictObject({
  /** Time from receipt within which the answer leaves (Okta gives up at 3,000 ms). */
  budgetMs: z.number().int().min(200).max(2_900).default(2_500),
  /** Kept back from the budget for recording and answering. */
  reserveMs: z.number().int().min(10).max(1_000).default(150),
  /** An attempt is not started with less time than this left. */
  minAttemptMs: z.number().int().min(10).max(2_000).default(300),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** When no provider delivered: Okta's error object (the end user sees a generic message) or status FAILED. */
  onFailure: z.enum(['error', 'FAILED']).default('error'),
  /** A timeout after the request went out may still deliver: try the next provider, or answer PENDING. */
  onAmbiguous: z.enum(['failover', 'pending']).default('failover'),
}).prefault({});

export const messagesSchema = strictObject({
  sms: strictObject({
    /** Per-locale SMS texts (`fr`, `pt-BR`…) with `{{code}}`; they win over Okta's msgTemplate for that locale. */
    templates: z.record(z.string(), z.string().min(1).max(1_600).refine((t) => /\{\{\s*code\s*\}\}/.test(t), 'expected a template containing {{code}}'))
      .default({})
      .transform((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [normaliseLocale(k), v]))),
  }).prefault({}),
  voice: strictObject({
    /** How many times a call says the code. */
    repeat: z.number().int().min(1).max(5).default(2),
  }).prefault({}),
}).prefault({});

export const resilienceSchema = strictObject({
  breaker: strictObject({
    mode: z.enum(['consecutive', 'rate']).default('consecutive'),
    /** `consecutive`: failures in a row that open the breaker. */
    threshold: z.number().int().min(1).max(1_000).default(5),
    /** `rate`: how many recent calls are weighed, and the failing share that opens it. */
    window: z.number().int().min(2).max(1_000).default(20),
    ratio: z.number().gt(0).max(1).default(0.5),
    cooldownMs: z.number().int().min(100).max(600_000).default(15_000),
  }).prefault({}),
}).prefault({});

export type HookConfig = z.output<typeof hookSchema>;
export type MessagesConfig = z.output<typeof messagesSchema>;
export type ResilienceConfig = z.output<typeof resilienceSchema>;
