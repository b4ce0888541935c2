// Twilio: SMS through the Messages API, voice through the Calls API with inline TwiML. Both are one
// form-encoded POST, so the adapter talks REST directly over the shared undici pool: the `twilio` SDK
// cannot be pointed at another base URL and brings axios and its own retries into the OTP deadline.
import { createHmac } from 'node:crypto';
import type { ErrorCategory } from '../core/domain.js';
import { adapterChannels, feedbackChannels, defineKind } from './base.js';
import { basicAuth, categoryForStatus, httpCall, isSuccess, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { escapeXml } from './markup.js';
import { twilioOptions } from './options/twilio.js';
import { header, nonEmptyStringField, numberField, receiptTime } from './read.js';
import { CallbackRejected, ProviderError, type DeliveryReceipt, type ReceiptStatus, type SendResult } from './types.js';
import { safeEqual, sortedPairs } from './verify.js';
import { voiceFor, type VoiceTable } from './voices.js';

// Twilio's error dictionary (source: test/fixtures/specs/README.md, "Code tables"; the Messages and
// Calls definition documents no codes); anything else falls back to the HTTP status.
const ERROR_CODES: Readonly<Record<number, ErrorCategory>> = {
  21211: 'invalid_number', 21614: 'invalid_number', 21612: 'invalid_number', 21217: 'invalid_number',
  21408: 'region_blocked', 21215: 'region_blocked', 30450: 'region_blocked',
  20005: 'insufficient_funds', 10001: 'insufficient_funds',
  20429: 'rate_limited',
  20003: 'auth', 21606: 'auth', 21608: 'auth',
  21610: 'rejected',
};

// Amazon Polly voices Twilio offers, per language; `language` is the voice's own tag.
const VOICES: VoiceTable = {
  en: { voice: 'Polly.Joanna', language: 'en-US' },
  'en-GB': { voice: 'Polly.Amy', language: 'en-GB' },
  'en-AU': { voice: 'Polly.Nicole', language: 'en-AU' },
  'en-IN': { voice: 'Polly.Raveena', language: 'en-IN' },
  fr: { voice: 'Polly.Celine', language: 'fr-FR' },
  'fr-CA': { voice: 'Polly.Chantal', language: 'fr-CA' },
  de: { voice: 'Polly.Marlene', language: 'de-DE' },
  es: { voice: 'Polly.Conchita', language: 'es-ES' },
  'es-MX': { voice: 'Polly.Mia', language: 'es-MX' },
  'es-US': { voice: 'Polly.Penelope', language: 'es-US' },
  it: { voice: 'Polly.Carla', language: 'it-IT' },
  pt: { voice: 'Polly.Ines', language: 'pt-PT' },
  'pt-BR': { voice: 'Polly.Vitoria', language: 'pt-BR' },
  nl: { voice: 'Polly.Lotte', language: 'nl-NL' },
  da: { voice: 'Polly.Naja', language: 'da-DK' },
  sv: { voice: 'Polly.Astrid', language: 'sv-SE' },
  nb: { voice: 'Polly.Liv', language: 'nb-NO' },
  no: { voice: 'Polly.Liv', language: 'nb-NO' },
  pl: { voice: 'Polly.Ewa', language: 'pl-PL' },
  ru: { voice: 'Polly.Tatyana', language: 'ru-RU' },
  tr: { voice: 'Polly.Filiz', language: 'tr-TR' },
  ja: { voice: 'Polly.Mizuki', language: 'ja-JP' },
  ko: { voice: 'Polly.Seoyeon', language: 'ko-KR' },
  zh: { voice: 'Polly.Zhiyu', language: 'cmn-CN' },
  ar: { voice: 'Polly.Zeina', language: 'arb' },
};

/** Long enough for a phone to ring through to its owner; a code is useless to voicemail. */
const RING_SECONDS = '30';

const MESSAGE_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  accepted: 'sent', scheduled: 'sent', queued: 'sent', sending: 'sent', sent: 'sent',
  delivered: 'delivered', read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed', canceled: 'failed',
};

const CALL_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  queued: 'sent', initiated: 'sent', ringing: 'sent', 'in-progress': 'sent',
  completed: 'delivered',
  busy: 'undelivered', 'no-answer': 'undelivered',
  failed: 'failed', canceled: 'failed',
};

