// Builds a telephony hook request exactly as Okta sends it (Okta's published sample, kept verbatim
// in test/cli/preview.test.ts): the same field names and nesting, Okta's spellings of the channel
// and request type, a fresh eventId and timestamps. The one builder of Okta requests: `byot
// preview`, `byot okta execute`, the admin Preview, the tests and the benchmark all use it.
import { randomBytes, randomInt } from 'node:crypto';
import { REQUEST_TYPE_PREFIX, withoutRequestTypePrefix, type Channel, type RequestType } from '../core/domain.js';

export const TELEPHONY_HOOK_TYPE = 'com.okta.telephony.provider';
/** `data.context.request.url.value` of a request made by the Admin Console's Preview tab. */
export const PREVIEW_URL = '/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview';
/** Okta's OTPs stay valid for 5 minutes (the sample's otpExpires is eventTime + ~5 min). */
const OTP_LIFETIME_MS = 5 * 60_000;

/** The request types Okta sends, without the prefix. */
export type OktaRequestType = Exclude<RequestType, 'unknown'>;

export interface TelephonyHookRequest {
  eventId: string;
  eventTime: string;
  eventType: typeof TELEPHONY_HOOK_TYPE;
  eventTypeVersion: '1.0';
  contentType: 'application/json';
  cloudEventVersion: '0.1';
  source: string;
  requestType: string;
  data: {
    context: {
      request: { id: string; method: 'POST'; url: { value: string }; ipAddress: string };
    };
    userProfile: { firstName: string; lastName: string; login: string; userId: string };
    messageProfile: {
      msgTemplate: string;
      phoneNumber: string;
      otpExpires: string;
      deliveryChannel: string;
      otpCode: string;
      locale: string;
    };
  };
}

export interface PreviewRequestOptions {
  phone: string;
  channel?: Channel;
  /** With or without the `com.okta.user.telephony.` prefix. */
  requestType?: OktaRequestType | string;
  /** As Okta spells it: `EN-US` (the default), `en`, `fr-FR`… sent unchanged. */
  locale?: string;
  /** The OTP; a random 6-digit code when absent. */
  code?: string;
  login?: string;
  firstName?: string;
  lastName?: string;
  userId?: string;
  /** The Okta org, for `source` (default https://example.okta.com). */
  org?: string;
  /** The hook's id, for `source` (default a made-up `cal…` id). */
  hookId?: string;
  /** SMS text with `{code}` where the code goes (default `Your verification code is {code}`). */
  msgTemplate?: string;
  /** `data.context.request.url.value` (default the Preview tab's path, which the gateway recognises). */
  contextUrl?: string;
  ipAddress?: string;
  eventId?: string;
  /** `data.context.request.id` (default a made-up `req…` id). */
  requestId?: string;
  now?: Date;
  /** Default five minutes after `now`, as Okta's codes last. */
  otpExpires?: Date;
}

/** `SMS` and `voice call`, the spellings of Okta's published sample and reference. */
export function oktaDeliveryChannel(channel: Channel): 'SMS' | 'voice call' {
  return channel === 'sms' ? 'SMS' : 'voice call';
}

export function oktaRequestType(type: string): string {
  return REQUEST_TYPE_PREFIX + withoutRequestTypePrefix(type);
}

