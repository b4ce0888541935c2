// The `auth:` section of the configuration: how Okta proves a hook call is its own — a header
// secret, or an OAuth 2.0 bearer token signed by the org's authorization server.
import { z } from 'zod';
import { HEADER_NAME } from '../core/domain.js';

export const headerAuthSchema = z.object({
  type: z.literal('header'),
  /** The "Authentication field" configured on the hook in Okta. */
  header: z.string().regex(HEADER_NAME, 'expected an HTTP header name').default('Authorization'),
  /** The "Authentication secret": compared with the whole header value. Two allow a rotation. */
  secrets: z.array(z.string().min(12, 'expected a secret of at least 12 characters')).min(1).max(2),
});

export const oauthAuthSchema = z.object({
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

export const authSchema = z.discriminatedUnion('type', [headerAuthSchema, oauthAuthSchema]);

export type AuthConfig = z.output<typeof authSchema>;
export type HeaderAuthConfig = z.output<typeof headerAuthSchema>;
export type OAuthConfig = z.output<typeof oauthAuthSchema>;
