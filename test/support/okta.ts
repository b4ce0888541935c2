// Okta telephony hook requests as Okta sends them (reference/okta-telephony-hook.md §2.1).
import { randomBytes } from 'node:crypto';

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

/** Okta's published sample request, with fields overridable; `null` removes a field. */
export function oktaRequest(o: SampleOptions = {}): Record<string, any> {
  const code = o.otpCode === undefined ? '11111' : o.otpCode;
  const body: Record<string, any> = {
    eventId: o.eventId ?? randomBytes(16).toString('base64url').slice(0, 22),
    eventTime: '2022-01-28T21:43:40.000Z',
    eventType: 'com.okta.telephony.provider',
    eventTypeVersion: '1.0',
    contentType: 'application/json',
    cloudEventVersion: '0.1',
    source: 'https://example.okta.com/api/v1/inlineHooks/calz6lVQA77AwFeEe0g3',
    requestType: o.requestType === undefined ? 'com.okta.user.telephony.pre-enrollment' : o.requestType,
    data: {
      context: {
        request: {
          id: 'reqRgSk8IBBRhuo0YdlEDTmUw',
          method: 'POST',
          url: { value: o.preview === false ? '/idp/idx/challenge' : '/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview' },
          ipAddress: '127.0.0.1',
        },
      },
      userProfile: { firstName: 'test', lastName: 'user', login: 'test.user@okta.com', userId: '00uyxxSknGtK8022w0g3' },
      messageProfile: {
        msgTemplate: o.msgTemplate === undefined ? `(HOOK)Your code is ${String(code)}` : o.msgTemplate,
        phoneNumber: o.phoneNumber === undefined ? '9876543210' : o.phoneNumber,
        otpExpires: '2022-01-28T21:48:34.321Z',
        deliveryChannel: o.deliveryChannel === undefined ? 'SMS' : o.deliveryChannel,
        otpCode: code,
        locale: o.locale === undefined ? 'EN-US' : o.locale,
      },
    },
  };
  if (body.requestType === null) delete body.requestType;
  for (const [k, v] of Object.entries(body.data.messageProfile)) if (v === null) delete body.data.messageProfile[k];
  return body;
}

/** A random 6-digit code that appears nowhere else, to search captured logs for. */
export function uniqueCode(): string {
  return String(100000 + (randomBytes(4).readUInt32BE() % 900000));
}
