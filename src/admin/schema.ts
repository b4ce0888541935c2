// The `admin:` section of the configuration. The admin page exists only when it has credentials:
// a token (bearer for scripts, or typed on the login page) and/or users with passwords. Passwords
// and the token usually come from the environment (`password: ${BYOT_ADMIN_PASSWORD}`).
import * as z from '../core/zod.js';
import type { PhoneConfig } from '../core/phone.js';
import type { MetricsConfig } from '../telemetry/schema.js';
import type { AuthConfig } from '../okta/auth-schema.js';
import type { BaseProviderConfig } from '../providers/base.js';
import type { StoreConfig } from '../store/schema.js';
import type { HookConfig } from '../delivery/schema.js';
import type { RoutingConfig } from '../routing/schema.js';
import type { ServerConfig } from '../http/schema.js';
import { strictObject } from '../core/unknown-keys.js';

/**
 * What a login may do. `admin`: everything. `read-only` (or its alias `viewer`): sees every page,
 * runs dry Previews, but cannot send for real or lift a block (the server answers 403).
 */
export const ROLES = ['admin', 'read-only'] as const;
export type Role = (typeof ROLES)[number];
const role = z.pipe(z._default(z.enum(['admin', 'read-only', 'viewer']), 'admin'), z.transform((r): Role => (r === 'viewer' ? 'read-only' : r)));

const user = strictObject({
  username: z.string().check(z.minLength(1, 'expected a user name'), z.maxLength(128), z.regex(/^[^\s:]+$/, 'expected a user name without spaces or colons')),
  /** Compared in constant time; give it as `${ENV_VAR}` rather than in the file. */
  password: z.string().check(z.minLength(12, 'expected a password of at least 12 characters'), z.maxLength(1_024)),
  role,
});

export const adminSchema = z.prefault(strictObject({
  /** `Authorization: Bearer <token>` on /admin/api/* for scripts; also accepted on the login page. */
  token: z.optional(z.string().check(z.minLength(24, 'expected a random token of at least 24 characters'), z.maxLength(1_024))),
  /** The role of whoever uses the token. */
  tokenRole: role,
  /** People who log in on /admin/login with a user name and password. */
  users: z._default(z.array(user), [])
    .check(z.refine((users) => new Set(users.map((u) => u.username.toLowerCase())).size === users.length, 'expected each username once')),
  /** How long a login lasts. */
  sessionTtlMinutes: z._default(z.int().check(z.gte(1), z.lte(7 * 24 * 60)), 60),
  /** How long the audit log (logins, real sends, lifted blocks) keeps an entry. */
  auditRetentionDays: z._default(z.int().check(z.gte(1), z.lte(3_650)), 365),
}), {});

export type AdminConfig = z.output<typeof adminSchema>;

/** True when the admin page is on: there is at least one way to log in. */
export function adminEnabled(config: AdminConfig): boolean {
  return config.token !== undefined || config.users.length > 0;
}

/**
 * What the admin pages read of the configuration. The Configuration page shows all of it,
 * redacted, so every section that can hold a secret is here.
 */
export interface AdminSettings {
  server: ServerConfig;
  auth: AuthConfig;
  hook: HookConfig;
  phone: PhoneConfig;
  providers: Readonly<Record<string, BaseProviderConfig>>;
  routing: RoutingConfig;
  store: StoreConfig;
  metrics: MetricsConfig;
  admin: AdminConfig;
}
