// Plivo: SMS through the Message API, voice through the Call API. Direct HTTP: the `plivo` SDK
// hardcodes the voice base URL (so no mock could stand in for it) and is heavy.
//
// A Plivo call fetches its script from `answer_url` once the callee picks up, after the hook has
// already answered Okta. The adapter serves that document itself (voiceDocument) and keeps no state:
// the script travels in the answer_url query, sealed with AES-256-GCM under a key derived from the
// auth token, together with an expiry a few minutes ahead. The code never appears in clear in the
// URL Plivo stores, and any instance holding the same auth token can serve the document.
//
// Replays: Plivo's V3 signature has no timestamp. For status callbacks a replay can only restate a
// status Plivo already reported for that message (V3 covers the URL and every posted field), and
// recording a receipt is idempotent, so nonces are not remembered. A replayed answer request is
// bounded by the sealed expiry; a token is not single-use because Plivo retries answer_url.
import { createHmac } from 'node:crypto';
import * as z from '../core/zod.js';
import { adapterChannels, defineKind } from './base.js';
import { basicAuth, categoryForStatus, httpCall, isSuccess, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { escapeXml } from './markup.js';
import { plivoOptions } from './options/plivo.js';
import { asString, field, singleHeader } from './read.js';
import { openScript, scriptKey, SCRIPT_TTL_MS, sealScript, type VoiceScript } from './sealed-script.js';
import { safeEqual, sortedPairs } from './verify.js';
import { voiceFor, withVoices, type VoiceTable } from './voices.js';
import {
  CallbackRejected, ProviderError,
  type CallbackRequest, type DeliveryReceipt, type OutboundMessage, type ReceiptStatus, type SendResult,
} from './types.js';
import type { ErrorCategory } from '../core/domain.js';

/** Query parameter of answer_url that carries the sealed script. */
const SCRIPT_PARAM = 's';
/** Long enough for a phone to ring through to its owner (Plivo's default is 120 s); a code is useless to voicemail. */
const RING_SECONDS = 30;

type PlivoConfig = z.output<typeof plivoOptions.schema>;

/** `<Speak>` voice per locale, from Plivo's supported-language table (pt-PT has only MAN). */
const VOICES: VoiceTable = {
  en: { voice: 'WOMAN', language: 'en-US' },
  'en-GB': { voice: 'WOMAN', language: 'en-GB' },
  'en-AU': { voice: 'WOMAN', language: 'en-AU' },
  fr: { voice: 'WOMAN', language: 'fr-FR' },
  'fr-CA': { voice: 'WOMAN', language: 'fr-CA' },
  de: { voice: 'WOMAN', language: 'de-DE' },
  es: { voice: 'WOMAN', language: 'es-ES' },
  'es-US': { voice: 'WOMAN', language: 'es-US' },
  'es-MX': { voice: 'WOMAN', language: 'es-US' },
  it: { voice: 'WOMAN', language: 'it-IT' },
  nl: { voice: 'WOMAN', language: 'nl-NL' },
  pl: { voice: 'WOMAN', language: 'pl-PL' },
  pt: { voice: 'MAN', language: 'pt-PT' },
  'pt-BR': { voice: 'WOMAN', language: 'pt-BR' },
  ru: { voice: 'WOMAN', language: 'ru-RU' },
  sv: { voice: 'WOMAN', language: 'sv-SE' },
  da: { voice: 'WOMAN', language: 'da-DK' },
  ja: { voice: 'WOMAN', language: 'ja-JP' },
};

/** Message `Status` (url callback). */
const MESSAGE_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  queued: 'sent', sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed', rejected: 'failed',
};

/** Call `CallStatus` (hangup_url callback). */
const CALL_STATUS: Readonly<Record<string, ReceiptStatus>> = {
  ringing: 'sent', 'in-progress': 'sent',
  completed: 'delivered',
  busy: 'undelivered', 'no-answer': 'undelivered', timeout: 'undelivered', cancel: 'undelivered',
  failed: 'failed',
};

