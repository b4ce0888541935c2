// The `guard:` section of the configuration: number-type and country policy, velocity limits,
// overrides and how the counters' store behaves when it fails. Everything has a default, so an
// absent section gives a working guard.
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';
import { phoneLib } from '../core/phone.js';
import { E164, NUMBER_TYPES } from '../core/domain.js';
import { conversionSchema } from './conversion/schema.js';

/** Longest window a limit may have: 31 days. */
const MAX_WINDOW_SECONDS = 31 * 86_400;

const country = z.pipe(z.string(), z.transform((c) => c.trim().toUpperCase()))
  .check(z.refine((c) => /^[A-Z]{2}$/.test(c) && phoneLib().isSupportedCountry(c), 'expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US'));

/** Either an allow list (everything else refused; `[]` turns the channel off) or a deny list; `{}` allows every country. */
const countryPolicy = strictObject({
  allow: z.optional(z.array(country)),
  deny: z.optional(z.array(country)),
}).check(z.refine((p) => p.allow === undefined || p.deny === undefined, 'expected either allow or deny, not both'));

export const windowSchema = strictObject({
  max: z.number().check(z.int('expected a whole number of sends'), z.gte(1, 'expected at least 1 send (use false to turn the limit off)'), z.lte(1_000_000_000)),
  perSeconds: z.number().check(
    z.int('expected a whole number of seconds'), z.gte(1, 'expected at least 1 second'),
    z.lte(MAX_WINDOW_SECONDS, `expected at most ${MAX_WINDOW_SECONDS} seconds (31 days)`),
  ),
});

/**
 * `false`, or what `schema` accepts. Not a z.union: a union reports only "invalid input" when a
 * window has a fraction or a missing field, where this reports the field and what it expects.
 */
function falseOr<T extends z.ZodMiniType>(schema: T, expected: string, wrap?: (v: unknown) => unknown) {
  return z.pipe(z.unknown(), z.transform((value, ctx): false | z.output<T> => {
    if (value === false) return false;
    const input = wrap ? wrap(value) : value;
    if (typeof input !== 'object' || input === null) {
      ctx.issues.push({ code: 'custom', message: expected, input: value });
      return z.NEVER;
    }
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      // An unknown key keeps its kind, so the loader can name the key and suggest the right one.
      if (issue.code === 'unrecognized_keys') ctx.issues.push({ ...issue, input: input as Record<string, unknown> });
      else ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input });
    }
    return z.NEVER;
  }));
}

/** One `{ max, perSeconds }` or a list of them, each `perSeconds` once; `false` turns the limit off. */
const windows = falseOr(
  z.array(windowSchema).check(
    z.minLength(1, 'expected at least one window, or false to turn the limit off'),
    z.refine((list) => new Set(list.map((w) => w.perSeconds)).size === list.length, 'expected each perSeconds at most once'),
  ),
  'expected false, { max, perSeconds } or a list of them',
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? [v] : v),
);

const w = (max: number, perSeconds: number) => ({ max, perSeconds });

const e164 = z.string().check(z.regex(E164, 'expected an E.164 number, e.g. +14155550100'));

