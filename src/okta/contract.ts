// Okta's telephony inline hook, both ways: the request Okta sends, normalised into an
// OtpRequest, and the answer it expects (README "How the gateway answers Okta"; Okta's published
// sample request is test/fixtures/okta/telephony-payload-example.json).
import type { Channel, Outcome, OtpRequest, RequestType } from '../core/domain.js';
import { REQUEST_TYPES, withoutRequestTypePrefix } from '../core/domain.js';
import { looksLikePhoneNumber } from '../core/phone.js';

const PREVIEW_PATH = '/generatePreview';
export const ACTION_TYPE = 'com.okta.telephony.action';

/** One problem with a request, located by its JSON path. */
export interface ErrorCause {
  errorSummary: string;
  reason: string;
  locationType?: 'body' | 'header';
  location?: string;
}

export interface OktaErrorBody {
  error: { errorSummary: string; errorCauses: ErrorCause[] };
}

export interface OktaActionBody {
  commands: [{
    type: typeof ACTION_TYPE;
    value: [{ status: Outcome['status']; provider?: string; transactionId?: string; transactionMetadata?: string }];
  }];
}

export type OktaAnswer = OktaActionBody | OktaErrorBody;

export type ParseResult =
  | { ok: true; request: OtpRequest; notes: ParseNote[] }
  | { ok: false; causes: ErrorCause[] };

/** Things worth a log line that do not make the request unusable. */
export type ParseNote = 'unknown_request_type' | 'unknown_channel' | 'bad_otp_expires' | 'unknown_event_type'
  /** The number or the code came as a JSON number, as in the management API's TelephonyPayloadExample. */
  | 'numeric_phone_number' | 'numeric_otp_code';

/** Okta types every field as a string; this reads one and records a cause when it is anything else. */
class FieldReader {
  readonly causes: ErrorCause[] = [];

  object(parent: Record<string, unknown> | undefined, key: string, path: string, required: boolean): Record<string, unknown> | undefined {
    const v = parent?.[key];
    if (v === undefined || v === null) {
      if (required) this.missing(path);
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.causes.push({ errorSummary: `${path} must be an object`, reason: 'INVALID_TYPE', locationType: 'body', location: path });
      return undefined;
    }
    return v as Record<string, unknown>;
  }

  string(parent: Record<string, unknown> | undefined, key: string, path: string, required: boolean, maxLength = 1_024): string | undefined {
    const v = parent?.[key];
    if (v === undefined || v === null || (required && v === '')) {
      if (required) this.missing(path);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.causes.push({ errorSummary: `${path} must be a string`, reason: 'INVALID_TYPE', locationType: 'body', location: path });
      return undefined;
    }
    if (v.length > maxLength) {
      this.causes.push({ errorSummary: `${path} is longer than ${maxLength} characters`, reason: 'TOO_LONG', locationType: 'body', location: path });
      return undefined;
    }
    return v;
  }

  /**
   * A string, or a whole non-negative JSON number read as its decimal text (Okta's published
   * example writes the number and the code unquoted). A number cannot carry a leading zero or a
   * `+`, so `onNumber` lets the caller note it.
   */
  digits(parent: Record<string, unknown> | undefined, key: string, path: string, required: boolean, maxLength: number, onNumber: () => void): string | undefined {
    const v = parent?.[key];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      onNumber();
      return String(v);
    }
    return this.string(parent, key, path, required, maxLength);
  }

  invalid(path: string, summary: string): void {
    this.causes.push({ errorSummary: summary, reason: 'INVALID_VALUE', locationType: 'body', location: path });
  }

  private missing(path: string): void {
    this.causes.push({ errorSummary: `${path} is required`, reason: 'MISSING_FIELD', locationType: 'body', location: path });
  }
}