export const plivoProvider = defineKind(plivoOptions, {
  create(name, config, ctx) {
    const { voiceUrl, callbackUrl } = ctx;
    if (!voiceUrl && config.channels?.includes('voice')) {
      throw new Error(`providers.${name}.channels: plivo voice needs server.publicUrl (Plivo fetches the call script from it)`);
    }
    const channels = adapterChannels(plivoProvider, { ...config, channels: config.channels ?? (voiceUrl ? undefined : ['sms']) });
    const agent = providerAgent();
    const account = `${config.baseUrl}/v1/Account/${encodeURIComponent(config.authId)}`;
    const headers = { authorization: basicAuth(config.authId, config.authToken), 'content-type': 'application/json', accept: 'application/json' };
    const sealKey = scriptKey(config.authToken, `plivo voice script ${name}`);
    const voices = withVoices(VOICES, config.voices);

    async function post(path: string, body: unknown, signal: AbortSignal): Promise<HttpReply> {
      return httpCall(agent, { url: `${account}${path}`, headers, body: JSON.stringify(body), signal });
    }

    async function sendSms(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const reply = await post('/Message/', {
        src: config.from, dst: msg.to.e164, text: msg.text, type: 'sms',
        ...(callbackUrl ? { url: callbackUrl, method: 'POST' } : {}),
      }, signal);
      if (!isSuccess(reply)) throw classify(reply, config, 'plivo SMS');
      const uuids = field(reply.json, 'message_uuid');
      const id = asString(Array.isArray(uuids) ? uuids[0] : undefined);
      if (!id) throw replyWithoutId(reply, 'plivo SMS', 'an id');
      return { transactionId: id, status: asString(field(reply.json, 'message')) ?? 'queued' };
    }

    async function sendVoice(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      if (!voiceUrl) throw new ProviderError('rejected', 'plivo voice needs server.publicUrl');
      const answer = new URL(voiceUrl);
      answer.searchParams.set(SCRIPT_PARAM, sealScript(sealKey, { text: msg.text, locale: msg.locale, expires: Date.now() + SCRIPT_TTL_MS }).toString('base64url'));
      // The Call API takes numbers with the country code and without the `+` (plivo-node lib/resources/call.js).
      const reply = await post('/Call/', {
        from: config.from.slice(1), to: msg.to.e164.slice(1), answer_url: answer.toString(), answer_method: 'POST',
        ring_timeout: RING_SECONDS,
        ...(callbackUrl ? { hangup_url: callbackUrl, hangup_method: 'POST' } : {}),
      }, signal);
      if (!isSuccess(reply)) throw classify(reply, config, 'plivo call');
      const id = asString(field(reply.json, 'request_uuid'));
      if (!id) throw replyWithoutId(reply, 'plivo call', 'an id');
      return { transactionId: id, status: asString(field(reply.json, 'message')) ?? 'queued' };
    }

    return {
      name,
      kind: 'plivo',
      channels,
      timeoutMs: config.timeoutMs,
      voices,
      send: (msg, signal) => (msg.channel === 'voice' ? sendVoice(msg, signal) : sendSms(msg, signal)),
      async receipts(req) {
        const params = formParams(req);
        verifyV3(req, params, config.authToken);
        return readReceipt(params, req.receivedAt);
      },
      async voiceDocument(req) {
        verifyV3(req, formParams(req), config.authToken);
        const token = new URL(req.url).searchParams.get(SCRIPT_PARAM);
        const script = token === null ? undefined : openScript(sealKey, Buffer.from(token, 'base64url'));
        if (!script) throw new CallbackRejected(403, 'plivo voice script missing or not ours');
        if (script.expires < req.receivedAt.getTime()) throw new CallbackRejected(403, 'plivo voice script expired');
        return { contentType: 'application/xml', body: speak(voices, script) };
      },
      async close() {
        await agent.close();
      },
    };
  },
});

function speak(voices: VoiceTable, script: VoiceScript): string {
  const { voice = 'WOMAN', language } = voiceFor(voices, script.locale) ?? voices.en;
  return `<Response><Speak voice="${escapeXml(voice)}" language="${escapeXml(language)}">${escapeXml(script.text)}</Speak></Response>`;
}

