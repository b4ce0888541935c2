// 8x8 CPaaS: SMS API (`umid`) and Voice callflows (makeCall → say → hangup, `sessionId`).
// There is no official Node SDK, so this talks REST through httpCall. 8x8 signs no webhook:
// receipts are accepted only on a URL whose last segment is the configured `callbackToken`.
import * as z from '../core/zod.js';
import type { ErrorCategory } from '../core/domain.js';
import { adapterChannels, feedbackChannels, defineKind } from './base.js';
import { categoryForStatus, httpCall, providerAgent, statusError, type HttpReply } from './http.js';
import { eightbyeightOptions } from './options/eightbyeight.js';
import { receiptTime } from './read.js';
import { ProviderError, type DeliveryReceipt, type OutboundMessage, type ReceiptStatus, type SendResult } from './types.js';
import { tokenCallbackUrl, verifyPathToken } from './verify.js';
import { voiceFor, withVoices, type VoiceTable } from './voices.js';

// 8x8 voice profiles. en-US-Jenny is the one 8x8's own Okta sample uses and en-GB-Emma the one of
// the voice API's examples (test/fixtures/specs/8x8-voice.json); the others follow the naming of the profiles 8x8 lists (its TTS is Azure's).
const VOICE_PROFILES: Readonly<Record<string, string>> = {
  en: 'en-US-Jenny', 'en-GB': 'en-GB-Emma',
  fr: 'fr-FR-DeniseNeural', de: 'de-DE-KatjaNeural', es: 'es-ES-ElviraNeural', it: 'it-IT-ElsaNeural',
  pt: 'pt-PT-RaquelNeural', 'pt-BR': 'pt-BR-FranciscaNeural', nl: 'nl-NL-ColetteNeural',
  ja: 'ja-JP-NanamiNeural', zh: 'zh-CN-XiaoxiaoNeural', 'zh-TW': 'zh-TW-HsiaoChenNeural', ar: 'ar-SA-ZariyahNeural',
};
/** A profile's name begins with the language it speaks: `pt-PT-RaquelNeural` speaks pt-PT. */
const VOICES = Object.fromEntries(Object.entries(VOICE_PROFILES).map(([tag, voice]) => [tag, { language: voice.split('-').slice(0, 2).join('-'), voice }])) as unknown as VoiceTable;

// SMS API error `code`, from 8x8's API error code table (source: test/fixtures/specs/README.md,
// "Code tables"; the answers in test/fixtures/specs/8x8-sms.json show 1002, 1200, 2000 and 1014).
// Others fall back to the HTTP status.
const SMS_CODES: Readonly<Record<number, ErrorCategory>> = {
  1002: 'invalid_number', 3002: 'invalid_number', 3003: 'invalid_number',
  1001: 'auth', 1005: 'auth', 1200: 'auth', 1201: 'auth',
  1100: 'rate_limited', 1400: 'rate_limited',
  // 1014 (HTTP 426): TLS 1.3 required for the destination. A transport fault of ours: the next provider may well deliver.
  2000: 'unavailable', 1014: 'unavailable',
};

// Callflow `statusCode`, from 8x8's voice status code table (source: test/fixtures/specs/README.md,
// "Code tables"). Only -1017 blames the number; -1011 ("multiple destination phone numbers found
// in the request") and the other negative codes are faults of the request, left to `rejected`.
const VOICE_CODES: Readonly<Record<number, ErrorCategory>> = {
  [-1017]: 'invalid_number',
  [-1014]: 'auth', 401: 'auth', 404: 'auth',
  500: 'unavailable',
};

// Receipt bodies, read leniently: 8x8 adds fields over time.
const smsReceipt = z.looseObject({
  namespace: z.literal('SMS'),
  eventType: z.literal('outbound_message_status_changed'),
  payload: z.looseObject({
    umid: z.string(),
    status: z.looseObject({ state: z.string(), timestamp: z.optional(z.string()), errorCode: z.optional(z.number()) }),
  }),
});
const voiceSummary = z.looseObject({
  namespace: z.literal('VOICE'),
  eventType: z.literal('SESSION_SUMMARY'),
  payload: z.looseObject({
    sessionId: z.string(),
    sessionStatus: z.string(),
    endTime: z.optional(z.string()),
    errorDetails: z.optional(z.looseObject({ errorCode: z.optional(z.number()) })),
  }),
});

const SMS_STATES: Readonly<Record<string, ReceiptStatus>> = { delivered: 'delivered', read: 'delivered', undelivered: 'undelivered', rejected: 'failed' };
const CALL_STATES: Readonly<Record<string, ReceiptStatus>> = { COMPLETED: 'delivered', NO_ANSWER: 'undelivered', BUSY: 'undelivered', CANCELED: 'failed', FAILED: 'failed', ERROR: 'failed' };

/**
 * 8x8 SMS and voice. SMS receipts go to `{callbackUrl}/{callbackToken}`, sent as `dlrCallbackUrl` with
 * each message; callflows take no callback URL, so register the same URL once as the sub-account's
 * VSS (voice session summary) webhook: POST {voiceBaseUrl}/api/v1/subaccounts/{id}/webhooks {"type":"VSS","url":…}.
 */
