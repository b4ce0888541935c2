// Telnyx: SMS through Messaging API v2, voice through a TeXML call whose script travels inline
// (no webhook round trip while the call runs). Direct HTTP rather than the `telnyx` SDK: the SDK
// lets us set baseURL, timeout, maxRetries 0 and a per-request signal, but it turns every
// connection error whose text says "timed out" into APIConnectionTimeoutError without its cause,
// so a connect timeout (nothing sent, safe to fail over) could no longer be told apart from a
// request that went out (ambiguous); httpCall keeps the error code and shares the pooled agent.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { adapterChannels, baseProviderSchema, e164, type ProviderKind } from './base.js';
import { categoryForStatus, httpCall, isSuccess, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { escapeXml, forLocale, languageOf } from './markup.js';
import { asStringOrNumber, dateOr, field, singleHeader } from './read.js';
import {
  CallbackRejected, ProviderError,
  type CallbackRequest, type DeliveryReceipt, type OutboundMessage, type ReceiptStatus, type SendResult,
} from './types.js';
import type { ErrorCategory } from '../core/domain.js';

/** Telnyx refuses webhooks whose `telnyx-timestamp` is further than this from now. */
const TOLERANCE_SECONDS = 300;

const schema = baseProviderSchema.extend({
  kind: z.literal('telnyx'),
  apiKey: z.string({ error: 'expected the Telnyx API key' }).min(1, 'expected the Telnyx API key'),
  /** A Telnyx number on the messaging profile (SMS) and the caller id (voice). */
  from: e164('expected E.164 number', { required: true }),
  messagingProfileId: z.string().min(1, 'expected a messaging profile id').optional(),
  /** The TeXML application's connection id; voice is available only when it is set. */
  texmlApplicationId: z.string().min(1, 'expected a TeXML application id').optional(),
  /** Account public key (Mission Control → Keys & Credentials), base64; needed to accept delivery receipts. */
  publicKey: z.string().refine(isEd25519PublicKey, 'expected the base64 Ed25519 public key (32 bytes) from Mission Control').optional(),
  baseUrl: z.url({ error: 'expected a URL' }).default('https://api.telnyx.com/v2'),
  /** Override the TeXML `<Say>` voice per locale or language, e.g. { fr: 'Polly.Mathieu' }. */
  voices: z.record(z.string(), z.string().min(1)).default({}),
}).superRefine((config, ctx) => {
  if (config.channels?.includes('voice') && !config.texmlApplicationId) {
    ctx.addIssue({ code: 'custom', path: ['texmlApplicationId'], message: 'voice needs the TeXML application (connection) id' });
  }
});

type TelnyxConfig = z.output<typeof schema>;

/** TeXML `<Say>` voice per locale: Amazon Polly neural voices; `language` matters only for `alice`. */
const VOICES: Readonly<Record<string, { voice: string; language: string }>> = {
  en: { voice: 'Polly.Joanna-Neural', language: 'en-US' },
  'en-GB': { voice: 'Polly.Amy-Neural', language: 'en-GB' },
  'en-AU': { voice: 'Polly.Olivia-Neural', language: 'en-AU' },
  fr: { voice: 'Polly.Lea-Neural', language: 'fr-FR' },
  'fr-CA': { voice: 'Polly.Gabrielle-Neural', language: 'fr-CA' },
  de: { voice: 'Polly.Vicki-Neural', language: 'de-DE' },
  es: { voice: 'Polly.Lucia-Neural', language: 'es-ES' },
  'es-MX': { voice: 'Polly.Mia-Neural', language: 'es-MX' },
  'es-US': { voice: 'Polly.Lupe-Neural', language: 'es-US' },
  it: { voice: 'Polly.Bianca-Neural', language: 'it-IT' },
  pt: { voice: 'Polly.Camila-Neural', language: 'pt-BR' },
  'pt-PT': { voice: 'Polly.Ines-Neural', language: 'pt-PT' },
  nl: { voice: 'Polly.Laura-Neural', language: 'nl-NL' },
  ja: { voice: 'Polly.Kazuha-Neural', language: 'ja-JP' },
};

/** Synchronous error codes (reference §12, Telnyx messaging error catalogue). */
const CODE_CATEGORY: Readonly<Record<string, ErrorCategory>> = {
  10001: 'invalid_number', 10002: 'invalid_number', 10016: 'invalid_number', 40310: 'invalid_number',
  40309: 'region_blocked', // destination not in the messaging profile's whitelisted destinations
  10009: 'auth', 10010: 'auth',
  10011: 'rate_limited',
  10007: 'unavailable', 10008: 'unavailable',
};

const MESSAGE_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  queued: 'sent', sending: 'sent', sent: 'sent', delivery_unconfirmed: 'sent',
  delivered: 'delivered',
  delivery_failed: 'undelivered', expired: 'undelivered',
  sending_failed: 'failed',
};