/** Reads Okta's JSON leniently (unknown fields ignored, requestType optional) but never guesses a number or a code. */
export function parseHookRequest(body: unknown): ParseResult {
  const r = new FieldReader();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, causes: [{ errorSummary: 'The request body must be a JSON object', reason: 'INVALID_BODY', locationType: 'body' }] };
  }
  const root = body as Record<string, unknown>;
  const notes: ParseNote[] = [];

  const eventId = r.string(root, 'eventId', 'eventId', true, 128);
  const eventType = r.string(root, 'eventType', 'eventType', false);
  if (eventType !== undefined && eventType !== 'com.okta.telephony.provider') notes.push('unknown_event_type');
  const rawType = r.string(root, 'requestType', 'requestType', false);
  const data = r.object(root, 'data', 'data', true);
  const context = r.object(data, 'context', 'data.context', false);
  const ctxRequest = r.object(context, 'request', 'data.context.request', false);
  const ctxUrl = r.object(ctxRequest, 'url', 'data.context.request.url', false);
  const urlValue = r.string(ctxUrl, 'value', 'data.context.request.url.value', false, 2_048);
  const clientIp = r.string(ctxRequest, 'ipAddress', 'data.context.request.ipAddress', false, 64);
  const profile = r.object(data, 'userProfile', 'data.userProfile', false);
  const user = {
    userId: r.string(profile, 'userId', 'data.userProfile.userId', false, 128),
    login: r.string(profile, 'login', 'data.userProfile.login', false, 256),
    firstName: r.string(profile, 'firstName', 'data.userProfile.firstName', false, 256),
    lastName: r.string(profile, 'lastName', 'data.userProfile.lastName', false, 256),
  };
  const mp = r.object(data, 'messageProfile', 'data.messageProfile', data !== undefined);
  const phone = r.digits(mp, 'phoneNumber', 'data.messageProfile.phoneNumber', mp !== undefined, 64, () => notes.push('numeric_phone_number'));
  const otp = r.digits(mp, 'otpCode', 'data.messageProfile.otpCode', mp !== undefined, 32, () => notes.push('numeric_otp_code'));
  const channelRaw = r.string(mp, 'deliveryChannel', 'data.messageProfile.deliveryChannel', mp !== undefined, 64);
  const smsText = r.string(mp, 'msgTemplate', 'data.messageProfile.msgTemplate', false, 1_600);
  const locale = r.string(mp, 'locale', 'data.messageProfile.locale', false, 64);
  const otpExpiresRaw = r.string(mp, 'otpExpires', 'data.messageProfile.otpExpires', false, 64);

  if (phone !== undefined && !looksLikePhoneNumber(phone)) {
    r.invalid('data.messageProfile.phoneNumber', 'data.messageProfile.phoneNumber is not a phone number');
  }
  if (otp !== undefined && !/^[0-9A-Za-z]{1,32}$/.test(otp)) {
    r.invalid('data.messageProfile.otpCode', 'data.messageProfile.otpCode must be letters and digits only');
  }
  if (r.causes.length > 0 || eventId === undefined || phone === undefined || otp === undefined || channelRaw === undefined) {
    return { ok: false, causes: r.causes };
  }

  const requestType = normaliseRequestType(rawType);
  if (requestType === 'unknown') notes.push('unknown_request_type');
  const channel = normaliseChannel(channelRaw);
  if (!KNOWN_CHANNELS.has(channelRaw.trim().toLowerCase())) notes.push('unknown_channel');
  let otpExpires: Date | undefined;
  if (otpExpiresRaw !== undefined) {
    const t = Date.parse(otpExpiresRaw);
    if (Number.isNaN(t)) notes.push('bad_otp_expires');
    else otpExpires = new Date(t);
  }

  return {
    ok: true,
    notes,
    request: {
      eventId,
      requestType,
      channel,
      phone,
      otp,
      otpExpires,
      locale: normaliseLocale(locale),
      smsText: smsText === '' ? undefined : smsText,
      user,
      clientIp,
      preview: urlValue?.endsWith(PREVIEW_PATH) ?? false,
    },
  };
}

