// Sinch: SMS through the SMS REST API (batches, Bearer API token); voice through a Voice API
// text-to-speech callout, authenticated with Sinch's signed-request scheme (recommended for
// production over Basic). Direct HTTP: the SDK pulls in its own HTTP client and retries.
import { createHash, createHmac } from 'node:crypto';
import * as z from '../core/zod.js';
import type { Channel, ErrorCategory } from '../core/domain.js';
import { defineKind } from './base.js';
import { categoryForStatus, httpCall, isSuccess, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { sinchOptions } from './options/sinch.js';
import { header, nonEmptyStringField, receiptTime } from './read.js';
import { CallbackRejected, ProviderError, type CallbackRequest, type DeliveryReceipt, type OutboundMessage, type ReceiptStatus, type SendResult } from './types.js';
import { safeEqual } from './verify.js';
import { voiceFor, type VoiceTable } from './voices.js';

const SMS_HOSTS = {
  us: 'https://us.sms.api.sinch.com',
  eu: 'https://eu.sms.api.sinch.com',
  au: 'https://au.sms.api.sinch.com',
  br: 'https://br.sms.api.sinch.com',
  ca: 'https://ca.sms.api.sinch.com',
} as const;

/** Voice traffic hosts; `global` is the one Sinch routes to a region itself (the SDK's default). */
const VOICE_HOSTS = {
  global: 'https://calling.api.sinch.com',
  us: 'https://calling-use1.api.sinch.com',
  eu: 'https://calling-euc1.api.sinch.com',
  sa: 'https://calling-sae1.api.sinch.com',
  apse1: 'https://calling-apse1.api.sinch.com',
  apse2: 'https://calling-apse2.api.sinch.com',
} as const;

type SinchConfig = z.output<typeof sinchOptions.schema>;
type SmsConfig = NonNullable<SinchConfig['sms']>;
type VoiceConfig = NonNullable<SinchConfig['voice']>;

/** Callbacks older or newer than this (by their signed timestamp) are refused as replays. */
const TOLERANCE_MS = 5 * 60_000;

/** Text-to-speech locales of the Voice API (Amazon Polly's); Sinch picks the voice for each. */
const TTS_LOCALES: Readonly<Record<string, string>> = {
  en: 'en-US', 'en-GB': 'en-GB', 'en-AU': 'en-AU', 'en-IN': 'en-IN',
  fr: 'fr-FR', 'fr-CA': 'fr-CA', de: 'de-DE', it: 'it-IT', nl: 'nl-NL',
  es: 'es-ES', 'es-US': 'es-US', 'es-MX': 'es-MX', pt: 'pt-PT', 'pt-BR': 'pt-BR',
  sv: 'sv-SE', da: 'da-DK', nb: 'nb-NO', pl: 'pl-PL', ja: 'ja-JP',
};
const VOICES = Object.fromEntries(Object.entries(TTS_LOCALES).map(([tag, language]) => [tag, { language }])) as unknown as VoiceTable;

/** SMS REST API error `code`s (HTTP 400/403) that say more than the status (source: test/fixtures/specs/README.md, "Code tables"). */
const SMS_ERRORS: Readonly<Record<string, ErrorCategory>> = {
  illegal_number_type: 'invalid_number',
  unprovisioned_region: 'region_blocked',
  // Sinch blocks prepaid accounts that run out of credit.
  blocked_account: 'insufficient_funds',
  missing_service: 'auth',
};

/** Delivery report statuses: Dispatched is only "handed to the SMSC"; Unknown is final but says nothing. */
const SMS_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  Queued: 'sent', Dispatched: 'sent', Unknown: 'sent',
  Delivered: 'delivered',
  Failed: 'undelivered', Expired: 'undelivered', Deleted: 'undelivered',
  Aborted: 'failed', Cancelled: 'failed', Rejected: 'failed',
};

/** DiCE (disconnected call event) results: ANSWERED means the callee heard the code. */
const CALL_RESULT: Readonly<Record<string, ReceiptStatus>> = {
  ANSWERED: 'delivered', BUSY: 'undelivered', NOANSWER: 'undelivered', FAILED: 'failed',
};

const WEBHOOK_HMAC: Readonly<Record<string, string>> = { HmacSHA256: 'sha256', HmacSHA512: 'sha512' };

/**
 * Sinch's application signature: Base64(HMAC-SHA256(base64-decoded secret,
 * `METHOD\nBase64(MD5(body))\ncontent-type\nx-timestamp:{ts}\n{path}`)). Signs our callouts and
 * the voice callbacks Sinch sends us.
 */
