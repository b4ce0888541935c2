// The `oktaEvents:` section of the configuration: Okta's event hook endpoint, the processing of
// the events it delivers, and the optional System Log poller (README "Close the loop with Okta").
import * as z from 'zod';
import { strictObject } from '../../core/unknown-keys.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const poll = strictObject({
  /** The Okta org, e.g. https://acme.okta.com. */
  org: z.url({ protocol: /^https?$/ }),
  /** An API token (SSWS)… */
  token: z.string().min(1).optional(),
  /** …or an OAuth service app with the okta.logs.read scope: its client id and private key (PEM or JWK file). */
  clientId: z.string().min(1).optional(),
  privateKeyFile: z.string().min(1).optional(),
  keyId: z.string().min(1).optional(),
  /** Time between two polls. */
  intervalMs: z.number().int().min(5_000).max(DAY_MS).default(60_000),
  /** How far back the very first poll reads (later ones resume from the stored cursor). */
  backfillMs: z.number().int().min(0).max(7 * DAY_MS).default(HOUR_MS),
  /** Per call to Okta. */
  timeoutMs: z.number().int().min(1_000).max(60_000).default(15_000),
}).refine((p) => (p.token !== undefined) !== (p.clientId !== undefined), 'expected either token or clientId with privateKeyFile')
  .refine((p) => (p.clientId === undefined) === (p.privateKeyFile === undefined), 'expected clientId and privateKeyFile together');

export const oktaEventsSchema = strictObject({
  /** Where Okta's event hook delivers. */
  path: z.string().regex(/^\/[A-Za-z0-9/_.-]{0,199}$/, 'expected a path such as /okta/events').default('/okta/events'),
  /** The header Okta sends the secret in (the event hook's authScheme key). */
  header: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name').default('Authorization'),
  /** The event hook's secret, compared with the whole header value; two allow a rotation. Default $OKTA_EVENTS_SECRET; without one the endpoint is off. */
  secrets: z.array(z.string().min(12, 'expected a secret of at least 12 characters').max(1_024)).min(1).max(2).optional(),
  /** Largest delivery read (Okta batches events that happen close together). */
  bodyLimitBytes: z.number().int().min(65_536).max(16_777_216).default(4_194_304),
  /** How long an event that matches no send yet is tried again before it counts as unmatched. */
  unmatchedKeepMs: z.number().int().min(0).max(DAY_MS).default(15 * 60_000),
  /** How long processed events (their uuids, not their contents) are kept to recognise a late duplicate. */
  retainMs: z.number().int().min(HOUR_MS).max(90 * DAY_MS).default(8 * DAY_MS),
  /** How often pending events are looked at again. */
  processIntervalMs: z.number().int().min(100).max(600_000).default(5_000),
  /** Read the System Log instead of (or besides) the event hook. */
  poll: poll.optional(),
}).prefault({});

export type OktaEventsConfig = z.output<typeof oktaEventsSchema>;
export type SystemLogPollConfig = NonNullable<OktaEventsConfig['poll']>;
