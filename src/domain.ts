// The few types every step of the hook pipeline speaks (see DESIGN.md, "Core types").

export type Channel = 'sms' | 'voice';
export const CHANNELS: readonly Channel[] = ['sms', 'voice'];

/** Okta's flow, without the `com.okta.user.telephony.` prefix; `unknown` when absent or new. */
export type RequestType = 'pre-enrollment' | 'mfa-verification' | 'account-unlock' | 'password-reset' | 'unknown';
export const REQUEST_TYPES: readonly RequestType[] = ['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset'];

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

export type NumberType =
  | 'MOBILE' | 'FIXED_LINE' | 'FIXED_LINE_OR_MOBILE' | 'PREMIUM_RATE' | 'TOLL_FREE' | 'SHARED_COST'
  | 'VOIP' | 'PERSONAL_NUMBER' | 'PAGER' | 'UAN' | 'VOICEMAIL' | 'UNKNOWN';

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