function applicationSignature(secret: string, method: string, contentType: string, timestamp: string, path: string, body: string): string {
  const md5 = createHash('md5').update(body, 'utf8').digest('base64');
  const toSign = [method, md5, contentType, `x-timestamp:${timestamp}`, path].join('\n');
  return createHmac('sha256', Buffer.from(secret, 'base64')).update(toSign, 'utf8').digest('base64');
}

/** Signature of an SMS webhook: Base64(HMAC(secret, `${body}.${nonce}.${timestamp}`)). */
function webhookSignature(secret: string, algorithm: string, body: string, nonce: string, timestamp: string): string | undefined {
  const hash = WEBHOOK_HMAC[algorithm];
  return hash === undefined ? undefined : createHmac(hash, secret).update(`${body}.${nonce}.${timestamp}`, 'utf8').digest('base64');
}

export const sinchProvider = defineKind(sinchOptions, {
  create(name, config, ctx) {
    const agent = providerAgent();
    // By default an adapter serves the channels it has a section for.
    const channels = new Set<Channel>(config.channels ?? (['sms', 'voice'] as const).filter((c) => config[c]));

    async function sendSms(sms: SmsConfig, msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      // Reports are only worth asking for when we can verify them.
      const reports = ctx.callbackUrl && sms.callbackSecret
        ? { delivery_report: 'per_recipient_final', callback_url: ctx.callbackUrl }
        : { delivery_report: 'none' };
      const reply = await httpCall(agent, {
        url: `${sms.baseUrl ?? SMS_HOSTS[sms.region]}/xms/v1/${sms.servicePlanId}/batches`,
        headers: { authorization: `Bearer ${sms.apiToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ from: sms.from, to: [msg.to.e164], body: msg.text, client_reference: msg.reference, ...reports }),
        signal,
      });
      if (!isSuccess(reply)) throw smsError(reply);
      return { transactionId: idFrom(reply, 'id', 'sinch sms'), status: 'accepted' };
    }

    async function sendVoice(voice: VoiceConfig, msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const url = new URL(`${voice.baseUrl ?? VOICE_HOSTS[voice.region]}/calling/v1/callouts`);
      const body = JSON.stringify({
        method: 'ttsCallout',
        ttsCallout: {
          cli: voice.cli,
          destination: { type: 'number', endpoint: msg.to.e164 },
          domain: 'pstn',
          locale: (voiceFor(VOICES, msg.locale) ?? VOICES.en).language,
          text: msg.text,
          custom: msg.reference,
          // DiCE reaches the application's callback URL (set in the dashboard) when the call ends.
          enableDice: ctx.callbackUrl !== undefined,
        },
      });
      const timestamp = new Date().toISOString();
      const contentType = 'application/json';
      const signature = applicationSignature(voice.applicationSecret, 'POST', contentType, timestamp, url.pathname, body);
      const reply = await httpCall(agent, {
        url: url.toString(),
        headers: {
          authorization: `Application ${voice.applicationKey}:${signature}`,
          'x-timestamp': timestamp,
          'content-type': contentType,
          accept: 'application/json',
        },
        body,
        signal,
      });
      if (!isSuccess(reply)) throw voiceError(reply);
      return { transactionId: idFrom(reply, 'callId', 'sinch voice'), status: 'accepted' };
    }

    return {
      name,
      kind: 'sinch',
      channels,
      timeoutMs: config.timeoutMs,
      voices: VOICES,
      async send(msg, signal) {
        if (msg.channel === 'sms' && config.sms && channels.has('sms')) return sendSms(config.sms, msg, signal);
        if (msg.channel === 'voice' && config.voice && channels.has('voice')) return sendVoice(config.voice, msg, signal);
        throw new ProviderError('rejected', `sinch provider "${name}" does not send ${msg.channel}`);
      },
      async receipts(req) {
        // Voice callbacks carry Sinch's application signature; SMS reports the webhook HMAC headers.
        return /^application /i.test(header(req.headers, 'authorization') ?? '') ? callReceipts(config, req) : smsReceipts(config, req);
      },
      async close() {
        await agent.close();
      },
    };
  },
});

function smsError(reply: HttpReply): ProviderError {
  const { code, text } = (reply.json ?? {}) as { code?: unknown; text?: unknown };
  const providerCode = typeof code === 'string' ? code : undefined;
  let category = providerCode === undefined ? undefined : SMS_ERRORS[providerCode];
  // A malformed recipient is the number's fault; a malformed `from` is ours.
  if (providerCode === 'syntax_invalid_parameter_format' && typeof text === 'string' && /\bto\b|recipient|msisdn/i.test(text)) category = 'invalid_number';
  return statusError(reply, category ?? categoryForStatus(reply.status), providerCode, 'sinch sms');
}

function voiceError(reply: HttpReply): ProviderError {
  const { errorCode, message } = (reply.json ?? {}) as { errorCode?: unknown; message?: unknown };
  const providerCode = typeof errorCode === 'number' || typeof errorCode === 'string' ? String(errorCode) : undefined;
  const text = typeof message === 'string' ? message : '';
  let category: ErrorCategory;
  if (reply.status === 402) category = 'insufficient_funds'; // negative balance or account locked
  else if (providerCode === '40005') category = 'invalid_number'; // "number missing leading plus": not a dialable number
  else if (providerCode === '40004') category = 'auth'; // application key invalid
  else if (reply.status === 400 && /destination|endpoint/i.test(text)) category = 'invalid_number';
  else if (reply.status === 403 && /countr|destination|region/i.test(text)) category = 'region_blocked';
  else category = categoryForStatus(reply.status);
  return statusError(reply, category, providerCode, 'sinch voice');
}

/** The provider's id from a 2xx answer; without one we cannot tell Okta what was sent. */
function idFrom(reply: HttpReply, field: string, what: string): string {
  const id = nonEmptyStringField(reply.json, field);
  if (id !== undefined) return id;
  throw replyWithoutId(reply, what, field);
}

function checkFresh(signedAtMs: number, req: CallbackRequest): void {
  if (!Number.isFinite(signedAtMs) || Math.abs(req.receivedAt.getTime() - signedAtMs) > TOLERANCE_MS) {
    throw new CallbackRejected(403, 'sinch callback timestamp outside the tolerance');
  }
}

function smsReceipts(config: SinchConfig, req: CallbackRequest): DeliveryReceipt[] {
  const secret = config.sms?.callbackSecret;
  if (secret === undefined) throw new CallbackRejected(401, 'no sinch sms callback secret configured');
  const signature = header(req.headers, 'x-sinch-webhook-signature');
  const nonce = header(req.headers, 'x-sinch-webhook-signature-nonce');
  const timestamp = header(req.headers, 'x-sinch-webhook-signature-timestamp');
  if (!signature || !nonce || !timestamp) throw new CallbackRejected(401, 'unsigned sinch callback');
  const expected = webhookSignature(secret, header(req.headers, 'x-sinch-webhook-signature-algorithm') ?? 'HmacSHA256', req.rawBody, nonce, timestamp);
  if (expected === undefined) throw new CallbackRejected(403, 'unsupported sinch signature algorithm');
  if (!safeEqual(expected, signature)) throw new CallbackRejected(403, 'sinch callback signature mismatch');
  checkFresh(Number(timestamp) * 1000, req); // Unix seconds

  const report = req.body as { type?: unknown; batch_id?: unknown; status?: unknown; code?: unknown; at?: unknown } | undefined;
  // Batch summaries and inbound messages are not per-message receipts.
  if (report?.type !== 'recipient_delivery_report_sms' || typeof report.batch_id !== 'string' || typeof report.status !== 'string') return [];
  return [{
    transactionId: report.batch_id,
    status: SMS_STATUS[report.status] ?? 'sent',
    providerStatus: report.status,
    providerCode: typeof report.code === 'number' || typeof report.code === 'string' ? String(report.code) : undefined,
    at: receiptTime(report.at, req.receivedAt, TOLERANCE_MS),
  }];
}

function callReceipts(config: SinchConfig, req: CallbackRequest): DeliveryReceipt[] {
  const voice = config.voice;
  const [key, signature] = (header(req.headers, 'authorization') ?? '').replace(/^application /i, '').split(':');
  const timestamp = header(req.headers, 'x-timestamp');
  if (!voice || key !== voice.applicationKey) throw new CallbackRejected(401, 'sinch callback from an unknown application');
  if (!signature || !timestamp) throw new CallbackRejected(401, 'unsigned sinch callback');
  const expected = applicationSignature(voice.applicationSecret, 'POST', header(req.headers, 'content-type') ?? '', timestamp, new URL(req.url).pathname, req.rawBody);
  if (!safeEqual(expected, signature)) throw new CallbackRejected(403, 'sinch callback signature mismatch');
  checkFresh(Date.parse(timestamp), req);

  const event = req.body as { event?: unknown; callid?: unknown; callId?: unknown; result?: unknown; reason?: unknown; timestamp?: unknown } | undefined;
  const callId = event?.callId ?? event?.callid;
  if (event?.event !== 'dice' || typeof callId !== 'string' || typeof event.result !== 'string') return [];
  return [{
    transactionId: callId,
    status: CALL_RESULT[event.result] ?? 'failed',
    providerStatus: event.result,
    providerCode: event.result !== 'ANSWERED' && typeof event.reason === 'string' ? event.reason : undefined,
    at: receiptTime(event.timestamp, req.receivedAt, TOLERANCE_MS),
  }];
}
