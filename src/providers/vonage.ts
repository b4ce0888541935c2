// Vonage: SMS through the SMS API (rest.nexmo.com), voice through the Voice API (api.nexmo.com) with
// an NCCO `talk` action. Direct HTTP over the shared undici pool rather than @vonage/server-sdk:
// each channel is one POST, the SDK's current releases require Node 22, and jose already signs JWTs.
import { createHash, createHmac, createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { loadJose } from '../core/jose.js';
import type { ErrorCategory } from '../core/domain.js';
import { adapterChannels, feedbackChannels, defineKind } from './base.js';
import { E164 } from '../core/domain.js';
import { smsEncoding } from '../core/sms-encoding.js';
import { categoryForStatus, httpCall, isSuccess, parseJson, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { callerId, vonageOptions, type SmsSignatureMethod } from './options/vonage.js';
import { arrayField, field, header, nonEmptyStringField, receiptTime } from './read.js';
import { CallbackRejected, ProviderError, type CallbackRequest, type DeliveryReceipt, type ReceiptStatus } from './types.js';
import { safeEqual } from './verify.js';
import { voiceFor, type VoiceTable } from './voices.js';

// SMS API `status` values, from the definition's own table (`x-errors` in test/fixtures/specs/vonage-sms.json).
// 3 is "invalid parameters": the number only when `to` is named. 10 asks to back off and retry;
// 11, 14 and 32 are account or signing set-up; 33 is a de-activated destination.
const SMS_STATUS: Readonly<Record<string, ErrorCategory>> = {
  1: 'rate_limited', 2: 'rejected', 3: 'rejected', 4: 'auth', 5: 'unavailable', 6: 'invalid_number',
  7: 'rejected', 8: 'auth', 9: 'insufficient_funds', 10: 'rate_limited', 11: 'auth', 14: 'auth', 15: 'auth',
  29: 'region_blocked', 32: 'auth', 33: 'invalid_number',
};

// Voice API problem+json `type` fragments, from Vonage's API errors reference (source:
// test/fixtures/specs/README.md, "Code tables"; the Voice definition documents none).
const PROBLEM_TYPES: Readonly<Record<string, ErrorCategory>> = {
  'low-balance': 'insufficient_funds',
  unauthorized: 'auth', 'invalid-api-key': 'auth', 'jwt-expired': 'auth', 'jwt-revoked': 'auth',
  forbidden: 'auth', unprovisioned: 'auth', 'account-suspended': 'auth',
  'rate-limit': 'rate_limited',
  'invalid-params': 'rejected',
};

// Vonage text-to-speech language codes, per locale; Vonage picks the voice (style 0) for each.
const LANGUAGES: Readonly<Record<string, string>> = {
  en: 'en-US', 'en-GB': 'en-GB', 'en-AU': 'en-AU', 'en-IN': 'en-IN',
  fr: 'fr-FR', 'fr-CA': 'fr-CA', de: 'de-DE', es: 'es-ES', 'es-MX': 'es-MX', 'es-US': 'es-US',
  it: 'it-IT', pt: 'pt-PT', 'pt-BR': 'pt-BR', nl: 'nl-NL', da: 'da-DK', sv: 'sv-SE', nb: 'nb-NO', no: 'nb-NO',
  pl: 'pl-PL', ru: 'ru-RU', tr: 'tr-TR', ja: 'ja-JP', ko: 'ko-KR', zh: 'cmn-CN',
};
const VOICES = Object.fromEntries(Object.entries(LANGUAGES).map(([tag, language]) => [tag, { language }])) as unknown as VoiceTable;

const CALL_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  started: 'sent', ringing: 'sent', answered: 'sent',
  completed: 'delivered',
  busy: 'undelivered', timeout: 'undelivered', unanswered: 'undelivered', cancelled: 'undelivered',
  failed: 'failed', rejected: 'failed',
};

// SMS API delivery receipt `status` values. `unknown` claims nothing, so it must not overwrite a verdict.
const DLR_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  accepted: 'sent', buffered: 'sent', unknown: 'sent',
  delivered: 'delivered',
  expired: 'undelivered', failed: 'undelivered',
  rejected: 'failed',
};

/** Long enough for a phone to ring through to its owner; a code is useless to voicemail. */
const RING_SECONDS = 30;
/** Signed webhooks older than this are refused as replays; a little skew is allowed the other way. */
const MAX_AGE_S = 300;
const CLOCK_SKEW_S = 30;

