// The `oktaEvents:` section of the configuration: Okta's event hook endpoint, the processing of
// the events it delivers, and the optional System Log poller (README "Close the loop with Okta").
import * as z from '../../core/zod.js';
import { strictObject } from '../../core/unknown-keys.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const poll = strictObject({
  /** The Okta org, e.g. https://acme.okta.com. */
  org: z.url({ protocol: /^https?$/ }),
  /** An API token (SSWS)… */
  token: z.optional(z.string().check(z.minLength(1))),
  /** …or an OAuth service app with the okta.logs.read scope: its client id and private key (PEM or JWK file). */
  clientId: z.optional(z.string().check(z.minLength(1))),
  privateKeyFile: z.optional(z.string().check(z.minLength(1))),
  keyId: z.optional(z.string().check(z.minLength(1))),
  /** Time between two polls. */
  intervalMs: z._default(z.int().check(z.gte(5_000), z.lte(DAY_MS)), 60_000),
  /** How far back the very first poll reads (later ones resume from the stored cursor). */
  backfillMs: z._default(z.int().check(z.gte(0), z.lte(7 * DAY_MS)), HOUR_MS),
  /** Per call to Okta. */
  timeoutMs: z._default(z.int().check(z.gte(1_000), z.lte(60_000)), 15_000),
}).check(
  z.refine((p) => (p.token !== undefined) !== (p.clientId !== undefined), 'expected either token or clientId with privateKeyFile'),
  z.refine((p) => (p.clientId === undefined) === (p.privateKeyFile === undefined), 'expected clientId and privateKeyFile together'),
);

export const oktaEventsSchema = z.prefault(strictObject({
  /** Where Okta's event hook delivers. */
  path: z._default(z.string().check(z.regex(/^\/[A-Za-z0-9/_.-]{0,199}$/, 'expected a path such as /okta/events')), '/okta/events'),
  /** The header Okta sends the secret in (the event hook's authScheme key). */
  header: z._default(z.string().check(z.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name')), 'Authorization'),
  /** The event hook's secret, compared with the whole header value; two allow a rotation. Default $OKTA_EVENTS_SECRET; without one the endpoint is off. */
  secrets: z.optional(z.array(z.string().check(z.minLength(12, 'expected a secret of at least 12 characters'), z.maxLength(1_024)))
    .check(z.minLength(1), z.maxLength(2))),
  /** Largest delivery read (Okta batches events that happen close together). */
  bodyLimitBytes: z._default(z.int().check(z.gte(65_536), z.lte(16_777_216)), 4_194_304),
  /** How long an event that matches no send yet is tried again before it counts as unmatched. */
  unmatchedKeepMs: z._default(z.int().check(z.gte(0), z.lte(DAY_MS)), 15 * 60_000),
  /** How long processed events (their uuids, not their contents) are kept to recognise a late duplicate. */
  retainMs: z._default(z.int().check(z.gte(HOUR_MS), z.lte(90 * DAY_MS)), 8 * DAY_MS),
  /** How often pending events are looked at again. */
  processIntervalMs: z._default(z.int().check(z.gte(100), z.lte(600_000)), 5_000),
  /** Read the System Log instead of (or besides) the event hook. */
  poll: z.optional(poll),
}), {});

export type OktaEventsConfig = z.output<typeof oktaEventsSchema>;
export type SystemLogPollConfig = NonNullable<OktaEventsConfig['poll']>;
