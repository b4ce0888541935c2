// What the event processing needs from the delivery log's database: a durable inbox of raw
// events (de-duplicated by uuid), the sends they may verify, and the small state a single poller
// keeps (a cursor, a lease). Implemented by both stores (src/store/okta-events-sql.ts).
import type { Channel, RequestType } from '../../core/domain.js';
import type { InboxEvent, MatchBasis } from './log-event.js';

export type EventSource = 'hook' | 'poll';

export interface PendingEvent extends InboxEvent {
  receivedAt: number;
  source: EventSource;
  tries: number;
}

/** What an event can verify: the user's latest send of that flow (and channel) before it, still within its code's life. */
export interface SendQuery {
  userIds: string[];
  requestType: Exclude<RequestType, 'unknown'>;
  channel?: Channel;
  published: number;
}

export interface MatchedSend {
  eventId: string;
  receivedAt: number;
  channel: Channel;
  requestType: RequestType;
  provider?: string;
  transactionId?: string;
  /** Set when an earlier event verified it. */
  verifiedAt?: number;
}

/** How an event ends. `retry` leaves it pending until `nextTryAt`. */
export type Settlement =
  | { state: 'verified'; eventId: string; at: number; basis: MatchBasis }
  | { state: 'failed_attempt'; eventId: string; at: number }
  | { state: 'duplicate'; eventId: string }
  | { state: 'hook_failure'; eventId?: string }
  | { state: 'ignored'; reason: string }
  | { state: 'unmatched' }
  | { state: 'retry'; nextTryAt: number };

export type SettledState = Exclude<Settlement['state'], 'retry'>;

export interface SettleResult {
  /** False when the event was no longer pending (another processor settled it). */
  settled: boolean;
  /** For `verified`: the send had not been verified before (the one time it counts). */
  newlyVerified: boolean;
}

export interface EventCount { state: SettledState | 'pending'; eventType: string; count: number }

export interface HookFailureDay {
  /** Start of the UTC day, epoch ms. */
  day: number;
  count: number;
  /** Of those, the ones tied to a hook call in the delivery log. */
  matched: number;
}

export interface EventInbox {
  /** Stores the events durably (resolves after the commit); a uuid already kept is skipped. */
  receive(events: InboxEvent[], source: EventSource, now: number): Promise<{ stored: number; duplicates: number }>;
  /** Pending events whose time has come, oldest `published` first. */
  due(now: number, limit: number): Promise<PendingEvent[]>;
  findSend(q: SendQuery): Promise<MatchedSend | undefined>;
  /** The ones of these telephony-hook eventIds the delivery log has. */
  knownCalls(eventIds: string[]): Promise<string[]>;
  /** The eventIds of sends received since `sinceMs` that are verified, newest first, at most `limit`. */
  verifiedSince(sinceMs: number, limit: number): Promise<string[]>;
  /** Settles a pending event, and records its effect on the send, in one transaction. */
  settle(uuid: string, s: Settlement, now: number): Promise<SettleResult>;
  /** Forgets settled events published before `beforeMs`. */
  prune(beforeMs: number): Promise<number>;
  counts(sinceMs: number): Promise<EventCount[]>;
  hookFailuresByDay(sinceMs: number): Promise<HookFailureDay[]>;
  cursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string, now: number): Promise<void>;
  /** Takes or renews a lease held by `holder` until now + ttlMs; false when another holder's lease runs. */
  lease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}