export const vonageProvider = defineKind(vonageOptions, {
  create(name, config, ctx) {
    const agent = providerAgent();
    // Parsed once: the schema already proved it is an RSA key.
    const privateKey = config.privateKey === undefined ? undefined : createPrivateKey(config.privateKey);
    const webhookKey = config.signatureSecret === undefined ? undefined : new TextEncoder().encode(config.signatureSecret);
    const channels = adapterChannels(vonageProvider, config);
    // SMS only: the Conversion API's voice operation names the ids of the retired Text-To-Speech API,
    // not the Voice API's call uuid this adapter gets.
    const feedback = feedbackChannels(config.feedback, channels, ['sms']);
    // Ready before the first call or callback needs it; a failure to load shows there.
    loadJose().catch(() => undefined);

    async function sendSms(text: string, to: string, reference: string, signal: AbortSignal) {
      const form = new URLSearchParams({
        api_key: config.apiKey ?? '', api_secret: config.apiSecret ?? '',
        from: digitsOf(config.from ?? ''), to: digitsOf(to), text, 'client-ref': reference,
      });
      // Anything outside GSM 03.38 must go as `type=unicode`.
      if (smsEncoding(text).encoding === 'UCS-2') form.set('type', 'unicode');
      // Only ask for receipts this adapter can verify.
      if (ctx.callbackUrl !== undefined && webhookKey !== undefined) form.set('callback', ctx.callbackUrl);
      const reply = await httpCall(agent, {
        url: `${config.smsBaseUrl}/sms/json`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal,
      });
      // The SMS API answers 200 even when it refuses: the verdict is each message's `status`.
      if (reply.status !== 200) throw statusError(reply, categoryForStatus(reply.status), undefined, 'vonage sms refused');
      const messages = arrayField(reply.json, 'messages');
      const refused = messages.find((m) => nonEmptyStringField(m, 'status') !== '0');
      if (refused !== undefined) throw smsFailure(refused);
      const id = nonEmptyStringField(messages[0], 'message-id');
      if (id === undefined) throw replyWithoutId(reply, 'vonage sms', 'a message-id');
      return { transactionId: id, status: 'accepted' };
    }

    async function call(text: string, to: string, locale: string, signal: AbortSignal) {
      const { SignJWT } = await loadJose();
      const jwt = await new SignJWT({ application_id: config.applicationId })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime('5m')
        .sign(privateKey as KeyObject); // the schema requires the key whenever voice is enabled
      const body = {
        to: [{ type: 'phone', number: digitsOf(to) }],
        from: { type: 'phone', number: digitsOf(callerId(config) ?? '') },
        ncco: [{ action: 'talk', text, language: (voiceFor(VOICES, locale) ?? VOICES.en).language }],
        ringing_timer: RING_SECONDS,
        // Only ask for events this adapter can verify.
        ...(ctx.callbackUrl !== undefined && webhookKey !== undefined ? { event_url: [ctx.callbackUrl], event_method: 'POST' } : {}),
      };
      const reply = await httpCall(agent, {
        url: `${config.voiceBaseUrl}/v1/calls`,
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
      if (!isSuccess(reply)) throw voiceFailure(reply);
      const uuid = nonEmptyStringField(reply.json, 'uuid');
      if (uuid === undefined) throw replyWithoutId(reply, 'vonage call', 'a uuid');
      return { transactionId: uuid, status: nonEmptyStringField(reply.json, 'status') ?? 'started' };
    }

    return {
      name,
      kind: 'vonage',
      channels,
      timeoutMs: config.timeoutMs,
      voices: VOICES,
      send(msg, signal) {
        return msg.channel === 'sms'
          ? sendSms(msg.text, msg.to.e164, msg.reference, signal)
          : call(msg.text, msg.to.e164, msg.locale, signal);
      },
      receipts: webhookKey === undefined ? undefined : async (req) => {
        // Call events carry a JWT; SMS delivery receipts are signed in their own parameters instead.
        const token = /^Bearer\s+(\S+)$/i.exec(header(req.headers, 'authorization') ?? '')?.[1];
        if (token === undefined) return smsReceipt(req, webhookKey, config.smsSignatureMethod);
        const { jwtVerify } = await loadJose();
        let claims;
        try {
          ({ payload: claims } = await jwtVerify(token, webhookKey, {
            algorithms: ['HS256'], currentDate: req.receivedAt, requiredClaims: ['iat', 'payload_hash'],
          }));
        } catch {
          throw new CallbackRejected(403, 'webhook token does not verify');
        }
        const age = req.receivedAt.getTime() / 1000 - (claims.iat ?? 0);
        if (age > MAX_AGE_S || age < -CLOCK_SKEW_S) throw new CallbackRejected(403, 'webhook token is stale');
        const hash = createHash('sha256').update(req.rawBody, 'utf8').digest('hex');
        if (typeof claims.payload_hash !== 'string' || !safeEqual(claims.payload_hash.toLowerCase(), hash)) {
          throw new CallbackRejected(403, 'payload_hash does not match the body');
        }
        return readEvent(parseJson(req.rawBody), req.receivedAt);
      },
      ...(feedback === undefined ? {} : {
        feedback: {
          channels: feedback,
          async send(target, signal) {
            // Everything goes in the query, credentials included, as the Conversion API defines it.
            const query = new URLSearchParams({
              api_key: config.apiKey ?? '', api_secret: config.apiSecret ?? '',
              'message-id': target.transactionId, delivered: 'true', timestamp: conversionTime(target.verifiedAt),
            });
            const reply = await httpCall(agent, { url: `${config.conversionBaseUrl}/conversions/sms?${query.toString()}`, headers: { accept: 'application/json' }, signal });
            if (!isSuccess(reply)) throw statusError(reply, categoryForStatus(reply.status), undefined, 'vonage conversion refused');
          },
        },
      }),
      async close() {
        await agent.close();
      },
    };
  },
});

function smsFailure(message: unknown): ProviderError {
  const status = nonEmptyStringField(message, 'status') ?? 'unknown';
  // The error text names the parameter ("Invalid to address") but never its value.
  const namesTo = status === '3' && /\bto\b/i.test(nonEmptyStringField(message, 'error-text') ?? '');
  const category = namesTo ? 'invalid_number' : SMS_STATUS[status] ?? 'rejected';
  return new ProviderError(category, `vonage sms refused: status ${status}`, { providerCode: status });
}

function voiceFailure(reply: HttpReply): ProviderError {
  const type = nonEmptyStringField(reply.json, 'type');
  const fragment = type?.includes('#') ? type.slice(type.indexOf('#') + 1) : undefined;
  const namesTo = fragment === 'invalid-params'
    && arrayField(reply.json, 'invalid_parameters').some((p) => /^to\b/.test(nonEmptyStringField(p, 'name') ?? ''));
  const category = namesTo ? 'invalid_number' : (fragment === undefined ? undefined : PROBLEM_TYPES[fragment]) ?? categoryForStatus(reply.status);
  return statusError(reply, category, fragment, 'vonage call refused');
}

/**
 * An SMS API delivery receipt, as query parameters (GET), a form or a JSON object (POST), signed
 * with `sig` over its other parameters and a `timestamp`.
 */
function smsReceipt(req: CallbackRequest, secret: Uint8Array, method: SmsSignatureMethod): DeliveryReceipt[] {
  const sig = nonEmptyStringField(req.body, 'sig');
  if (sig === undefined) throw new CallbackRejected(401, 'missing Authorization: Bearer token (call event) or sig (SMS receipt)');
  const params = flatParams(req.body);
  // Vonage's HMACs arrive in upper-case hex, md5hash in lower case.
  if (params === undefined || !safeEqual(sig.toLowerCase(), smsSignature(params, secret, method))) {
    throw new CallbackRejected(403, 'sig does not match the receipt');
  }
  const stamp = /^\d{1,12}$/.test(params.timestamp ?? '') ? Number(params.timestamp) : Number.NaN;
  const age = req.receivedAt.getTime() / 1000 - stamp;
  if (Number.isNaN(age) || age > MAX_AGE_S || age < -CLOCK_SKEW_S) throw new CallbackRejected(403, 'receipt timestamp is missing or stale');

  const id = nonEmptyStringField(params, 'messageId');
  const word = nonEmptyStringField(params, 'status');
  const status = word === undefined ? undefined : DLR_STATUS[word];
  // Anything else signed this way (an inbound SMS) is genuine but no receipt.
  if (id === undefined || word === undefined || status === undefined) return [];
  return [{
    transactionId: id,
    status,
    providerStatus: word,
    providerCode: nonEmptyStringField(params, 'err-code'),
    // The signed `timestamp` (Unix seconds) marks the push like `message-timestamp`, without a zone to guess.
    at: new Date(stamp * 1000),
  }];
}

/**
 * The SMS API signature, in lower-case hex: `&key=value` for each parameter but `sig`, sorted by key,
 * with `&` and `=` in values replaced by `_`; then MD5 of that and the secret (`md5hash`), or the HMAC
 * of it keyed with the secret.
 */
function smsSignature(params: Readonly<Record<string, string>>, secret: Uint8Array, method: SmsSignatureMethod): string {
  const signed = Object.keys(params).filter((k) => k !== 'sig').sort()
    .map((k) => `&${k}=${(params[k] ?? '').replace(/[&=]/g, '_')}`).join('');
  return method === 'md5hash'
    ? createHash('md5').update(signed, 'utf8').update(secret).digest('hex')
    : createHmac(method, secret).update(signed, 'utf8').digest('hex');
}

/** The callback's parameters as strings; undefined when it is not a flat parameter set. */
function flatParams(body: unknown): Record<string, string> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    params[key] = String(value);
  }
  return params;
}

/** A Voice API event (`uuid`, `status`, `timestamp`, sometimes `detail`) as a receipt; other events say nothing. */
function readEvent(event: unknown, receivedAt: Date): DeliveryReceipt[] {
  const uuid = nonEmptyStringField(event, 'uuid');
  const word = nonEmptyStringField(event, 'status');
  const status = word === undefined ? undefined : CALL_STATUS[word];
  if (uuid === undefined || word === undefined || status === undefined) return [];
  return [{
    transactionId: uuid,
    status,
    providerStatus: word,
    providerCode: nonEmptyStringField(event, 'detail'),
    at: receiptTime(field(event, 'timestamp'), receivedAt, CLOCK_SKEW_S * 1000),
  }];
}

/** The Conversion API's `timestamp`: UTC, `yyyy-MM-dd HH:mm:ss`. */
function conversionTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Vonage wants numbers without the `+`; alphanumeric sender ids pass unchanged. */
function digitsOf(address: string): string {
  return E164.test(address) ? address.slice(1) : address;
}