export function normaliseRequestType(raw: string | undefined): RequestType {
  const v = (raw ?? '').trim().toLowerCase();
  const short = withoutRequestTypePrefix(v);
  return (REQUEST_TYPES as readonly string[]).includes(short) ? (short as RequestType) : 'unknown';
}

const KNOWN_CHANNELS = new Set(['sms', 'call', 'voice', 'voice call', 'voice_call']);

/** Okta's own sample: `sms` (any case) is SMS and everything else a voice call (`CALL`, `voice call`, `Voice`). */
export function normaliseChannel(raw: string): Channel {
  return raw.trim().toLowerCase() === 'sms' ? 'sms' : 'voice';
}

/** `EN-US` → `en-US`, `en_gb` → `en-GB`, `EN` → `en`, `zh-hant-tw` → `zh-Hant-TW`; `en` when unusable. */
export function normaliseLocale(raw: string | undefined): string {
  const parts = (raw ?? '').trim().replace(/_/g, '-').split('-').filter(Boolean);
  const lang = parts[0]?.toLowerCase();
  if (!lang || !/^[a-z]{2,3}$/.test(lang)) return 'en';
  const rest = parts.slice(1).flatMap((p) => {
    if (/^[a-z]{4}$/i.test(p)) return [p[0]!.toUpperCase() + p.slice(1).toLowerCase()];
    if (/^([a-z]{2}|\d{3})$/i.test(p)) return [p.toUpperCase()];
    return [];
  });
  return [lang, ...rest].join('-');
}

/** What an end user may be told when no code went out: nothing about why. */
export const GENERIC_FAILURE = "We couldn't send your verification code. Please try again later.";

/**
 * What Okta is answered when nothing was sent, in an operator's words, as `hook.onFailure` makes it
 * (answerFor below): pages and commands say it this way so they never claim the other.
 */
export function failureAnswerText(onFailure: 'error' | 'FAILED'): string {
  return onFailure === 'error'
    ? 'answers with an error object, and Okta sends the code through its own provider'
    : 'answers FAILED';
}

/** Okta's answer for an outcome. The error form's text reaches end users, so it never names a rule, provider or number. */
export function answerFor(outcome: Outcome, onFailure: 'error' | 'FAILED'): OktaAnswer {
  if (outcome.status === 'FAILED' && onFailure === 'error') {
    const invalid = outcome.reason === 'invalid_number';
    return errorBody(GENERIC_FAILURE, [{
      errorSummary: invalid ? 'The phone number cannot receive this message' : 'The message could not be delivered',
      reason: invalid ? 'INVALID_PHONE_NUMBER' : 'DELIVERY_FAILED',
      location: 'data.messageProfile.phoneNumber',
    }]);
  }
  return {
    commands: [{
      type: ACTION_TYPE,
      value: [{
        status: outcome.status,
        ...(outcome.provider === undefined ? {} : { provider: outcome.provider.toUpperCase() }),
        ...(outcome.transactionId === undefined ? {} : { transactionId: outcome.transactionId }),
        transactionMetadata: transactionMetadata(outcome),
      }],
    }],
  };
}

/** `attempts=twilio:unavailable,vonage:ok;ms=840`: what an Okta admin needs, no number and no code. */
function transactionMetadata(outcome: Outcome): string {
  const ms = outcome.attempts.reduce((sum, a) => sum + a.ms, 0);
  const tried = outcome.attempts.map((a) => `${a.provider}:${a.ok ? 'ok' : a.category ?? 'failed'}`).join(',');
  return `attempts=${tried || 'none'};ms=${ms}${outcome.reason ? `;reason=${outcome.reason === 'blocked' ? 'refused' : outcome.reason}` : ''}`;
}

export function errorBody(errorSummary: string, errorCauses: ErrorCause[]): OktaErrorBody {
  return { error: { errorSummary, errorCauses } };
}
