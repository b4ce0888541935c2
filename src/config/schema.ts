// The whole configuration, assembled from the sections each part defines beside its code
// (docs/architecture.md: only the composition root sees all of it).
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';
import { phoneSchema } from '../core/phone.js';
import { logSchema, metricsSchema } from '../telemetry/schema.js';
import { authSchema } from '../okta/auth-schema.js';
// The schemas alone, not guard/index.ts: loading the guard itself is start-up `byot check-config` need not pay.
import { guardSchema, limitsSchema } from '../guard/schema.js';
import { alertsSchema } from '../guard/conversion/schema.js';
import { storeSchema } from '../store/schema.js';
import { hookSchema, messagesSchema, resilienceSchema } from '../delivery/schema.js';
import { routingSchema } from '../routing/schema.js';
import { adminSchema } from '../admin/schema.js';
import { serverSchema } from '../http/schema.js';
import { oktaEventsSchema } from '../okta/events/schema.js';

export const configSchema = strictObject({
  server: serverSchema,
  auth: authSchema,
  hook: hookSchema,
  phone: phoneSchema,
  /** Each entry is checked again by its kind's own schema (config/load.ts). */
  providers: z.record(z.string(), z.looseObject({ kind: z.string() })).check(z.superRefine((providers, ctx) => {
    if (Object.keys(providers).length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one provider' });
    for (const name of Object.keys(providers)) {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected a lower-case name (a-z, 0-9, _ or -)' });
    }
  })),
  messages: messagesSchema,
  routing: routingSchema,
  /** Toll-fraud guard: number and country policy, velocity limits. */
  guard: guardSchema,
  limits: limitsSchema,
  /** Where conversion blocks are announced (a webhook). */
  alerts: alertsSchema,
  resilience: resilienceSchema,
  store: storeSchema,
  metrics: metricsSchema,
  /** The admin page at /admin: off unless it has credentials (src/admin/schema.ts). */
  admin: adminSchema,
  /** Okta's event hook and System Log: which codes were used (src/okta/events/schema.ts). */
  oktaEvents: oktaEventsSchema,
  log: logSchema,
}).check(z.superRefine((c, ctx) => {
  // A key-set fetch runs inside a hook call: it must not outlast the answer.
  if (c.auth?.type === 'oauth' && c.hook !== undefined && c.auth.jwksTimeoutMs > c.hook.budgetMs) {
    ctx.addIssue({ code: 'custom', path: ['auth', 'jwksTimeoutMs'], message: `expected at most hook.budgetMs (${c.hook.budgetMs})` });
  }
}));

export type RawConfig = z.output<typeof configSchema>;
