// Okta telephony hook requests as Okta sends them: Okta's published sample request (the same
// values test/cli/preview.test.ts keeps verbatim), built by the gateway's one request builder.
import { randomBytes } from 'node:crypto';
import { buildTelephonyRequest } from '../../src/okta/hook-request.js';

export interface SampleOptions {
  eventId?: string;
  requestType?: string | null;
  phoneNumber?: unknown;
  deliveryChannel?: unknown;
  otpCode?: unknown;
  locale?: unknown;
  msgTemplate?: unknown;
  preview?: boolean;
}

/** Okta's published sample request, with fields overridable by any JSON value; `null` removes a field. */
export function oktaRequest(o: SampleOptions = {}): Record<string, any> {
  const code = o.otpCode === undefined ? '11111' : o.otpCode;
  const body: Record<string, any> = buildTelephonyRequest({
    eventId: o.eventId ?? randomBytes(16).toString('base64url').slice(0, 22),
    now: new Date('2022-01-28T21:43:40.000Z'),
    otpExpires: new Date('2022-01-28T21:48:34.321Z'),
    hookId: 'calz6lVQA77AwFeEe0g3',
    requestId: 'reqRgSk8IBBRhuo0YdlEDTmUw',
    requestType: 'pre-enrollment',
    contextUrl: o.preview === false ? '/idp/idx/challenge' : undefined,
    login: 'test.user@okta.com',
    userId: '00uyxxSknGtK8022w0g3',
    phone: '9876543210',
    code: String(code),
  });
  const profile = body.data.messageProfile as Record<string, unknown>;
  profile.msgTemplate = o.msgTemplate === undefined ? `(HOOK)Your code is ${String(code)}` : o.msgTemplate;
  profile.otpCode = code;
  if (o.phoneNumber !== undefined) profile.phoneNumber = o.phoneNumber;
  if (o.deliveryChannel !== undefined) profile.deliveryChannel = o.deliveryChannel;
  if (o.locale !== undefined) profile.locale = o.locale;
  if (o.requestType !== undefined) body.requestType = o.requestType;
  if (body.requestType === null) delete body.requestType;
  for (const [k, v] of Object.entries(profile)) if (v === null) delete profile[k];
  return body;
}

/** A random 6-digit code that appears nowhere else, to search captured logs for. */
export function uniqueCode(): string {
  return String(100000 + (randomBytes(4).readUInt32BE() % 900000));
}
