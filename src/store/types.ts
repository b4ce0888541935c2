import type { Attempt, Channel, FailureReason, RequestType, RouteStats, Status } from '../core/domain.js';

export type { RouteStats };
import type { OktaAnswer } from '../okta/contract.js';
import type { DeliveryReceipt, ReceiptStatus } from '../providers/types.js';
import type { EventInbox } from '../okta/events/inbox.js';

/** What is known of a hook call when it is claimed, before anything is sent. */
export interface CallRecord {
  eventId: string;
  receivedAt: number;
  requestType: RequestType;
  channel: Channel;
  phoneMasked: string;
  phoneHash: string;
  country?: string;
  userId?: string;
  login?: string;
  locale: string;
  preview: boolean;
  /** Okta's otpExpires, epoch ms: a verification after it is not this call's. */
  otpExpires?: number;
}

/** How the call ended; `answer` is replayed to a repeated eventId and holds no code. */
export interface CallResult {
  status: Status;
  reason?: FailureReason;
  blockedBy?: string;
  provider?: string;
  transactionId?: string;
  attempts: Attempt[];
  latencyMs: number;
  answer: OktaAnswer;
}

export type Claim =
  | { claimed: true }
  /** Someone else owns the eventId; `answer` is there once they finished. */
  | { claimed: false; answer?: OktaAnswer };

/** How `summary` and `conversion` group; without it, one row keyed `all`. `prefix`: what the masked number keeps (`+4477`). */
export type SummaryBy = 'provider' | 'country' | 'channel' | 'prefix' | 'requestType';

/** Okta-style numbers for completed calls: failures are every status but SUCCESSFUL. */
export interface SummaryRow {
  /** The provider, country, channel, prefix or request type (`unknown` when the call had none), or `all`. */
  key: string;
  executions: number;
  successes: number;
  failures: number;
  /** Average latency of the successful calls, rounded to the millisecond; null when there were none. */
  avgMs: number | null;
}

/** Calls received from `sinceMs` (inclusive) to `untilMs` (exclusive; now when absent), epoch milliseconds. */
export interface Period {
  sinceMs: number;
  untilMs?: number;
}

/** Filters of `search`; every one given must match. Times are epoch milliseconds of receipt. */
export interface SearchFilters {
  eventId?: string;
  phoneHash?: string;
  userId?: string;
  /** Exact match, as Okta sent it. */
  login?: string;
  /** Part of the user id or the login, in any case (`%` and `_` are matched as themselves). */
  userLike?: string;
  transactionId?: string;
  status?: Status;
  /** The provider that gave the final answer. */
  provider?: string;
  country?: string;
  channel?: Channel;
  requestType?: RequestType;
  /** The guard's rule that refused the call (`limits.phone`, `countries.sms`…). */
  blockedBy?: string;
  /** The receipt's status, or `none` for calls without a receipt. */
  receiptStatus?: ReceiptStatus | 'none';
  /** received_at >= fromMs */
  fromMs?: number;
  /** received_at < toMs */
  toMs?: number;
  /** Paging cursor: received_at < beforeMs (pass the receivedAt of the last row of the previous page). */
  beforeMs?: number;
  /** Paging cursor without ties: rows after this one in the order of `search` (the last row of the previous page). */
  after?: { receivedAt: number; eventId: string };
  /** Default 50, at most 500. */
  limit?: number;
}

/** One delivery-log row as the admin API shows it: never the stored answer, never the code (which is not stored). */
export interface CallRow extends CallRecord {
  /** `pending` until the call completed (or when the process died before it could record the result). */
  state: 'pending' | 'done';
  status?: Status;
  reason?: FailureReason;
  blockedBy?: string;
  provider?: string;
  transactionId?: string;
  attempts: Attempt[];
  attemptCount: number;
  latencyMs?: number;
  completedAt?: number;
  receiptStatus?: ReceiptStatus;
  receiptProviderStatus?: string;
  receiptCode?: string;
  receiptAt?: number;
  /** When Okta said the code was used (the event's `published`), which event, and how it was tied to the call. */
  verifiedAt?: number;
  verifiedBy?: string;
  verifyBasis?: 'factor' | 'user_time';
  /** Wrong codes Okta reported for this send (FAILURE outcomes), and the last one's time. */
  verifyFailures?: number;
  verifyFailedAt?: number;
  /** The call's one resend after an undelivered receipt (pipeline/resend.ts): where it stands, through whom, and its receipt. */
  resendState?: ResendState;
  resendAt?: number;
  resendProvider?: string;
  resendTransactionId?: string;
  resendReceiptStatus?: ReceiptStatus;
  resendReceiptProviderStatus?: string;
  resendReceiptCode?: string;
  resendReceiptAt?: number;
  /** What the provider was told of the verification (src/feedback/), when, its code if it refused, and the tries. */
  feedbackStatus?: FeedbackStatus;
  feedbackAt?: number;
  feedbackCode?: string;
  feedbackTries?: number;
}

