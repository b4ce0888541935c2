// The `auth:` section of the configuration: how Okta proves a hook call is its own — a header
// secret, or an OAuth 2.0 bearer token signed by the org's authorization server.
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';
import { HEADER_NAME } from '../core/domain.js';

export const headerAuthSchema = strictObject({
  type: z.literal('header'),
  /** The "Authentication field" configured on the hook in Okta. */
  header: z._default(z.string().check(z.regex(HEADER_NAME, 'expected an HTTP header name')), 'Authorization'),
  /** The "Authentication secret": compared with the whole header value. Two allow a rotation. */
  secrets: z.array(z.string().check(z.minLength(12, 'expected a secret of at least 12 characters'))).check(z.minLength(1), z.maxLength(2)),
});

/** `https://`, or plain `http://` to a loopback address (tests, a local mock). */
const secureUrl = z.url({ protocol: /^https?$/ }).check(z.refine((u) => {
  const url = URL.parse(u);
  return url === null || url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
}, 'expected an https:// URL (http:// only for a loopback address)'));

export const oauthAuthSchema = strictObject({
  type: z.literal('oauth'),
  /** Custom authorization server, e.g. https://acme.okta.com/oauth2/default */
  issuer: secureUrl,
  audience: z.string().check(z.minLength(1)),
  /** Defaults to `${issuer}/v1/keys`, where Okta publishes the signing keys. */
  jwksUrl: z.optional(secureUrl),
  /** When set, the token's `cid` must equal it (the hook's OAuth client). */
  clientId: z.optional(z.string().check(z.minLength(1))),
  /** When set, the token's `scp` must contain it. */
  scope: z.optional(z.string().check(z.minLength(1))),
  clockToleranceSec: z._default(z.int().check(z.gte(0), z.lte(120)), 60),
  /** Longest token lifetime accepted (exp − iat); Okta's access tokens live one hour by default. */
  maxTokenLifetimeSec: z._default(z.int().check(z.gte(60), z.lte(86_400)), 3_600),
  /** Least time between two key-set fetches (unknown key ids, refreshes); doubled after each failed fetch. */
  jwksCooldownMs: z._default(z.int().check(z.gte(1_000), z.lte(3_600_000)), 30_000),
  /** Longest a key-set fetch may take; at most the hook's budget (checked in config/schema.ts). */
  jwksTimeoutMs: z._default(z.int().check(z.gte(100), z.lte(2_900)), 2_000),
  /** How long the last good key set stays in use while the key set cannot be fetched. */
  jwksGraceMs: z._default(z.int().check(z.gte(0), z.lte(7 * 86_400_000)), 86_400_000),
});

export const authSchema = z.discriminatedUnion('type', [headerAuthSchema, oauthAuthSchema]);

export type AuthConfig = z.output<typeof authSchema>;
export type HeaderAuthConfig = z.output<typeof headerAuthSchema>;
export type OAuthConfig = z.output<typeof oauthAuthSchema>;
