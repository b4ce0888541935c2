// The `guard:` section of the configuration: number-type and country policy, velocity limits,
// overrides and how the counters' store behaves when it fails. Everything has a default, so an
// absent section gives a working guard.
import * as z from 'zod';
import { strictObject } from '../core/unknown-keys.js';
import { phoneLib } from '../core/phone.js';
import { E164, NUMBER_TYPES } from '../core/domain.js';
import { conversionSchema } from './conversion/schema.js';

/** Longest window a limit may have: 31 days. */
const MAX_WINDOW_SECONDS = 31 * 86_400;

const country = z.string()
  .transform((c) => c.trim().toUpperCase())
  .refine((c) => /^[A-Z]{2}$/.test(c) && phoneLib().isSupportedCountry(c), 'expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US');

/** Either an allow list (everything else refused; `[]` turns the channel off) or a deny list; `{}` allows every country. */
const countryPolicy = strictObject({
  allow: z.array(country).optional(),
  deny: z.array(country).optional(),
}).refine((p) => p.allow === undefined || p.deny === undefined, 'expected either allow or deny, not both');

export const windowSchema = strictObject({
  max: z.number().int('expected a whole number of sends').min(1, 'expected at least 1 send (use false to turn the limit off)').max(1_000_000_000),
  perSeconds: z.number().int('expected a whole number of seconds').min(1, 'expected at least 1 second').max(MAX_WINDOW_SECONDS, `expected at most ${MAX_WINDOW_SECONDS} seconds (31 days)`),
});

/**
 * `false`, or what `schema` accepts. Not a z.union: a union reports only "invalid input" when a
 * window has a fraction or a missing field, where this reports the field and what it expects.
 */
function falseOr<T extends z.ZodType>(schema: T, expected: string, wrap?: (v: unknown) => unknown) {
  return z.unknown().transform((value, ctx): false | z.output<T> => {
    if (value === false) return false;
    const input = wrap ? wrap(value) : value;
    if (typeof input !== 'object' || input === null) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      // An unknown key keeps its kind, so the loader can name the key and suggest the right one.
      if (issue.code === 'unrecognized_keys') ctx.addIssue({ ...issue });
      else ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
    return z.NEVER;
  });
}

/** One `{ max, perSeconds }` or a list of them, each `perSeconds` once; `false` turns the limit off. */
const windows = falseOr(
  z.array(windowSchema).min(1, 'expected at least one window, or false to turn the limit off')
    .refine((list) => new Set(list.map((w) => w.perSeconds)).size === list.length, 'expected each perSeconds at most once'),
  'expected false, { max, perSeconds } or a list of them',
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? [v] : v),
);

const w = (max: number, perSeconds: number) => ({ max, perSeconds });

const e164 = z.string().regex(E164, 'expected an E.164 number, e.g. +14155550100');