export const eightbyeightProvider = defineKind(eightbyeightOptions, {
  create(name, config, ctx) {
    const agent = providerAgent();
    const dlrCallbackUrl = tokenCallbackUrl(ctx.callbackUrl, config.callbackToken);
    const subAccount = encodeURIComponent(config.subAccountId);
    const voices = withVoices(VOICES, config.voiceProfiles);
    const channels = adapterChannels(eightbyeightProvider, config);
    // 8x8's feedback API is the SMS API's; callflows have none.
    const feedback = feedbackChannels(config.feedback, channels, ['sms']);
    const post = (url: string, body: unknown, signal: AbortSignal): Promise<HttpReply> => httpCall(agent, {
      url,
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

    async function sendSms(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const reply = await post(`${config.smsBaseUrl}/api/v1/subaccounts/${subAccount}/messages`, {
        destination: msg.to.e164,
        text: msg.text,
        source: config.sender,
        clientMessageId: msg.reference,
        encoding: 'AUTO',
        dlrCallbackUrl,
        // Counts the message in 8x8's conversion tracking, which the feedback call completes.
        ...(feedback === undefined ? {} : { track: 'Outcome' }),
      }, signal);
      const body = reply.json as { code?: number; umid?: string; status?: { code?: string; description?: string } } | undefined;
      if (reply.status >= 400) throw statusError(reply, codeCategory(SMS_CODES, body?.code, reply), body?.code?.toString(), `${name} sms`);
      // A 200 can still carry REJECTED (e.g. "Invalid MSISDN format"); the description is 8x8's, not the user's data.
      if (body?.status?.code === 'REJECTED') {
        const invalid = /msisdn/i.test(body.status.description ?? '');
        throw new ProviderError(invalid ? 'invalid_number' : 'rejected', `${name} sms: rejected (${body.status.description ?? 'no reason'})`, { providerCode: 'REJECTED' });
      }
      if (!body?.umid) throw new ProviderError('rejected', `${name} sms: HTTP ${reply.status} without umid`, { providerCode: String(reply.status), ambiguous: true });
      return { transactionId: body.umid, status: body.status?.code ?? 'QUEUED' };
    }

    async function sendVoice(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const reply = await post(`${config.voiceBaseUrl}/api/v1/subaccounts/${subAccount}/callflows`, {
        callflow: [
          { action: 'makeCall', params: { source: config.callerId, destination: msg.to.e164 } },
          // The script already says the code twice; one repetition keeps the call short.
          { action: 'say', params: { text: msg.text, voiceProfile: (voiceFor(voices, msg.locale) ?? voices.en).voice, repetition: 1 } },
          { action: 'hangup' },
        ],
      }, signal);
      const body = reply.json as { sessionId?: string; sessionStatus?: string; statusCode?: number } | undefined;
      if (reply.status >= 400 || (body?.sessionStatus !== undefined && body.sessionStatus !== 'CREATED')) {
        throw statusError(reply, codeCategory(VOICE_CODES, body?.statusCode, reply), body?.statusCode?.toString(), `${name} voice`);
      }
      if (!body?.sessionId) throw new ProviderError('rejected', `${name} voice: HTTP ${reply.status} without sessionId`, { providerCode: String(reply.status), ambiguous: true });
      return { transactionId: body.sessionId, status: body.sessionStatus ?? 'CREATED' };
    }

    const { callbackToken } = config;
    return {
      name,
      kind: 'eightbyeight',
      channels,
      timeoutMs: config.timeoutMs,
      voices,
      send: (msg, signal) => (msg.channel === 'sms' ? sendSms(msg, signal) : sendVoice(msg, signal)),
      ...(callbackToken === undefined ? {} : {
        async receipts(req) {
          verifyPathToken(req.token, callbackToken);
          return readReceipt(req.body, req.receivedAt);
        },
      }),
      ...(feedback === undefined ? {} : {
        feedback: {
          channels: feedback,
          async send(target, signal) {
            const reply = await post(`${config.smsBaseUrl}/api/v1/subaccounts/${subAccount}/messages/${encodeURIComponent(target.transactionId)}/feedback`, {
              outcome: 'success',
              timestamp: new Date(target.verifiedAt).toISOString(),
            }, signal);
            const code = (reply.json as { code?: number } | undefined)?.code;
            if (reply.status >= 300) throw statusError(reply, codeCategory(SMS_CODES, code, reply), code?.toString(), `${name} sms feedback`);
          },
        },
      }),
      async close() {
        await agent.close();
      },
    };
  },
});

/** The category of 8x8's own code, else of the HTTP status; a refusal inside a 2xx answer is `rejected`. */
function codeCategory(table: Readonly<Record<number, ErrorCategory>>, code: number | undefined, reply: HttpReply): ErrorCategory {
  return (code === undefined ? undefined : table[code]) ?? (reply.status < 400 ? 'rejected' : categoryForStatus(reply.status));
}

/** An SMS delivery receipt or a voice session summary; anything else (other webhook types) reads as no receipt. */
function readReceipt(body: unknown, receivedAt: Date): DeliveryReceipt[] {
  const sms = smsReceipt.safeParse(body);
  if (sms.success) {
    const { umid, status } = sms.data.payload;
    return [{
      transactionId: umid,
      status: SMS_STATES[status.state] ?? 'sent',
      providerStatus: status.state,
      providerCode: status.errorCode?.toString(),
      at: receiptTime(status.timestamp, receivedAt),
    }];
  }
  const call = voiceSummary.safeParse(body);
  if (call.success) {
    const { sessionId, sessionStatus, endTime, errorDetails } = call.data.payload;
    return [{
      transactionId: sessionId,
      status: CALL_STATES[sessionStatus] ?? 'sent',
      providerStatus: sessionStatus,
      providerCode: errorDetails?.errorCode?.toString(),
      at: receiptTime(endTime, receivedAt),
    }];
  }
  return [];
}
