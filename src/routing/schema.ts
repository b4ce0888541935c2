// The `routing:` section of the configuration: ordered rules that pick a chain or weighted split of
// providers for a request, and the default chain when no rule matches.
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';
import { CHANNELS, NUMBER_TYPES, REQUEST_TYPES } from '../core/domain.js';
import { regionSchema } from '../core/phone.js';
import { normaliseLocale } from '../okta/contract.js';

/** `X` or `[X, Y]`, read as a list. */
const oneOrMany = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(z.union([item, z.array(item).check(z.minLength(1))]), z.transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]));

const routingRule = strictObject({
  /** A label for explain output and logs. */
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** Every given condition must hold; an absent one matches anything. */
  match: z.prefault(strictObject({
    country: z.optional(oneOrMany(regionSchema)),
    channel: z.optional(oneOrMany(z.enum(CHANNELS))),
    requestType: z.optional(oneOrMany(z.enum([...REQUEST_TYPES, 'unknown']))),
    /** `fr` matches every French locale; `fr-CA` only Canadian French. */
    locale: z.optional(oneOrMany(z.pipe(z.string().check(z.minLength(2)), z.transform((locale: string) => normaliseLocale(locale))))),
    numberType: z.optional(oneOrMany(z.enum(NUMBER_TYPES))),
  }), {}),
  /** An ordered chain… */
  providers: z.optional(z.array(z.string()).check(z.minLength(1))),
  /** …or a weighted split, e.g. { twilio: 70, vonage: 30 }, the same provider for a number every time. */
  split: z.optional(z.record(z.string(), z.int().check(z.gte(1), z.lte(1_000)))
    .check(z.refine((w) => Object.keys(w).length >= 2, 'expected at least two weighted providers'))),
  /** Tried after the chain or split. */
  fallback: z._default(z.array(z.string()), []),
  /** When the answering provider's receipt says undelivered or failed, send once more through the next provider (pipeline/resend.ts). */
  resendOnUndelivered: z._default(z.boolean(), false),
}).check(z.refine((r) => (r.providers === undefined) !== (r.split === undefined), 'expected either providers or split'));

const share = z.number().check(z.gte(0), z.lte(1));

/** `routing.adaptive`: order each part of a chain by what its providers measurably deliver (routing/adaptive.ts). */
const adaptiveOptions = strictObject({
  /** Codes a provider must have sent to the country on the channel, in the window, before it is judged. */
  minSamples: z._default(z.int().check(z.gte(1), z.lte(1_000_000)), 30),
  /** Share of requests (picked by their eventId) that keep the configured order, so every provider keeps being measured. */
  exploration: z._default(share, 0.05),
  /** How far back the delivery log is read, and how often it is read again. */
  windowSeconds: z._default(z.int().check(z.gte(60), z.lte(31 * 86_400)), 86_400),
  refreshSeconds: z._default(z.int().check(z.gte(1), z.lte(3_600)), 60),
  /** The score a provider below minSamples ranks with: one measured below it goes behind those not yet judged. */
  prior: z._default(share, 0.5),
  /** Confidence of the lower bounds the score multiplies (0.95: Wilson with z = 1.96). */
  confidence: z._default(z.number().check(z.gte(0.5), z.lte(0.9999)), 0.95),
});

export const ADAPTIVE_DEFAULTS = adaptiveOptions.parse({});

export const routingSchema = z.prefault(strictObject({
  /** `true` for the defaults, `false` (the default) for the configured order, or the options. */
  adaptive: z.pipe(z._default(z.union([z.boolean(), adaptiveOptions]), false), z.transform((a) => (a === false ? undefined : a === true ? ADAPTIVE_DEFAULTS : a))),
  /** Ordered rules; the first whose `match` fits the request decides the providers. */
  rules: z._default(z.array(routingRule), []),
  /** Providers tried in order when no rule matches (default: every provider, in the order configured). */
  default: z.optional(z.array(z.string()).check(z.minLength(1))),
}), {});

export type RoutingConfig = z.output<typeof routingSchema>;
export type RoutingRule = RoutingConfig['rules'][number];
export type AdaptiveConfig = z.output<typeof adaptiveOptions>;
