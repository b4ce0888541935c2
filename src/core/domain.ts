// The few types and constants every step of the hook pipeline speaks (docs/architecture.md, "core").

export const CHANNELS = ['sms', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Okta's flow, without the `com.okta.user.telephony.` prefix; `unknown` when absent or new. */
export const REQUEST_TYPES = ['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number] | 'unknown';
/** What Okta puts before the flow in `requestType`: `com.okta.user.telephony.mfa-verification`. */
export const REQUEST_TYPE_PREFIX = 'com.okta.user.telephony.';

/** `requestType` without Okta's prefix, when it has one. */
export function withoutRequestTypePrefix(value: string): string {
  return value.startsWith(REQUEST_TYPE_PREFIX) ? value.slice(REQUEST_TYPE_PREFIX.length) : value;
}

export interface OtpUser {
  userId?: string;
  login?: string;
  firstName?: string;
  lastName?: string;
}

/** What Okta asked for, normalised. `otp` and `smsText` never leave the process except towards a provider. */
export interface OtpRequest {
  eventId: string;
  requestType: RequestType;
  channel: Channel;
  /** The phone number exactly as Okta sent it. */
  phone: string;
  otp: string;
  otpExpires?: Date;
  /** BCP 47 tag, e.g. `en-US`, `fr`. */
  locale: string;
  /** Okta's msgTemplate, code already filled in. */
  smsText?: string;
  user: OtpUser;
  clientIp?: string;
  /** Set when the call came from the Admin Console's Preview tab. */
  preview: boolean;
}

/** libphonenumber's number types, as configuration and the delivery log name them. */
export const NUMBER_TYPES = ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST',
  'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL', 'UNKNOWN'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

/** An E.164 number: `+`, a first digit other than 0, then 6 to 14 more digits (written without anchors). */
export const E164_PATTERN = String.raw`\+[1-9]\d{6,14}`;
export const E164 = new RegExp(`^${E164_PATTERN}$`);

/** A number every check accepts (a valid UK mobile): the example in help texts, the README and tests. */
export const EXAMPLE_NUMBER = '+447400123456';

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export interface Destination {
  e164: string;
  /** ISO 3166-1 alpha-2, when the number identifies one. */
  country?: string;
  type: NumberType;
  valid: boolean;
}

export type ErrorCategory =
  | 'invalid_number' | 'region_blocked' | 'insufficient_funds' | 'rate_limited'
  | 'auth' | 'unavailable' | 'timeout' | 'rejected';

export interface Attempt {
  provider: string;
  ok: boolean;
  category?: ErrorCategory;
  /** The provider's own error code, kept for the log. */
  providerCode?: string;
  transactionId?: string;
  ms: number;
  /** Set on the attempt made after the call's receipt said undelivered (pipeline/resend.ts). */
  resend?: true;
}

export type Status = 'SUCCESSFUL' | 'PENDING' | 'FAILED';

/** Why a FAILED outcome failed, in words safe for the log (never shown to the end user). */
export type FailureReason = 'invalid_number' | 'no_provider' | 'all_failed' | 'duplicate_in_flight' | 'blocked';

export interface Outcome {
  status: Status;
  provider?: string;
  transactionId?: string;
  attempts: Attempt[];
  reason?: FailureReason;
  /** The guard rule that refused the request; for the log and metrics only. */
  blockedBy?: string;
}

/** A provider's circuit breaker: closed (in use), open (skipped but tried last), half-open (one probe). */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Where a message stands according to its provider. */
export type ReceiptStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

/** One delivery receipt, read and verified by the provider's adapter. */
export interface DeliveryReceipt {
  /** The provider's message or call id: the transactionId Okta was given. */
  transactionId: string;
  status: ReceiptStatus;
  /** The provider's own status word, e.g. `delivered`, `undelivered`, `DELIVERED_TO_HANDSET`. */
  providerStatus: string;
  /** The provider's error code, when it gave one. */
  providerCode?: string;
  at: Date;
}

/** What one provider delivered to one country on one channel over a period (adaptive routing reads it). */
export interface RouteStats {
  provider: string;
  /** `unknown` when the number had none. */
  country: string;
  channel: Channel;
  /** Calls it answered that sent a code (completed, not Preview, not FAILED). */
  sent: number;
  /** Of those, the ones with a final receipt (delivered, undelivered, failed), and the delivered ones. */
  receipted: number;
  delivered: number;
  /** Of those sent, the codes Okta reported as used. */
  verified: number;
}