/**
 * Plivo answers `{api_id, error}` with no code of its own, so the HTTP status is the providerCode.
 * The error text quotes numbers, so it only steers the category and never enters the message.
 */
function classify(reply: HttpReply, config: PlivoConfig, what: string): ProviderError {
  const error = field(reply.json, 'error');
  const text = typeof error === 'string' ? error : JSON.stringify(error ?? '');
  return statusError(reply, category(reply.status, text, config.from), undefined, what);
}

/** Plivo publishes HTTP statuses, not codes, for its send APIs (source: test/fixtures/specs/README.md, "Code tables"). */
function category(status: number, text: string, from: string): ErrorCategory {
  if (/insufficient (credit|balance|fund)/i.test(text)) return 'insufficient_funds';
  // Plivo documents 403 on POST /Message/ and /Call/ as a geo-permission refusal (SDK GeoPermissionError).
  if (status === 403) return 'region_blocked';
  if (status === 400 && /not a valid (phone )?number|invalid (dst|to|destination)/i.test(text)) {
    // The complaint may be about our own source number: a configuration fault, not the user's number.
    return text.includes(from.slice(1)) ? 'auth' : 'invalid_number';
  }
  return categoryForStatus(status);
}

/** The posted form fields (Plivo posts callbacks and answer requests as x-www-form-urlencoded). */
function formParams(req: CallbackRequest): URLSearchParams {
  const type = req.headers['content-type'];
  return typeof type === 'string' && type.includes('application/x-www-form-urlencoded') ? new URLSearchParams(req.rawBody) : new URLSearchParams();
}

/**
 * X-Plivo-Signature-V3: base64 HMAC-SHA256 (auth token) over the signed URL + '.' + nonce, where the
 * signed URL is scheme://host/path, then '?' and the query pairs sorted as k=v joined by '&', then,
 * when fields were posted, '.' (only after a non-empty query) and the sorted fields as k+v with
 * nothing between (plivo-node lib/utils/v3Security.js). The header may list several signatures.
 */
function verifyV3(req: CallbackRequest, params: URLSearchParams, authToken: string): void {
  const signatures = singleHeader(req.headers, 'x-plivo-signature-v3');
  const nonce = singleHeader(req.headers, 'x-plivo-signature-v3-nonce');
  if (!signatures || !nonce) throw new CallbackRejected(401, 'plivo V3 signature headers missing');
  const expected = createHmac('sha256', authToken).update(`${signedUrl(req.url, [...params])}.${nonce}`).digest('base64');
  if (!signatures.split(',').some((s) => safeEqual(s.trim(), expected))) throw new CallbackRejected(403, 'plivo V3 signature mismatch');
}

function signedUrl(url: string, posted: [string, string][]): string {
  const u = new URL(url);
  const query = sortedPairs(u.searchParams).map(([k, v]) => `${k}=${v}`).join('&');
  const base = `${u.protocol}//${u.host}${u.pathname}`;
  if (posted.length === 0) return query ? `${base}?${query}` : base;
  return `${base}?${query}${query ? '.' : ''}${sortedPairs(posted).map(([k, v]) => k + v).join('')}`;
}

/** A message callback names MessageUUID; a hangup callback names the RequestUUID the Call API returned. */
function readReceipt(params: URLSearchParams, receivedAt: Date): DeliveryReceipt[] {
  const messageId = params.get('MessageUUID');
  if (messageId) {
    const word = params.get('Status') ?? '';
    const status = MESSAGE_STATUS[word];
    const code = params.get('ErrorCode');
    return status ? [{ transactionId: messageId, status, providerStatus: word, providerCode: code || undefined, at: receivedAt }] : [];
  }
  const requestId = params.get('RequestUUID') || params.get('ALegRequestUUID');
  const word = params.get('CallStatus') ?? '';
  const status = CALL_STATUS[word];
  if (!requestId || !status) return [];
  const cause = params.get('HangupCause');
  return [{ transactionId: requestId, status, providerStatus: word, providerCode: cause || undefined, at: receivedAt }];
}
