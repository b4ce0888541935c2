import { z } from 'zod';
import { strictObject } from '../unknown-keys.js';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { normaliseLocale } from '../okta/contract.js';
import { guardSchema } from '../guard/index.js';
import { adminSchema } from '../admin/schema.js';

const headerAuth = strictObject({
  type: z.literal('header'),
  /** The "Authentication field" configured on the hook in Okta. */
  header: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name').default('Authorization'),
  /** The "Authentication secret": compared with the whole header value. Two allow a rotation. */
  secrets: z.array(z.string().min(12, 'expected a secret of at least 12 characters')).min(1).max(2),
});

const oauthAuth = strictObject({
  type: z.literal('oauth'),
  /** Custom authorization server, e.g. https://acme.okta.com/oauth2/default */
  issuer: z.url({ protocol: /^https?$/ }),
  audience: z.string().min(1),
  /** Defaults to `${issuer}/v1/keys`, where Okta publishes the signing keys. */
  jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** When set, the token's `cid` must equal it (the hook's OAuth client). */
  clientId: z.string().min(1).optional(),
  /** When set, the token's `scp` must contain it. */
  scope: z.string().min(1).optional(),
  clockToleranceSec: z.number().int().min(0).max(120).default(60),
  /** Least time between two key-set fetches triggered by unknown key ids. */
  jwksCooldownMs: z.number().int().min(0).default(30_000),
  jwksTimeoutMs: z.number().int().min(100).default(2_000),
});

const region = z.string().refine((r) => isSupportedCountry(r), 'expected an ISO 3166-1 alpha-2 region, e.g. US');

/** `X` or `[X, Y]`, read as a list. */
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const NUMBER_TYPES = ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST',
  'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL', 'UNKNOWN'] as const;

const routingRule = strictObject({
  /** A label for explain output and logs. */
  name: z.string().min(1).max(64).optional(),
  /** Every given condition must hold; an absent one matches anything. */
  match: strictObject({
    country: oneOrMany(region).optional(),
    channel: oneOrMany(z.enum(['sms', 'voice'])).optional(),
    requestType: oneOrMany(z.enum(['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset', 'unknown'])).optional(),
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
}).refine((r) => (r.providers === undefined) !== (r.split === undefined), 'expected either providers or split');

export const configSchema = strictObject({
  server: strictObject({
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65_535).default(8080),
    /** Fastify's trustProxy: true (trust every hop) or the addresses/CIDRs of the load balancers. */
    trustProxy: z.union([z.boolean(), z.string(), z.array(z.string())]).default(false),
    tls: strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
    bodyLimitBytes: z.number().int().min(1_024).max(1_048_576).default(65_536),
    /** The gateway's public https:// address; providers send delivery receipts to it. */
    publicUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).optional(),
  }).prefault({}),
  auth: z.discriminatedUnion('type', [headerAuth, oauthAuth]),
  hook: strictObject({
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
  }).prefault({}),
  phone: strictObject({
    /** Region used for numbers Okta sends without a country code. */
    defaultRegion: region.default('US'),
  }).prefault({}),
  /** Each entry is checked again by its kind's own schema (config/load.ts). */
  providers: z.record(z.string(), z.looseObject({ kind: z.string() })).superRefine((providers, ctx) => {
    if (Object.keys(providers).length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one provider' });
    for (const name of Object.keys(providers)) {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected a lower-case name (a-z, 0-9, _ or -)' });
    }
  }),
  messages: strictObject({
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
  }).prefault({}),
  routing: strictObject({
    /** Ordered rules; the first whose `match` fits the request decides the providers. */
    rules: z.array(routingRule).default([]),
    /** Providers tried in order when no rule matches (default: every provider, in the order configured). */
    default: z.array(z.string()).min(1).optional(),
  }).prefault({}),
  /** Toll-fraud guard: number and country policy, velocity limits. */
  guard: guardSchema,
  limits: strictObject({
    /** Redis shared by every instance: velocity counters and idempotency keys. In memory when unset. */
    url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').optional(),
  }).prefault({}),
  resilience: strictObject({
    breaker: strictObject({
      mode: z.enum(['consecutive', 'rate']).default('consecutive'),
      /** `consecutive`: failures in a row that open the breaker. */
      threshold: z.number().int().min(1).max(1_000).default(5),
      /** `rate`: how many recent calls are weighed, and the failing share that opens it. */
      window: z.number().int().min(2).max(1_000).default(20),
      ratio: z.number().gt(0).max(1).default(0.5),
      cooldownMs: z.number().int().min(100).max(600_000).default(15_000),
    }).prefault({}),
  }).prefault({}),
  store: strictObject({
    /** SQLite file of the delivery log; its folder also keeps generated secrets. */
    path: z.string().min(1).default('data/byot.sqlite'),
    /** A PostgreSQL URL puts the delivery log there instead, shared by every instance. */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
    poolSize: z.number().int().min(1).max(100).default(10),
    /** Key of the phone-number hash in the delivery log; generated and kept beside the log when unset. */
    hashKey: z.string().min(16, 'expected at least 16 characters').optional(),
  }).prefault({}),
  metrics: strictObject({
    /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
    token: z.string().min(16, 'expected a token of at least 16 characters').optional(),
  }).prefault({}),
  /** The admin page at /admin: off unless it has credentials (src/admin/schema.ts). */
  admin: adminSchema,
  log: strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `json` (one object a line, for log collectors), `pretty` (readable lines), `auto`: pretty on a terminal. */
    format: z.enum(['json', 'pretty', 'auto']).default('auto'),
  }).prefault({}),
});

export type RawConfig = z.output<typeof configSchema>;
export type AuthConfig = RawConfig['auth'];
export type HeaderAuthConfig = z.output<typeof headerAuth>;
export type OAuthConfig = z.output<typeof oauthAuth>;
export type HookConfig = RawConfig['hook'];
