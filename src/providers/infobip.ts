// Infobip: SMS through SMS API v3 (`/sms/3/messages`), voice through the text-to-speech API
// (`/tts/3/advanced`, the v3 form that takes a per-message notifyUrl). One `App` API key for both.
// Direct HTTP: the community SDK has no voice and brings axios. Infobip signs no callbacks, so the
// callback URL carries a secret path token instead.
import * as z from '../core/zod.js';
import type { Channel, ErrorCategory } from '../core/domain.js';
import { defineKind } from './base.js';
import { categoryForStatus, httpCall, isSuccess, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { infobipOptions } from './options/infobip.js';
import { receiptTime } from './read.js';
import { CallbackRejected, ProviderError, type CallbackRequest, type DeliveryReceipt, type ReceiptStatus, type SendResult } from './types.js';
import { tokenCallbackUrl, verifyPathToken } from './verify.js';
import { voiceFor, type VoiceTable } from './voices.js';

type InfobipConfig = z.output<typeof infobipOptions.schema>;

/**
 * Status names of the REJECTED group (a 200 answer that is a failure, or a report): what each
 * means for failover. Others (REJECTED_DND…) are plain rejections. From Infobip's response status
 * table (source: test/fixtures/specs/README.md, "Code tables").
 */
const REJECTED: Readonly<Record<string, ErrorCategory>> = {
  REJECTED_DESTINATION: 'invalid_number',
  REJECTED_PREFIX_MISSING: 'invalid_number',
  REJECTED_INVALID_DESTINATION: 'invalid_number',
  REJECTED_NETWORK: 'region_blocked',
  REJECTED_ROUTE_NOT_AVAILABLE: 'region_blocked',
  REJECTED_NOT_ENOUGH_CREDITS: 'insufficient_funds',
  REJECTED_PREPAID_PACKAGE_EXPIRED: 'insufficient_funds',
  REJECTED_SOURCE: 'auth',
  REJECTED_SENDER: 'auth',
};

/** Request error codes (`serviceException.messageId`, or `errorCode`: ApiError in test/fixtures/specs/infobip.json) that say more than the HTTP status. */
const REQUEST_ERRORS: Readonly<Record<string, ErrorCategory>> = {
  UNAUTHORIZED: 'auth',
  TOO_MANY_REQUESTS: 'rate_limited',
};

/** Status groups of reports: 0 ACCEPTED and 1 PENDING are still on the way. */
const GROUP_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  ACCEPTED: 'sent', PENDING: 'sent', DELIVERED: 'delivered', UNDELIVERABLE: 'undelivered', EXPIRED: 'undelivered', REJECTED: 'failed',
};

interface Voice { language: string; voice?: { name: string; gender: 'female' | 'male' } }

/** Infobip TTS languages, with a voice where one fits the locale. */
const TTS: Readonly<Record<string, Voice>> = {
  en: { language: 'en', voice: { name: 'Joanna', gender: 'female' } },
  'en-GB': { language: 'en-gb', voice: { name: 'Amy', gender: 'female' } },
  'en-AU': { language: 'en-au', voice: { name: 'Nicole', gender: 'female' } },
  fr: { language: 'fr', voice: { name: 'Celine', gender: 'female' } },
  'fr-CA': { language: 'fr-ca', voice: { name: 'Chantal', gender: 'female' } },
  de: { language: 'de', voice: { name: 'Marlene', gender: 'female' } },
  es: { language: 'es', voice: { name: 'Conchita', gender: 'female' } },
  it: { language: 'it', voice: { name: 'Carla', gender: 'female' } },
  nl: { language: 'nl', voice: { name: 'Lotte', gender: 'female' } },
  pt: { language: 'pt-pt' },
  'pt-BR': { language: 'pt-br' },
  ja: { language: 'ja' },
};
const VOICES = Object.fromEntries(Object.entries(TTS).map(([tag, v]) => [tag, { language: v.language, voice: v.voice?.name }])) as unknown as VoiceTable;

/** Infobip addresses are international numbers without the `+`. */
function address(value: string): string {
  return value.startsWith('+') ? value.slice(1) : value;
}