/** A random 6-digit code, leading zeros kept, like the codes Okta generates. */
export function randomOtp(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Letters and digits, like Okta's ids (`uS5871kJThSsU8qlA1LTcg`, `00uyxxSknGtK8022w0g3`). */
export function oktaId(length: number, prefix = ''): string {
  const bytes = randomBytes(length * 2);
  let id = prefix;
  // Rejection sampling keeps every character equally likely.
  for (let i = 0; i < bytes.length && id.length < length; i++) {
    const b = bytes[i]!;
    if (b < 248) id += ALPHANUMERIC[b % 62];
  }
  return id.length < length ? oktaId(length, id) : id;
}

/** Okta writes timestamps to the millisecond, in UTC, with a `Z`. */
function isoTime(d: Date): string {
  return d.toISOString();
}

export function buildTelephonyRequest(o: PreviewRequestOptions): TelephonyHookRequest {
  const now = o.now ?? new Date();
  const code = o.code ?? randomOtp();
  const org = (o.org ?? 'https://example.okta.com').replace(/\/+$/, '');
  const hookId = o.hookId ?? oktaId(20, 'cal');
  const template = o.msgTemplate ?? 'Your verification code is {code}';
  return {
    eventId: o.eventId ?? oktaId(22),
    eventTime: isoTime(now),
    eventType: TELEPHONY_HOOK_TYPE,
    eventTypeVersion: '1.0',
    contentType: 'application/json',
    cloudEventVersion: '0.1',
    source: `${org}/api/v1/inlineHooks/${hookId}`,
    requestType: oktaRequestType(o.requestType ?? 'mfa-verification'),
    data: {
      context: {
        request: {
          id: o.requestId ?? oktaId(25, 'req'),
          method: 'POST',
          url: { value: o.contextUrl ?? PREVIEW_URL },
          ipAddress: o.ipAddress ?? '127.0.0.1',
        },
      },
      userProfile: {
        firstName: o.firstName ?? 'test',
        lastName: o.lastName ?? 'user',
        login: o.login ?? 'test.user@example.com',
        userId: o.userId ?? oktaId(20, '00u'),
      },
      messageProfile: {
        msgTemplate: template.split('{code}').join(code),
        phoneNumber: o.phone,
        otpExpires: isoTime(o.otpExpires ?? new Date(now.getTime() + OTP_LIFETIME_MS)),
        deliveryChannel: oktaDeliveryChannel(o.channel ?? 'sms'),
        otpCode: code,
        locale: o.locale ?? 'EN-US',
      },
    },
  };
}

/**
 * A telephony request as Okta may send it, fields the hook reads: Okta's own published example
 * (test/fixtures/okta/telephony-payload-example.json) has no requestType and gives phoneNumber and
 * otpCode as numbers. What parseHookRequest (contract.ts) accepted has this shape.
 */
export interface TelephonyPayload {
  eventId: string;
  requestType?: string;
  data: {
    messageProfile: {
      msgTemplate?: string;
      phoneNumber: string | number;
      deliveryChannel: string;
      otpCode: string | number;
      locale?: string;
    };
  };
}

/** The request with the code hidden (in `otpCode` and inside `msgTemplate`), fit to print or store. */
export function maskTelephonyRequest<R extends TelephonyPayload>(req: R): R {
  const mp = req.data.messageProfile;
  const code = String(mp.otpCode);
  const hidden = '*'.repeat(code.length);
  return {
    ...req,
    data: {
      ...req.data,
      messageProfile: {
        ...mp,
        otpCode: hidden,
        ...(typeof mp.msgTemplate === 'string' && code ? { msgTemplate: mp.msgTemplate.split(code).join(hidden) } : {}),
      },
    },
  };
}

/** One line of the answer Okta's Preview shows, read from whatever the service returned. */
export interface PreviewAnswer {
  kind: 'action' | 'error' | 'unexpected';
  status?: string;
  provider?: string;
  transactionId?: string;
  transactionMetadata?: string;
  errorSummary?: string;
  errorCauses?: { errorSummary?: string; reason?: string; location?: string }[];
  /** Why the answer does not fit Okta's contract (kind `unexpected`). */
  problem?: string;
}

/** Reads a hook answer the way Okta would: a command with a status, an error object, or neither. */
export function readHookAnswer(body: unknown): PreviewAnswer {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'unexpected', problem: 'the answer is not a JSON object' };
  const b = body as Record<string, unknown>;
  if (b.error !== undefined) {
    const e = b.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return { kind: 'unexpected', problem: '"error" is not an object (Okta expects {errorSummary, errorCauses})' };
    const causes = Array.isArray(e.errorCauses) ? e.errorCauses.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
    return {
      kind: 'error',
      errorSummary: typeof e.errorSummary === 'string' ? e.errorSummary : undefined,
      errorCauses: causes.map((c) => ({
        errorSummary: str(c.errorSummary), reason: str(c.reason), location: str(c.location),
      })),
    };
  }
  const commands = b.commands;
  if (!Array.isArray(commands) || commands.length === 0) return { kind: 'unexpected', problem: 'no "commands" array' };
  const command = commands[0] as Record<string, unknown> | null;
  if (command?.type !== 'com.okta.telephony.action') return { kind: 'unexpected', problem: `commands[0].type is ${JSON.stringify(command?.type)}, not "com.okta.telephony.action"` };
  const value = Array.isArray(command.value) ? (command.value[0] as Record<string, unknown> | undefined) : undefined;
  const status = str(value?.status);
  const answer: PreviewAnswer = {
    kind: 'action',
    status,
    provider: str(value?.provider),
    transactionId: str(value?.transactionId),
    transactionMetadata: str(value?.transactionMetadata),
  };
  if (!status || !['SUCCESSFUL', 'PENDING', 'FAILED'].includes(status)) {
    return { ...answer, kind: 'unexpected', problem: `commands[0].value[0].status is ${JSON.stringify(value?.status)}; Okta skips the hook unless it is SUCCESSFUL, PENDING or FAILED` };
  }
  return answer;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