export const twilioProvider = defineKind(twilioOptions, {
  create(name, config, ctx) {
    const agent = providerAgent();
    const authorization = config.apiKeySid !== undefined && config.apiKeySecret !== undefined
      ? basicAuth(config.apiKeySid, config.apiKeySecret)
      : basicAuth(config.accountSid, config.authToken ?? '');
    const authToken = config.authToken;
    // Only ask Twilio for callbacks this adapter can verify (the signature key is the auth token).
    const statusCallback = authToken === undefined ? undefined : ctx.callbackUrl;

    const channels = adapterChannels(twilioProvider, config);
    // Message Feedback exists for messages only, not for calls.
    const feedback = feedbackChannels(config.feedback, channels, ['sms']);
    const form = (path: string, fields: URLSearchParams, signal: AbortSignal): Promise<HttpReply> => httpCall(agent, {
      url: `${config.baseUrl}/2010-04-01/Accounts/${config.accountSid}/${path}`,
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: fields.toString(),
      signal,
    });

    async function post(resource: 'Messages' | 'Calls', fields: URLSearchParams, signal: AbortSignal): Promise<SendResult> {
      const what = resource === 'Messages' ? 'twilio sms' : 'twilio call';
      if (statusCallback !== undefined) fields.set('StatusCallback', statusCallback);
      const reply = await form(`${resource}.json`, fields, signal);
      if (!isSuccess(reply)) throw failure(reply, what);
      const sid = nonEmptyStringField(reply.json, 'sid');
      // Accepted but unreadable: the message may well be on its way.
      if (sid === undefined) throw replyWithoutId(reply, what, 'a sid');
      return { transactionId: sid, status: nonEmptyStringField(reply.json, 'status') ?? 'queued' };
    }

    return {
      name,
      kind: 'twilio',
      channels,
      timeoutMs: config.timeoutMs,
      voices: VOICES,
      send(msg, signal) {
        if (msg.channel === 'sms') {
          const fields = new URLSearchParams({ To: msg.to.e164, Body: msg.text });
          // The schema guarantees one of the two senders when SMS is enabled.
          if (config.messagingServiceSid !== undefined) fields.set('MessagingServiceSid', config.messagingServiceSid);
          else fields.set('From', config.from ?? '');
          // Twilio takes Message Feedback only for messages created with it.
          if (feedback !== undefined) fields.set('ProvideFeedback', 'true');
          return post('Messages', fields, signal);
        }
        const { voice = '', language } = voiceFor(VOICES, msg.locale) ?? VOICES.en;
        const twiml = `<Response><Say voice="${escapeXml(voice)}" language="${escapeXml(language)}">${escapeXml(msg.text)}</Say></Response>`;
        return post('Calls', new URLSearchParams({ To: msg.to.e164, From: config.from ?? '', Twiml: twiml, Timeout: RING_SECONDS }), signal);
      },
      receipts: authToken === undefined ? undefined : async (req) => {
        // Twilio signs no timestamp, so a captured callback cannot be refused as stale; a replay can
        // only repeat a status Twilio already sent for that message.
        const signature = header(req.headers, 'x-twilio-signature');
        if (!signature) throw new CallbackRejected(401, 'missing X-Twilio-Signature');
        const fields = new URLSearchParams(req.rawBody);
        if (!safeEqual(signature, twilioSignature(authToken, req.url, fields))) {
          throw new CallbackRejected(403, 'X-Twilio-Signature does not match');
        }
        return readReceipt(fields, req.receivedAt);
      },
      ...(feedback === undefined ? {} : {
        feedback: {
          channels: feedback,
          async send(target, signal) {
            const reply = await form(`Messages/${encodeURIComponent(target.transactionId)}/Feedback.json`, new URLSearchParams({ Outcome: 'confirmed' }), signal);
            if (!isSuccess(reply)) throw failure(reply, 'twilio feedback');
          },
        },
      }),
      async close() {
        await agent.close();
      },
    };
  },
});

function failure(reply: HttpReply, what: string): ProviderError {
  // Twilio's own `message` repeats the number ("Invalid 'To' Phone Number: +1…"), so only the code is kept.
  const code = numberField(reply.json, 'code');
  const category = (code === undefined ? undefined : ERROR_CODES[code]) ?? categoryForStatus(reply.status);
  return statusError(reply, category, code === undefined ? undefined : String(code), `${what} refused`);
}

/**
 * Base64 HMAC-SHA1, keyed with the auth token, of the URL Twilio called followed by every form
 * field sorted by name, each as name + value.
 */
function twilioSignature(authToken: string, url: string, fields: URLSearchParams): string {
  return createHmac('sha1', authToken).update(url + sortedPairs(fields).map(([k, v]) => k + v).join(''), 'utf8').digest('base64');
}

function readReceipt(fields: URLSearchParams, receivedAt: Date): DeliveryReceipt[] {
  const messageSid = fields.get('MessageSid');
  const callSid = fields.get('CallSid');
  const [transactionId, word, table] = messageSid !== null
    ? [messageSid, fields.get('MessageStatus'), MESSAGE_STATUS]
    : [callSid, fields.get('CallStatus'), CALL_STATUS];
  const status = word === null ? undefined : table[word];
  if (transactionId === null || word === null || status === undefined) return [];
  return [{
    transactionId,
    status,
    providerStatus: word,
    providerCode: fields.get('ErrorCode') || undefined,
    // Call callbacks carry an RFC 2822 Timestamp; message callbacks carry none.
    at: receiptTime(fields.get('Timestamp'), receivedAt),
  }];
}