export const guardSchema = z.prefault(strictObject({
  numbers: z.prefault(strictObject({
    /** Refuse numbers libphonenumber-js does not consider valid (right length and range for their country). */
    refuseInvalid: z._default(z.boolean(), true),
    /** Number types never sent to; toll fraud lives on premium-rate and shared-cost ranges. */
    refuseTypes: z._default(
      z.array(z.enum(NUMBER_TYPES, { error: `expected a number type (${NUMBER_TYPES.join(', ')})` })),
      ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'UAN', 'PAGER', 'VOICEMAIL'],
    ),
    /** false adds VOIP to refuseTypes. */
    allowVoip: z._default(z.boolean(), true),
  }).check(z.refine((n) => !(n.allowVoip && n.refuseTypes.includes('VOIP')), 'expected VOIP either in refuseTypes or allowed by allowVoip, not both')), {}),

  /** Per channel: `{ allow: [..] }`, `{ deny: [..] }` or `{}` (every country). */
  countries: z.prefault(strictObject({
    sms: z.prefault(countryPolicy, {}),
    voice: z.prefault(countryPolicy, {}),
  }), {}),

  /**
   * Sends admitted per key and window. A window starts with the first request counted under its key
   * and lasts `perSeconds`; a request is counted by every limit or, when one refuses it, by none
   * (distinctPerPrefix included). `false` turns a limit off.
   */
  limits: z.prefault(strictObject({
    /** Per destination number (Okta itself allows one challenge per number per 30 s). */
    phone: z._default(windows, [w(1, 30), w(5, 600), w(10, 86_400)]),
    /** Per Okta user (userId, else login). */
    user: z._default(windows, [w(10, 3_600), w(20, 86_400)]),
    /** Per number range: the E.164 number without its last 3 digits (1,000 numbers). */
    prefix: z._default(windows, [w(20, 3_600), w(100, 86_400)]),
    /** Per destination country; tune to the organisation's traffic (see countryOverrides). */
    country: z._default(windows, [w(300, 3_600), w(2_000, 86_400)]),
    /** Countries whose traffic differs from the rest: their windows replace `country` for them. */
    countryOverrides: z._default(z.pipe(z.record(z.string(), windows).check(z.superRefine((overrides, ctx) => {
        for (const key of Object.keys(overrides)) {
          if (!country.safeParse(key).success) ctx.addIssue({ code: 'custom', path: [key], message: 'expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US' });
        }
      })), z.transform((overrides) => Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k.trim().toUpperCase(), v])))), {}),
    /** Per end-user IP address (Okta's data.context.request.ipAddress); skipped when Okta sends none. */
    ip: z._default(windows, [w(10, 60), w(50, 3_600)]),
    /** Everything together: a ceiling on spend whatever the pattern. */
    global: z._default(windows, [w(1_000, 3_600), w(10_000, 86_400)]),
    /** Distinct numbers admitted per prefix and window: many numbers of one range is the SMS-pumping signature. */
    distinctPerPrefix: z._default(falseOr(windowSchema, 'expected false or { max, perSeconds }'), w(5, 3_600)),
  }), {}),

  /** Trusted numbers and users (test devices, executives, call centres): velocity limits are skipped for them. */
  allow: z.prefault(strictObject({
    phones: z._default(z.array(e164), []),
    /** Okta userIds, or logins (compared case-insensitively). */
    users: z._default(z.array(z.string().check(z.trim(), z.minLength(1, 'expected a userId or login'))), []),
    /** Also skip the number-type and country policy for them (off: a trusted user still cannot reach a premium-rate number). */
    skipPolicy: z._default(z.boolean(), false),
  }), {}),

  /**
   * Stricter at enrollment, where pumping enters: Okta's pre-enrollment sends a code to a number
   * no one has proved yet. Applies to `pre-enrollment` requests only, after `countries`.
   */
  enrollment: z.prefault(strictObject({
    /** Per channel: the countries an enrollment may send to (a smaller list than `countries`). */
    countries: z.prefault(strictObject({
      sms: z.prefault(countryPolicy, {}),
      voice: z.prefault(countryPolicy, {}),
    }), {}),
    /** Refuse an enrollment to a country × channel with no verified code in `conversion.baseline.windowSeconds` (needs the verification feed). */
    requireVerifiedCountry: z._default(z.boolean(), false),
  }), {}),

  /** Conversion-aware blocking (sends against verified codes); off unless turned on. */
  conversion: conversionSchema,

  /**
   * Okta's answer when the guard refuses a send, apart from `hook.onFailure` (delivery failures):
   * `error` (Okta's error object: Okta may send through its own rate-limited fallback provider,
   * the end user sees a generic message) or `FAILED`. Unset: the same as `hook.onFailure`.
   */
  onBlock: z.optional(z.enum(['error', 'FAILED'], { error: 'expected error or FAILED' })),

  store: z.prefault(strictObject({
    /** When the counters cannot be read and no insurance covers it: open sends anyway, closed refuses (`store.unavailable`). */
    failMode: z._default(z.enum(['open', 'closed'], { error: 'expected open or closed' }), 'open'),
    /** Prefix of every Redis key the guard writes. */
    keyPrefix: z._default(z.string().check(z.minLength(1), z.maxLength(64)), 'byot:guard'),
    /** Longest a Redis round trip may take before the guard counts in memory instead. */
    timeoutMs: z._default(z.int().check(z.gte(5), z.lte(2_000)), 500),
    /** After a Redis failure, how long the guard counts in memory before trying Redis again. */
    retryAfterMs: z._default(z.int().check(z.gte(0), z.lte(600_000)), 5_000),
    /** Per-instance in-memory counters used while Redis fails (rate-limiter-flexible's insuranceLimiter). */
    insurance: z.prefault(strictObject({
      enabled: z._default(z.boolean(), true),
      /** How many gateway instances share the limits: each counts max / instances (rounded up) while Redis is down. */
      instances: z._default(z.int().check(z.gte(1), z.lte(1_000)), 1),
    }), {}),
  }), {}),
}), {});

export type GuardConfig = z.output<typeof guardSchema>;
export type GuardConfigInput = NonNullable<z.input<typeof guardSchema>>;
export type LimitWindow = z.output<typeof windowSchema>;
export type CountryPolicy = z.output<typeof countryPolicy>;

/** The top-level `limits:` section: where the counters (and the idempotency keys) are shared. */
export const limitsSchema = z.prefault(strictObject({
  /** Redis shared by every instance: velocity counters and idempotency keys. In memory when unset. */
  url: z.optional(z.string().check(z.regex(/^rediss?:\/\//, 'expected a redis:// URL'))),
}), {});
export type LimitsConfig = z.output<typeof limitsSchema>;
