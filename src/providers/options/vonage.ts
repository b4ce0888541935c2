import { createRequire } from 'node:module';
import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { E164 } from '../../core/domain.js';
import { baseProviderSchema, e164, e164Or, feedbackOption, defineOptions } from '../base.js';

/** An E.164 number, or an alphanumeric sender id (at most 11 characters, not all digits). */
const SENDER = e164Or(/(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}/);

const urlOr = (fallback: string) => z._default(baseUrl(), fallback);

/** SMS API signature methods, named as Vonage's SDKs name them: `md5hash`, or HMAC with that digest. */
const SMS_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type SmsSignatureMethod = (typeof SMS_SIGNATURE_METHODS)[number];

function schema() {
  return z.extend(baseProviderSchema, {
    kind: z.literal('vonage'),
    /** SMS API credentials. */
    apiKey: z.optional(z.string().check(z.minLength(1, 'expected the API key'))),
    apiSecret: z.optional(z.string().check(z.minLength(1, 'expected the API secret'))),
    /** SMS sender: a Vonage number or an alphanumeric sender id; also the caller id when it is a number. */
    from: z.optional(z.string().check(z.regex(SENDER, 'expected an E.164 number or an alphanumeric sender id of up to 11 characters'))),
    /** Voice API application: its id and its private key (PEM; `\n` escapes, as env variables often carry them, are accepted). */
    applicationId: z.optional(z.uuid({ error: 'expected the application id (a UUID)' })),
    privateKey: z.optional(z.pipe(z.string(), z.transform((pem) => pem.replace(/\\n/g, '\n')))
      .check(z.refine(isRsaPrivateKey, "expected the application's RSA private key in PEM format"))),
    /** Caller id for calls when `from` is not a number: a Vonage number linked to the application. */
    voiceFrom: z.optional(e164()),
    /**
     * The API key's signature secret (dashboard, API settings): verifies call events (HS256 JWT) and,
     * once Vonage support has enabled signed SMS webhooks, the `sig` of SMS delivery receipts.
     */
    signatureSecret: z.optional(z.string().check(z.minLength(1, 'expected the signature secret'))),
    /** The signature method the dashboard sets for that key; Vonage prefers the HMACs to the legacy `md5hash`. */
    smsSignatureMethod: z._default(z.enum(SMS_SIGNATURE_METHODS, {
      error: `expected one of ${SMS_SIGNATURE_METHODS.join(', ')} (the signature method set in the Vonage dashboard)`,
    }), 'sha256'),
    smsBaseUrl: urlOr('https://rest.nexmo.com'),
    voiceBaseUrl: urlOr('https://api.nexmo.com'),
    conversionBaseUrl: urlOr('https://api.nexmo.com'),
    /**
     * Conversion API (`delivered=true`) for each SMS whose code was used, with the SMS API credentials;
     * Vonage enables the API on request.
     */
    feedback: feedbackOption,
  }).check(z.superRefine((c, ctx) => {
    const channels = c.channels ?? vonageOptions.channels;
    const need = (field: keyof typeof c, channel: string, message: string) => {
      if (c[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${message} (needed for ${channel})` });
    };
    if (channels.includes('sms')) {
      need('apiKey', 'sms', 'expected the API key');
      need('apiSecret', 'sms', 'expected the API secret');
      need('from', 'sms', 'expected an E.164 number or an alphanumeric sender id');
    }
    if (channels.includes('voice')) {
      need('applicationId', 'voice', 'expected the application id (a UUID)');
      need('privateKey', 'voice', "expected the application's RSA private key in PEM format");
      if (callerId(c) === undefined) ctx.addIssue({ code: 'custom', path: ['voiceFrom'], message: 'expected E.164 number (needed for voice when from is not a number)' });
    }
  }));
}

type VonageConfig = z.output<ReturnType<typeof schema>>;

export const vonageOptions = defineOptions('vonage', ['sms', 'voice'], schema);

/** The caller id: `voiceFrom`, else `from` when it is a number. */
export function callerId(c: Pick<VonageConfig, 'from' | 'voiceFrom'>): string | undefined {
  return c.voiceFrom ?? (c.from !== undefined && E164.test(c.from) ? c.from : undefined);
}

function isRsaPrivateKey(pem: string): boolean {
  // Required on first use, not imported: validating a configuration (byot check-config) loads node:crypto only for a key.
  const { createPrivateKey } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