export const guardSchema = strictObject({
  numbers: strictObject({
    /** Refuse numbers libphonenumber-js does not consider valid (right length and range for their country). */
    refuseInvalid: z.boolean().default(true),
    /** Number types never sent to; toll fraud lives on premium-rate and shared-cost ranges. */
    refuseTypes: z.array(z.enum(NUMBER_TYPES, { error: `expected a number type (${NUMBER_TYPES.join(', ')})` }))
      .default(['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'UAN', 'PAGER', 'VOICEMAIL']),
    /** false adds VOIP to refuseTypes. */
    allowVoip: z.boolean().default(true),
  }).refine((n) => !(n.allowVoip && n.refuseTypes.includes('VOIP')), 'expected VOIP either in refuseTypes or allowed by allowVoip, not both')
    .prefault({}),

  /** Per channel: `{ allow: [..] }`, `{ deny: [..] }` or `{}` (every country). */
  countries: strictObject({
    sms: countryPolicy.prefault({}),
    voice: countryPolicy.prefault({}),
  }).prefault({}),

  /**
   * Sends admitted per key and window. A window starts with the first request counted under its key
   * and lasts `perSeconds`; a request is counted by every limit or, when one refuses it, by none
   * (distinctPerPrefix included). `false` turns a limit off.
   */
  limits: strictObject({
    /** Per destination number (Okta itself allows one challenge per number per 30 s). */
    phone: windows.default([w(1, 30), w(5, 600), w(10, 86_400)]),
    /** Per Okta user (userId, else login). */
    user: windows.default([w(10, 3_600), w(20, 86_400)]),
    /** Per number range: the E.164 number without its last 3 digits (1,000 numbers). */
    prefix: windows.default([w(20, 3_600), w(100, 86_400)]),
    /** Per destination country; tune to the organisation's traffic (see countryOverrides). */
    country: windows.default([w(300, 3_600), w(2_000, 86_400)]),
    /** Countries whose traffic differs from the rest: their windows replace `country` for them. */
    countryOverrides: z.record(z.string(), windows)
      .superRefine((overrides, ctx) => {
        for (const key of Object.keys(overrides)) {
          if (!country.safeParse(key).success) ctx.addIssue({ code: 'custom', path: [key], message: 'expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US' });
        }
      })
      .transform((overrides) => Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k.trim().toUpperCase(), v])))
      .default({}),
    /** Per end-user IP address (Okta's data.context.request.ipAddress); skipped when Okta sends none. */
    ip: windows.default([w(10, 60), w(50, 3_600)]),
    /** Everything together: a ceiling on spend whatever the pattern. */
    global: windows.default([w(1_000, 3_600), w(10_000, 86_400)]),
    /** Distinct numbers admitted per prefix and window: many numbers of one range is the SMS-pumping signature. */
    distinctPerPrefix: falseOr(windowSchema, 'expected false or { max, perSeconds }').default(w(5, 3_600)),
  }).prefault({}),

  /** Trusted numbers and users (test devices, executives, call centres): velocity limits are skipped for them. */
  allow: strictObject({
    phones: z.array(e164).default([]),
    /** Okta userIds, or logins (compared case-insensitively). */
    users: z.array(z.string().trim().min(1, 'expected a userId or login')).default([]),
    /** Also skip the number-type and country policy for them (off: a trusted user still cannot reach a premium-rate number). */
    skipPolicy: z.boolean().default(false),
  }).prefault({}),

  /**
   * Stricter at enrollment, where pumping enters: Okta's pre-enrollment sends a code to a number
   * no one has proved yet. Applies to `pre-enrollment` requests only, after `countries`.
   */
  enrollment: strictObject({
    /** Per channel: the countries an enrollment may send to (a smaller list than `countries`). */
    countries: strictObject({
      sms: countryPolicy.prefault({}),
      voice: countryPolicy.prefault({}),
    }).prefault({}),
    /** Refuse an enrollment to a country × channel with no verified code in `conversion.baseline.windowSeconds` (needs the verification feed). */
    requireVerifiedCountry: z.boolean().default(false),
  }).prefault({}),

  /** Conversion-aware blocking (sends against verified codes); off unless turned on. */
  conversion: conversionSchema,

  /**
   * Okta's answer when the guard refuses a send, apart from `hook.onFailure` (delivery failures):
   * `error` (Okta's error object: Okta may send through its own rate-limited fallback provider,
   * the end user sees a generic message) or `FAILED`. Unset: the same as `hook.onFailure`.
   */
  onBlock: z.enum(['error', 'FAILED'], { error: 'expected error or FAILED' }).optional(),

  store: strictObject({
    /** When the counters cannot be read and no insurance covers it: open sends anyway, closed refuses (`store.unavailable`). */
    failMode: z.enum(['open', 'closed'], { error: 'expected open or closed' }).default('open'),
    /** Prefix of every Redis key the guard writes. */
    keyPrefix: z.string().min(1).max(64).default('byot:guard'),
    /** Longest a Redis round trip may take before the guard counts in memory instead. */
    timeoutMs: z.number().int().min(5).max(2_000).default(500),
    /** After a Redis failure, how long the guard counts in memory before trying Redis again. */
    retryAfterMs: z.number().int().min(0).max(600_000).default(5_000),
    /** Per-instance in-memory counters used while Redis fails (rate-limiter-flexible's insuranceLimiter). */
    insurance: strictObject({
      enabled: z.boolean().default(true),
      /** How many gateway instances share the limits: each counts max / instances (rounded up) while Redis is down. */
      instances: z.number().int().min(1).max(1_000).default(1),
    }).prefault({}),
  }).prefault({}),
}).prefault({});

export type GuardConfig = z.output<typeof guardSchema>;
export type GuardConfigInput = NonNullable<z.input<typeof guardSchema>>;
export type LimitWindow = z.output<typeof windowSchema>;
export type CountryPolicy = z.output<typeof countryPolicy>;

/** The top-level `limits:` section: where the counters (and the idempotency keys) are shared. */
export const limitsSchema = strictObject({
  /** Redis shared by every instance: velocity counters and idempotency keys. In memory when unset. */
  url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').optional(),
}).prefault({});
export type LimitsConfig = z.output<typeof limitsSchema>;
