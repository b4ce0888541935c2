// The Okta System Log event types that say a code was used, and the flow of the telephony hook
// each one closes. Only types tagged `event-hook-eligible` in
// Okta's catalog can be subscribed to (test/fixtures/okta/event-types.json holds those entries).
import type { RequestType } from '../../core/domain.js';

/** Event type → the hook's requestType it verifies. */
export const VERIFYING_EVENTS = {
  'user.authentication.auth_via_mfa': 'mfa-verification',
  // Identity Engine; in the System Log only (not event-hook-eligible).
  'user.authentication.verify': 'mfa-verification',
  'user.mfa.factor.activate': 'pre-enrollment',
  'user.account.reset_password': 'password-reset',
  'user.account.unlock': 'account-unlock',
} as const satisfies Record<string, Exclude<RequestType, 'unknown'>>;

export type VerifyingEventType = keyof typeof VERIFYING_EVENTS;

/** Okta counted a hook execution as failed (late, non-200, malformed): it may have sent its own code too. */
export const HOOK_FAILURE_EVENT = 'inline_hook.executed';

/** What `byot okta events register` subscribes to: the eligible ones. */
export const EVENT_HOOK_TYPES = [
  'user.authentication.auth_via_mfa',
  'user.mfa.factor.activate',
  'user.account.reset_password',
  'user.account.unlock',
  HOOK_FAILURE_EVENT,
] as const;

/** What the System Log poller asks for: every verifying type, eligible or not, and hook failures. */
export const POLLED_TYPES: readonly string[] = [...Object.keys(VERIFYING_EVENTS), HOOK_FAILURE_EVENT];

/** An event type as a metric label: the types polled, `none` (a delivery refused as a whole), else `other`, so the label set stays bounded. */
const EVENT_TYPE_LABELS: ReadonlySet<string> = new Set([...POLLED_TYPES, 'none']);
export function eventTypeLabel(eventType: string): string {
  return EVENT_TYPE_LABELS.has(eventType) ? eventType : 'other';
}

export function isVerifyingType(t: string): t is VerifyingEventType {
  return Object.hasOwn(VERIFYING_EVENTS, t);
}
