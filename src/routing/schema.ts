// The `routing:` section of the configuration: ordered rules that pick a chain or weighted split of
// providers for a request, and the default chain when no rule matches.
import * as z from 'zod';
import { strictObject } from '../core/unknown-keys.js';
import { CHANNELS, NUMBER_TYPES, REQUEST_TYPES } from '../core/domain.js';
import { regionSchema } from '../core/phone.js';
import { normaliseLocale } from '../okta/contract.js';

/** `X` or `[X, Y]`, read as a list. */
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const routingRule = strictObject({
  /** A label for explain output and logs. */
  name: z.string().min(1).max(64).optional(),
  /** Every given condition must hold; an absent one matches anything. */
  match: strictObject({
    country: oneOrMany(regionSchema).optional(),
    channel: oneOrMany(z.enum(CHANNELS)).optional(),
    requestType: oneOrMany(z.enum([...REQUEST_TYPES, 'unknown'])).optional(),
    /** `fr` matches every French locale; `fr-CA` only Canadian French. */
    locale: oneOrMany(z.string().min(2).transform(normaliseLocale)).optional(),
    numberType: oneOrMany(z.enum(NUMBER_TYPES)).optional(),
  }).prefault({}),
  /** An ordered chain… */
  providers: z.array(z.string()).min(1).optional(),
  /** …or a weighted split, e.g. { twilio: 70, vonage: 30 }, the same provider for a number every time. */
  split: z.record(z.string(), z.number().int().min(1).max(1_000)).refine((w) => Object.keys(w).length >= 2, 'expected at least two weighted providers').optional(),
  /** Tried after the chain or split. */
  fallback: z.array(z.string()).default([]),
  /** When the answering provider's receipt says undelivered or failed, send once more through the next provider (pipeline/resend.ts). */
  resendOnUndelivered: z.boolean().default(false),
}).refine((r) => (r.providers === undefined) !== (r.split === undefined), 'expected either providers or split');

const share = z.number().min(0).max(1);

/** `routing.adaptive`: order each part of a chain by what its providers measurably deliver (routing/adaptive.ts). */
const adaptiveOptions = strictObject({
  /** Codes a provider must have sent to the country on the channel, in the window, before it is judged. */
  minSamples: z.number().int().min(1).max(1_000_000).default(30),
  /** Share of requests (picked by their eventId) that keep the configured order, so every provider keeps being measured. */
  exploration: share.default(0.05),
  /** How far back the delivery log is read, and how often it is read again. */
  windowSeconds: z.number().int().min(60).max(31 * 86_400).default(86_400),
  refreshSeconds: z.number().int().min(1).max(3_600).default(60),
  /** The score a provider below minSamples ranks with: one measured below it goes behind those not yet judged. */
  prior: share.default(0.5),
  /** Confidence of the lower bounds the score multiplies (0.95: Wilson with z = 1.96). */
  confidence: z.number().min(0.5).max(0.9999).default(0.95),
});

export const ADAPTIVE_DEFAULTS = adaptiveOptions.parse({});

export const routingSchema = strictObject({
  /** `true` for the defaults, `false` (the default) for the configured order, or the options. */
  adaptive: z.union([z.boolean(), adaptiveOptions])
    .default(false)
    .transform((a) => (a === false ? undefined : a === true ? ADAPTIVE_DEFAULTS : a)),
  /** Ordered rules; the first whose `match` fits the request decides the providers. */
  rules: z.array(routingRule).default([]),
  /** Providers tried in order when no rule matches (default: every provider, in the order configured). */
  default: z.array(z.string()).min(1).optional(),
}).prefault({});

export type RoutingConfig = z.output<typeof routingSchema>;
export type RoutingRule = RoutingConfig['rules'][number];
export type AdaptiveConfig = z.output<typeof adaptiveOptions>;