/** `sending` once claimed; then sent, failed (the attempt did), or no_provider (none of the plan was left). */
export type ResendState = 'sending' | 'sent' | 'failed' | 'no_provider';

/** Why a resend was refused, or `claimed` when this caller won the call's one resend. */
export type ResendClaim = 'claimed' | 'already' | 'verified' | 'expired' | 'unknown';

/** What a resend ended as, with every attempt of the call (the first ones, then the resend's). */
export interface ResendRecord {
  state: Exclude<ResendState, 'sending'>;
  provider?: string;
  transactionId?: string;
  attempts: Attempt[];
}

/** The delivery log's record of resends (store/resends.ts). */
export interface ResendLog {
  /**
   * Takes the call's one resend, atomically: only while it is completed, not verified, its code
   * alive at `now` (verify_until) and no resend was claimed before, by this instance or another.
   */
  claim(eventId: string, now: number): Promise<ResendClaim>;
  /** Writes what the claimed resend ended as, with the call's attempts including the resend's. */
  record(eventId: string, r: ResendRecord): Promise<void>;
}

/**
 * Where a verified send's feedback stands: `sending` while one instance holds it, then `sent`, `refused`
 * (the provider answered 4xx), `failed` (no answer worth having after every try) or `dropped` (the queue
 * was full).
 */
export type FeedbackStatus = 'sending' | 'sent' | 'refused' | 'failed' | 'dropped';

/**
 * A verified send whose provider may be told: the message the user got, which after a resend
 * (pipeline/resend.ts) is the resend's, its first message having been undelivered.
 */
export interface FeedbackDue {
  eventId: string;
  provider: string;
  transactionId: string;
  channel: Channel;
  /** When Okta saw the code used, epoch ms. */
  verifiedAt: number;
}

/** The feedback record on the delivery log's rows (migration 6). */
export interface FeedbackLog {
  /**
   * Sends of `providers` verified since `sinceMs` that no one has told the provider about: never taken,
   * or taken before `staleBefore` and never settled (the instance died). Oldest verification first.
   */
  due(providers: readonly string[], sinceMs: number, staleBefore: number, limit: number): Promise<FeedbackDue[]>;
  /**
   * Takes the send for this instance (`sending`) and reads the message to tell of as the row has it now;
   * undefined when it is settled, or another instance took it since `staleBefore`.
   */
  take(eventId: string, now: number, staleBefore: number): Promise<FeedbackDue | undefined>;
  /** Gives a taken send back untold (its message went through a provider that takes no feedback). */
  release(eventId: string): Promise<void>;
  /** Records how it ended; a settled send is never changed again. */
  settle(eventId: string, s: { status: Exclude<FeedbackStatus, 'sending'>; at: number; tries: number; code?: string }): Promise<void>;
}

export type ConversionBy = SummaryBy;

/** Codes sent against codes used (okta/events), for calls received in the period. */
export interface ConversionRow {
  key: string;
  /** Calls that sent a code (completed, not Preview, not FAILED). */
  sent: number;
  /** Of those, the ones Okta reported as used. */
  verified: number;
  /** Wrong codes Okta reported against them. */
  failedAttempts: number;
  /** verified / sent, to four decimals; null when nothing was sent. */
  conversionRate: number | null;
  /** Median time from receipt to verification, ms; null when none was verified. */
  medianVerifyMs: number | null;
}

export interface TimelineRow {
  /** Start of the bucket, epoch ms, a multiple of bucketMs. */
  bucket: number;
  /** The provider (`unknown` when none) or channel. */
  key: string;
  executions: number;
  successes: number;
}

/**
 * One provider's own record over a period: every attempt made to it (not only the answers it gave),
 * what became of them, and what its delivery receipts said of the calls it answered.
 */
export interface ProviderStats {
  provider: string;
  attempts: number;
  /** Attempts the provider accepted (its API took the message or call). */
  accepted: number;
  failed: number;
  /** Failed attempts per error category (`unknown` when none was recorded). */
  failedBy: Record<string, number>;
  /** Average time of an attempt, accepted or not; null without attempts. */
  avgMs: number | null;
  /** Receipts of the calls it answered, by status; `sent` is not final. */
  receipts: Record<ReceiptStatus, number>;
  /** accepted ÷ attempts; null without attempts. */
  acceptedRate: number | null;
  /** delivered ÷ final receipts (delivered, undelivered, failed); null without any. */
  deliveredRate: number | null;
}

