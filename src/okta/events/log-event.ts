// Okta's LogEvent objects (the System Log's and the event hook's), read defensively with Okta's
// field names: `uuid`, `published`, `eventType`, `actor`, `target[]`, `outcome.result`,
// `debugContext.debugData`. `receivable` checks what must hold to keep an event at all;
// `classify` says what a kept event means for the delivery log.
import type { Channel, RequestType } from '../../core/domain.js';
import { HOOK_FAILURE_EVENT, isVerifyingType, VERIFYING_EVENTS } from './event-types.js';

/** The parts of a LogEvent the gateway reads (schemas: LogEvent, LogActor, LogTarget, LogOutcome). */
export interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  actor?: { id?: string; type?: string; alternateId?: string; displayName?: string };
  target?: { id?: string; type?: string; alternateId?: string; displayName?: string; detailEntry?: Record<string, unknown> }[];
  outcome?: { result?: string; reason?: string };
  debugContext?: { debugData?: Record<string, unknown> };
  transaction?: { type?: string; id?: string };
}

/** An event as it is kept in the inbox until processed. */
export interface InboxEvent {
  uuid: string;
  /** `published`, epoch ms. */
  published: number;
  eventType: string;
  /** The LogEvent as received, JSON; cleared once processed. */
  raw: string;
}

/** One event longer than this is refused (a LogEvent is a few kilobytes). */
export const MAX_EVENT_BYTES = 32_768;

export type Receivable = { ok: true; event: InboxEvent } | { ok: false; problem: 'not_an_object' | 'uuid' | 'published' | 'eventType' | 'too_large' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What must hold to keep an event: an object with a uuid, a parsable `published` and an `eventType`. */
export function receivable(raw: unknown): Receivable {
  if (!isObject(raw)) return { ok: false, problem: 'not_an_object' };
  const { uuid, published, eventType } = raw;
  if (typeof uuid !== 'string' || uuid.length === 0 || uuid.length > 128) return { ok: false, problem: 'uuid' };
  const at = typeof published === 'string' && published.length <= 64 ? Date.parse(published) : Number.NaN;
  if (!Number.isFinite(at)) return { ok: false, problem: 'published' };
  if (typeof eventType !== 'string' || eventType.length === 0 || eventType.length > 255) return { ok: false, problem: 'eventType' };
  const text = JSON.stringify(raw);
  if (Buffer.byteLength(text) > MAX_EVENT_BYTES) return { ok: false, problem: 'too_large' };
  return { ok: true, event: { uuid, published: at, eventType, raw: text } };
}

/** How a verification was tied to a send: the event named the factor, or only the user and the time. */
export type MatchBasis = 'factor' | 'user_time';

export type Classified =
  | {
    kind: 'verification';
    requestType: Exclude<RequestType, 'unknown'>;
    result: 'SUCCESS' | 'FAILURE';
    /** Okta user ids the event names (the actor when it is a User, then User targets). */
    userIds: string[];
    /** Where the event says it; absent when it does not (then user and time decide). */
    channel?: Channel;
  }
  | { kind: 'hook_failure'; /** Telephony-hook eventIds the event's debugData names, if any. */ eventIds: string[] }
  | { kind: 'ignored'; reason: 'event_type' | 'outcome' | 'factor' | 'no_user' };

const PHONE_FACTORS: Record<string, Channel> = { SMS_FACTOR: 'sms', CALL_FACTOR: 'voice' };

/**
 * The factor the event names, in the places Okta puts it: `debugData.factor`, sometimes
 * `outcome.reason`, and on Identity Engine the authenticator enrollment target's
 * `detailEntry.methodTypeUsed`. `null`: named, and not a phone factor; undefined: not named.
 */
export function phoneChannel(e: LogEvent): Channel | null | undefined {
  const factor = e.debugContext?.debugData?.factor;
  if (typeof factor === 'string' && factor !== '') return PHONE_FACTORS[factor.toUpperCase()] ?? null;
  const reason = e.outcome?.reason?.toUpperCase();
  if (reason) for (const [name, channel] of Object.entries(PHONE_FACTORS)) if (reason.includes(name)) return channel;
  for (const t of e.target ?? []) {
    const method = t?.detailEntry?.methodTypeUsed;
    if (typeof method !== 'string') continue;
    if (/^sms$/i.test(method)) return 'sms';
    if (/voice|call/i.test(method)) return 'voice';
    return null;
  }
  return undefined;
}

function userIds(e: LogEvent): string[] {
  const ids: string[] = [];
  const add = (id: unknown): void => {
    if (typeof id === 'string' && id.length > 0 && id.length <= 64 && !ids.includes(id)) ids.push(id);
  };
  if (String(e.actor?.type ?? '').toLowerCase() === 'user') add(e.actor?.id);
  for (const t of Array.isArray(e.target) ? e.target : []) if (String(t?.type ?? '').toLowerCase() === 'user') add(t.id);
  return ids.slice(0, 5);
}

/** Values of debugData keys that name an event id: where Okta's hook-failure event can point at the call. */
function eventIdsIn(e: LogEvent): string[] {
  const data = e.debugContext?.debugData;
  if (!isObject(data)) return [];
  return Object.entries(data)
    .filter(([k, v]) => /eventid/i.test(k) && typeof v === 'string' && v.length > 0 && v.length <= 128)
    .map(([, v]) => v as string)
    .slice(0, 5);
}

export function classify(e: LogEvent): Classified {
  if (e.eventType === HOOK_FAILURE_EVENT) return { kind: 'hook_failure', eventIds: eventIdsIn(e) };
  if (!isVerifyingType(e.eventType)) return { kind: 'ignored', reason: 'event_type' };
  const result = String(e.outcome?.result ?? '').toUpperCase();
  if (result !== 'SUCCESS' && result !== 'FAILURE') return { kind: 'ignored', reason: 'outcome' };
  const requestType = VERIFYING_EVENTS[e.eventType];
  // Password reset and unlock say nothing of the factor: the flow and the user decide.
  const channel = requestType === 'mfa-verification' || requestType === 'pre-enrollment' ? phoneChannel(e) : undefined;
  if (channel === null) return { kind: 'ignored', reason: 'factor' };
  const ids = userIds(e);
  if (ids.length === 0) return { kind: 'ignored', reason: 'no_user' };
  return { kind: 'verification', requestType, result, userIds: ids, ...(channel ? { channel } : {}) };
}