const CALL_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  queued: 'sent', initiated: 'sent', ringing: 'sent', 'in-progress': 'sent',
  completed: 'delivered',
  busy: 'undelivered', 'no-answer': 'undelivered', canceled: 'undelivered',
  failed: 'failed',
};

export const telnyxProvider: ProviderKind<typeof schema> = {
  kind: 'telnyx',
  channels: ['sms', 'voice'],
  schema,
  create(name, config, ctx) {
    const channels = adapterChannels(telnyxProvider, {
      ...config,
      channels: config.channels ?? (config.texmlApplicationId ? undefined : ['sms']),
    });
    const agent = providerAgent();
    const base = config.baseUrl.replace(/\/+$/, '');
    const headers = { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
    const publicKey = config.publicKey === undefined ? undefined : ed25519Key(config.publicKey);
    // Without the public key no receipt could be verified, so asking Telnyx to send them is pointless.
    const callbackUrl = publicKey ? ctx.callbackUrl : undefined;
    if (ctx.callbackUrl && !publicKey) ctx.log.warn('telnyx publicKey not set: delivery receipts are not requested');

    async function post(url: string, body: unknown, signal: AbortSignal): Promise<HttpReply> {
      return httpCall(agent, { url, headers, body: JSON.stringify(body), signal });
    }

    async function sendSms(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const reply = await post(`${base}/messages`, {
        from: config.from, to: msg.to.e164, text: msg.text,
        messaging_profile_id: config.messagingProfileId, webhook_url: callbackUrl,
      }, signal);
      if (!isSuccess(reply)) throw classify(reply, 'telnyx SMS');
      const data = field(reply.json, 'data');
      const id = asStringOrNumber(field(data, 'id'));
      if (!id) throw replyWithoutId(reply, 'telnyx SMS', 'an id');
      const to = field(data, 'to');
      return { transactionId: id, status: asStringOrNumber(field(Array.isArray(to) ? to[0] : undefined, 'status')) ?? 'queued' };
    }

    async function sendVoice(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      if (!config.texmlApplicationId) throw new ProviderError('rejected', 'telnyx voice needs texmlApplicationId');
      const reply = await post(`${base}/texml/calls/${encodeURIComponent(config.texmlApplicationId)}`, {
        From: config.from, To: msg.to.e164, Texml: texml(config, msg),
        ...(callbackUrl ? { StatusCallback: callbackUrl, StatusCallbackMethod: 'POST' } : {}),
      }, signal);
      if (!isSuccess(reply)) throw classify(reply, 'telnyx call');
      // The current API answers a flat call object; earlier versions wrapped it in `data`.
      const call = field(reply.json, 'call_sid') === undefined ? field(reply.json, 'data') : reply.json;
      const id = asStringOrNumber(field(call, 'call_sid'));
      if (!id) throw replyWithoutId(reply, 'telnyx call', 'an id');
      return { transactionId: id, status: asStringOrNumber(field(call, 'status')) ?? 'queued' };
    }

    return {
      name,
      kind: 'telnyx',
      channels,
      timeoutMs: config.timeoutMs,
      send: (msg, signal) => (msg.channel === 'voice' ? sendVoice(msg, signal) : sendSms(msg, signal)),
      ...(publicKey ? {
        async receipts(req: CallbackRequest): Promise<DeliveryReceipt[]> {
          verifySignature(req, publicKey);
          return readReceipts(req);
        },
      } : {}),
      async close() {
        await agent.close();
      },
    };
  },
};

function texml(config: TelnyxConfig, msg: OutboundMessage): string {
  const entry = forLocale(VOICES, msg.locale)!;
  const voice = config.voices[msg.locale] ?? config.voices[languageOf(msg.locale)] ?? entry.voice;
  return `<Response><Say voice="${escapeXml(voice)}" language="${escapeXml(entry.language)}">${escapeXml(msg.text)}</Say></Response>`;
}

/** Telnyx answers `{errors:[{code,title,detail}]}`; the detail can quote the number, so it never enters the message. */
function classify(reply: HttpReply, what: string): ProviderError {
  const errors = field(reply.json, 'errors');
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const code = asStringOrNumber(field(first, 'code'));
  const text = `${asStringOrNumber(field(first, 'title')) ?? ''} ${asStringOrNumber(field(first, 'detail')) ?? ''}`;
  // No single documented code for an exhausted balance (reference §4): recognise it by its words.
  const category = (code !== undefined ? CODE_CATEGORY[code] : undefined)
    ?? (/\bbalance\b|insufficient funds/i.test(text) ? 'insufficient_funds' : categoryForStatus(reply.status));
  return statusError(reply, category, code, what);
}

function isEd25519PublicKey(value: string): boolean {
  try {
    ed25519Key(value);
    return true;
  } catch {
    return false;
  }
}

function ed25519Key(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Ed25519 over `${telnyx-timestamp}|${raw body}`, within ±300 s of arrival. */
function verifySignature(req: CallbackRequest, key: KeyObject): void {
  const signature = singleHeader(req.headers, 'telnyx-signature-ed25519');
  const timestamp = singleHeader(req.headers, 'telnyx-timestamp');
  if (!signature || !timestamp) throw new CallbackRejected(401, 'telnyx signature headers missing');
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!(Math.abs(req.receivedAt.getTime() / 1000 - seconds) <= TOLERANCE_SECONDS)) {
    throw new CallbackRejected(403, 'telnyx timestamp outside tolerance');
  }
  const signed = Buffer.from(`${timestamp}|${req.rawBody}`, 'utf8');
  if (!verify(null, signed, key, Buffer.from(signature, 'base64'))) throw new CallbackRejected(403, 'telnyx signature mismatch');
}

/** Messaging webhooks are JSON events; TeXML status callbacks are form posts (CallSid, CallStatus…). */
function readReceipts(req: CallbackRequest): DeliveryReceipt[] {
  const data = field(req.body, 'data');
  const event = asStringOrNumber(field(data, 'event_type'));
  if (event === 'message.sent' || event === 'message.finalized') {
    const payload = field(data, 'payload');
    const id = asStringOrNumber(field(payload, 'id'));
    const to = field(payload, 'to');
    const word = asStringOrNumber(field(Array.isArray(to) ? to[0] : undefined, 'status'));
    const status = word === undefined ? undefined : MESSAGE_STATUS[word];
    if (!id || !word || !status) return [];
    const errors = field(payload, 'errors');
    const code = asStringOrNumber(field(Array.isArray(errors) ? errors[0] : undefined, 'code'));
    return [{ transactionId: id, status, providerStatus: word, providerCode: code, at: dateOr(asStringOrNumber(field(data, 'occurred_at')), req.receivedAt) }];
  }
  const callSid = asStringOrNumber(field(req.body, 'CallSid'));
  const word = asStringOrNumber(field(req.body, 'CallStatus'));
  const status = word === undefined ? undefined : CALL_STATUS[word];
  if (!callSid || !word || !status) return [];
  const code = asStringOrNumber(field(req.body, 'ErrorCode'));
  return [{ transactionId: callSid, status, providerStatus: word, providerCode: code || undefined, at: dateOr(asStringOrNumber(field(req.body, 'Timestamp')), req.receivedAt) }];
}