/** Calls the guard refused under one rule. */
export interface BlockCount {
  /** The guard's rule (`limits.phone`, `countries.sms`…), `unknown` when none was recorded. */
  rule: string;
  count: number;
  /** receivedAt of the latest one. */
  lastAt: number;
}

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
}

/** What the admin audit log records: logins (and failed ones), logouts, real sends from the Preview, lifted blocks. */
export type AuditAction = 'login' | 'login.failed' | 'logout' | 'preview.sent' | 'block.lifted';

/** One audited admin action. `detail` is short and never holds a secret, a code or a full number. */
export interface AuditEntry {
  at: number;
  /** The admin user, `token`, or `(unknown)` for a failed login with an unknown user name. */
  actor: string;
  action: AuditAction;
  /** The client address, as the server's trustProxy setting decides it. */
  address: string;
  detail: string;
}

export interface AuditRow extends AuditEntry {
  /** Increasing with each entry: the paging cursor. */
  id: number;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first; `beforeId` pages on (the id of the last row of the previous page). Default 50, at most 200. */
  list(opts?: { beforeId?: number; limit?: number }): Promise<AuditRow[]>;
  /** Deletes the entries before `beforeMs`; resolves to how many. */
  prune(beforeMs: number): Promise<number>;
}

/** The delivery log, which is also the idempotency record (one row per eventId). */
export interface DeliveryStore {
  claim(record: CallRecord): Promise<Claim>;
  complete(eventId: string, result: CallResult): Promise<void>;
  answerOf(eventId: string): Promise<OktaAnswer | undefined>;
  /**
   * Records a provider's delivery receipt on the call it belongs to (found by provider and
   * transactionId, of its answer or of its resend). A final state is never overwritten by an earlier one arriving late.
   * Resolves to the number of calls updated (0 when the id is unknown).
   */
  recordReceipt(provider: string, receipt: DeliveryReceipt): Promise<number>;
  /**
   * Completed calls received since `sinceMs`. Without `by`, one row keyed `all` (zeros when none);
   * with `by`, one row per value, most executions first.
   */
  summary(opts: Period & { by?: SummaryBy }): Promise<SummaryRow[]>;
  /** Calls matching every filter given, newest first (pending ones included); `transactionId` matches a resend's too. */
  search(filters: SearchFilters): Promise<CallRow[]>;
  /** How many calls match the filters of `search`, all pages together. */
  count(filters: SearchFilters): Promise<number>;
  /**
   * Completed calls received since `sinceMs`, counted per bucket of `bucketMs` (aligned on the epoch)
   * and per key; buckets without calls are absent. Ordered by bucket, then key.
   */
  timeline(opts: Period & { bucketMs: number; by: 'provider' | 'channel' }): Promise<TimelineRow[]>;
  /**
   * Nearest-rank percentiles of the latency of successful calls received since `sinceMs` (the calls
   * `summary` averages); null when there were none.
   */
  latencyPercentiles(sinceMs: number, untilMs?: number): Promise<LatencyPercentiles | null>;
  /** Codes sent and used since `sinceMs`; without `by`, one row keyed `all`; with it, most sent first. */
  conversion(opts: { sinceMs: number; by?: ConversionBy }): Promise<ConversionRow[]>;
  /** The Okta event inbox, in the same database. */
  readonly events: EventInbox;
  /** The admin audit log, in the same database. */
  readonly audit: AuditLog;
  /** Resends after undelivered receipts, on the calls' rows. */
  readonly resends: ResendLog;
  /** What each verified send's provider was told. */
  readonly feedback: FeedbackLog;
  /** Every provider attempted in completed calls received since `sinceMs`, most attempts first (then by name). */
  providerStats(sinceMs: number, untilMs?: number): Promise<ProviderStats[]>;
  /** Per provider, country and channel: codes sent, receipted, delivered and verified in calls received from `sinceMs` until before `untilMs` (most sent first). */
  routeStats(sinceMs: number, untilMs?: number): Promise<RouteStats[]>;
  /** Completed calls received since `sinceMs` (until `untilMs`) that the guard refused, per rule, most first (then by rule). */
  blockCounts(sinceMs: number, untilMs?: number): Promise<BlockCount[]>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