export const infobipProvider = defineKind(infobipOptions, {
  create(name, config, ctx) {
    const agent = providerAgent();
    // By default an adapter serves the channels it has a sender for.
    const channels = new Set<Channel>(config.channels ?? [
      ...(config.sender !== undefined ? ['sms' as const] : []),
      ...(config.voiceFrom !== undefined ? ['voice' as const] : []),
    ]);
    // Reports are only asked for when they can be authenticated on arrival.
    const reportUrl = tokenCallbackUrl(ctx.callbackUrl, config.callbackToken);
    const headers = { authorization: `App ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };

    async function post(path: string, body: unknown, what: string, signal: AbortSignal): Promise<SendResult> {
      const reply = await httpCall(agent, { url: `${config.baseUrl}${path}`, headers, body: JSON.stringify(body), signal });
      if (!isSuccess(reply)) throw requestError(reply, what);
      return accepted(reply, what);
    }

    return {
      name,
      kind: 'infobip',
      channels,
      timeoutMs: config.timeoutMs,
      voices: VOICES,
      async send(msg, signal) {
        if (msg.channel === 'sms' && config.sender !== undefined && channels.has('sms')) {
          return post('/sms/3/messages', {
            messages: [{
              sender: address(config.sender),
              destinations: [{ to: address(msg.to.e164) }],
              content: { text: msg.text },
              ...(reportUrl ? { webhooks: { delivery: { url: reportUrl } } } : {}),
            }],
          }, 'infobip sms', signal);
        }
        if (msg.channel === 'voice' && config.voiceFrom !== undefined && channels.has('voice')) {
          const { language, voice } = voiceFor(TTS, msg.locale) ?? TTS.en!;
          return post('/tts/3/advanced', {
            messages: [{
              from: address(config.voiceFrom),
              destinations: [{ to: address(msg.to.e164) }],
              text: msg.text,
              language,
              voice,
              speechRate: config.speechRate,
              ...(reportUrl ? { notifyUrl: reportUrl, notifyContentType: 'application/json' } : {}),
            }],
          }, 'infobip voice', signal);
        }
        throw new ProviderError('rejected', `infobip provider "${name}" does not send ${msg.channel}`);
      },
      async receipts(req) {
        return readReports(config, req);
      },
      async close() {
        await agent.close();
      },
    };
  },
});

interface Status { groupId?: unknown; groupName?: unknown; name?: unknown }

/** A 200 answer: the message id, unless its status says the message was refused on the spot. */
function accepted(reply: HttpReply, what: string): SendResult {
  const message = (reply.json as { messages?: { messageId?: unknown; status?: Status }[] } | undefined)?.messages?.[0];
  const status = message?.status;
  const statusName = typeof status?.name === 'string' ? status.name : undefined;
  if (status?.groupName === 'REJECTED' || status?.groupId === 5) {
    const code = statusName ?? 'REJECTED';
    throw new ProviderError(REJECTED[code] ?? 'rejected', `${what}: rejected (${code})`, { providerCode: code });
  }
  if (typeof message?.messageId !== 'string' || message.messageId === '') {
    throw replyWithoutId(reply, what, 'messageId');
  }
  return { transactionId: message.messageId, status: statusName ?? 'PENDING' };
}

/**
 * A 4xx/5xx answer, in either of Infobip's shapes: `{requestError: {serviceException: {messageId,
 * text, validationErrors}}}` or the newer `{errorCode, description, violations: [{property}]}`.
 */
function requestError(reply: HttpReply, what: string): ProviderError {
  const body = (reply.json ?? {}) as {
    requestError?: { serviceException?: { messageId?: unknown; validationErrors?: unknown } };
    errorCode?: unknown;
    violations?: unknown;
  };
  const legacy = body.requestError?.serviceException;
  const code = typeof legacy?.messageId === 'string' ? legacy.messageId : typeof body.errorCode === 'string' ? body.errorCode : undefined;
  // The fields a validation error names: the keys of validationErrors, or each violation's property.
  const fields = [
    ...Object.keys(typeof legacy?.validationErrors === 'object' && legacy.validationErrors !== null ? legacy.validationErrors : {}),
    ...(Array.isArray(body.violations) ? body.violations.map((v: { property?: unknown }) => String(v?.property ?? '')) : []),
  ];
  let category = code === undefined ? undefined : REQUEST_ERRORS[code];
  if (category === undefined && reply.status === 400 && fields.some((f) => /destinations\[\d+\]\.to$/.test(f))) category = 'invalid_number';
  return statusError(reply, category ?? categoryForStatus(reply.status), code, what);
}

function readReports(config: InfobipConfig, req: CallbackRequest): DeliveryReceipt[] {
  if (config.callbackToken === undefined) throw new CallbackRejected(401, 'infobip callback token not configured');
  verifyPathToken(req.token, config.callbackToken);
  const results = (req.body as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results)) return [];
  return results.flatMap((r: { messageId?: unknown; status?: Status; error?: Status; doneAt?: unknown; sentAt?: unknown }) => {
    const group = r?.status?.groupName;
    if (typeof r?.messageId !== 'string' || typeof group !== 'string') return [];
    const error = r.error;
    // Error group 0 (OK) carries NO_ERROR or a success detail such as VOICE_ANSWERED.
    const failed = error !== undefined && error.groupId !== 0 && typeof error.name === 'string' && error.name !== 'NO_ERROR';
    return [{
      transactionId: r.messageId,
      status: GROUP_STATUS[group] ?? 'sent',
      providerStatus: typeof r.status?.name === 'string' ? r.status.name : group,
      providerCode: failed ? String(error.name) : undefined,
      at: receiptTime(r.doneAt ?? r.sentAt, req.receivedAt),
    }];
  });
}
