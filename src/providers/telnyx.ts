// Telnyx: SMS through Messaging API v2, voice through Call Control: dial (`POST /calls`), and when
// Telnyx reports the call answered, speak the script (`POST /calls/{id}/actions/speak`). The script
// rides along in the call's client_state, sealed (sealed-script.ts), so no instance keeps state
// between dial and answer. (The TeXML endpoint the adapter used before, `POST /texml/calls/{id}`,
// was removed from Telnyx's definition on 2026-01-30; see test/fixtures/specs/README.md.)
// Direct HTTP rather than the `telnyx` SDK: the SDK
// lets us set baseURL, timeout, maxRetries 0 and a per-request signal, but it turns every
// connection error whose text says "timed out" into APIConnectionTimeoutError without its cause,
// so a connect timeout (nothing sent, safe to fail over) could no longer be told apart from a
// request that went out (ambiguous); httpCall keeps the error code and shares the pooled agent.
import { verify, type KeyObject } from 'node:crypto';
import { adapterChannels, defineKind } from './base.js';
import { categoryForStatus, httpCall, isSuccess, providerAgent, replyWithoutId, statusError, type HttpReply } from './http.js';
import { ed25519Key, telnyxOptions } from './options/telnyx.js';
import { asStringOrNumber, field, receiptTime, singleHeader } from './read.js';
import { openScript, scriptKey, SCRIPT_TTL_MS, sealScript } from './sealed-script.js';
import { voiceFor, withVoices, type VoiceTable } from './voices.js';
import {
  CallbackRejected, ProviderError,
  type CallbackRequest, type DeliveryReceipt, type OutboundMessage, type ReceiptStatus, type SendResult,
} from './types.js';
import type { ErrorCategory } from '../core/domain.js';

/** Telnyx refuses webhooks whose `telnyx-timestamp` is further than this from now. */
const TOLERANCE_SECONDS = 300;

/**
 * Speak voice per locale: Amazon Polly neural voices in Call Control's `AWS.Polly.<VoiceId>` form;
 * `language` is one of SpeakRequest's enum (test/fixtures/specs/telnyx.json), which Telnyx ignores
 * for Polly voices but which names the language the voice speaks.
 */
const VOICES: VoiceTable = {
  en: { voice: 'AWS.Polly.Joanna-Neural', language: 'en-US' },
  'en-GB': { voice: 'AWS.Polly.Amy-Neural', language: 'en-GB' },
  'en-AU': { voice: 'AWS.Polly.Olivia-Neural', language: 'en-AU' },
  fr: { voice: 'AWS.Polly.Lea-Neural', language: 'fr-FR' },
  'fr-CA': { voice: 'AWS.Polly.Gabrielle-Neural', language: 'fr-CA' },
  de: { voice: 'AWS.Polly.Vicki-Neural', language: 'de-DE' },
  es: { voice: 'AWS.Polly.Lucia-Neural', language: 'es-ES' },
  'es-MX': { voice: 'AWS.Polly.Mia-Neural', language: 'es-MX' },
  'es-US': { voice: 'AWS.Polly.Lupe-Neural', language: 'es-US' },
  it: { voice: 'AWS.Polly.Bianca-Neural', language: 'it-IT' },
  pt: { voice: 'AWS.Polly.Ines-Neural', language: 'pt-PT' },
  'pt-BR': { voice: 'AWS.Polly.Camila-Neural', language: 'pt-BR' },
  nl: { voice: 'AWS.Polly.Laura-Neural', language: 'nl-NL' },
  ja: { voice: 'AWS.Polly.Kazuha-Neural', language: 'ja-JP' },
};

/** Long enough for a phone to ring through to its owner; a code is useless to voicemail. */
const RING_SECONDS = 30;
/**
 * Ends the call this long after it is answered: the script takes well under a minute, and the
 * trimmed definition holds no hangup command (30 is Telnyx's minimum).
 */
const CALL_LIMIT_SECONDS = 60;
/** Telnyx ignores a second speak with the same command_id on a call, so a redelivered call.answered speaks once. */
const SPEAK_COMMAND_ID = 'byot-otp-script';

/**
 * Synchronous error codes, from Telnyx's API and messaging error catalogues (source:
 * test/fixtures/specs/README.md, "Code tables"); the codes test/fixtures/specs/telnyx.json shows
 * for Call Control (10004, 90015, 90018…) are request or call-state faults, left to the HTTP status.
 */
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

/**
 * call.hangup `hangup_cause` of a call that never reached the callee. A call that was answered ends
 * with normal_clearing or time_limit, and call.speak.ended has already said whether the script was heard.
 */
const UNANSWERED: Readonly<Record<string, ReceiptStatus>> = {
  user_busy: 'undelivered', timeout: 'undelivered', no_answer: 'undelivered', call_rejected: 'undelivered', originator_cancel: 'undelivered',
  not_found: 'failed', unspecified: 'failed',
};

export const telnyxProvider = defineKind(telnyxOptions, {
  create(name, config, ctx) {
    if (!ctx.callbackUrl && config.channels?.includes('voice')) {
      throw new Error(`providers.${name}.channels: telnyx voice needs server.publicUrl (Telnyx reports the answered call there)`);
    }
    const canCall = Boolean(config.connectionId && config.publicKey && ctx.callbackUrl);
    const channels = adapterChannels(telnyxProvider, { ...config, channels: config.channels ?? (canCall ? undefined : ['sms']) });
    const sealKey = scriptKey(config.apiKey, `telnyx voice script ${name}`);
    const voices = withVoices(VOICES, config.voices);
    const agent = providerAgent();
    const headers = { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
    const publicKey = config.publicKey === undefined ? undefined : ed25519Key(config.publicKey);
    // Without the public key no receipt could be verified, so asking Telnyx to send them is pointless.
    const callbackUrl = publicKey ? ctx.callbackUrl : undefined;
    if (ctx.callbackUrl && !publicKey) ctx.log.warn('telnyx publicKey not set: delivery receipts are not requested');

    async function post(url: string, body: unknown, signal: AbortSignal): Promise<HttpReply> {
      return httpCall(agent, { url, headers, body: JSON.stringify(body), signal });
    }

    async function sendSms(msg: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const reply = await post(`${config.baseUrl}/messages`, {
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
      if (!config.connectionId || !callbackUrl) throw new ProviderError('rejected', 'telnyx voice needs connectionId, publicKey and server.publicUrl');
      const script = sealScript(sealKey, { text: msg.text, locale: msg.locale, expires: Date.now() + SCRIPT_TTL_MS });
      const reply = await post(`${config.baseUrl}/calls`, {
        connection_id: config.connectionId, to: msg.to.e164, from: config.from,
        timeout_secs: RING_SECONDS, time_limit_secs: CALL_LIMIT_SECONDS,
        webhook_url: callbackUrl, webhook_url_method: 'POST', client_state: script.toString('base64'),
      }, signal);
      if (!isSuccess(reply)) throw classify(reply, 'telnyx call');
      const id = asStringOrNumber(field(field(reply.json, 'data'), 'call_control_id'));
      if (!id) throw replyWithoutId(reply, 'telnyx call', 'a call_control_id');
      return { transactionId: id, status: 'queued' };
    }

    /** The answered call's script, spoken; a receipt saying whether Telnyx took the command. */
    async function speak(callControlId: string, clientState: string, at: Date): Promise<DeliveryReceipt[]> {
      const script = openScript(sealKey, Buffer.from(clientState, 'base64'));
      // Not a call this adapter placed, or answered too late to still be worth speaking.
      if (!script || script.expires < at.getTime()) return [];
      const { voice, language } = voiceFor(voices, script.locale) ?? voices.en;
      try {
        const reply = await post(`${config.baseUrl}/calls/${encodeURIComponent(callControlId)}/actions/speak`, {
          payload: script.text, payload_type: 'text', voice, language, command_id: SPEAK_COMMAND_ID,
        }, AbortSignal.timeout(config.timeoutMs));
        if (!isSuccess(reply)) throw classify(reply, 'telnyx speak');
      } catch (err) {
        const failure = err instanceof ProviderError ? err : new ProviderError('unavailable', 'telnyx speak failed', { cause: err });
        ctx.log.warn({ category: failure.category, providerCode: failure.providerCode }, 'telnyx could not speak the script on the answered call');
        return [{ transactionId: callControlId, status: 'failed', providerStatus: 'speak_failed', providerCode: failure.providerCode, at }];
      }
      return [{ transactionId: callControlId, status: 'sent', providerStatus: 'answered', at }];
    }

    return {
      name,
      kind: 'telnyx',
      channels,
      timeoutMs: config.timeoutMs,
      voices,
      send: (msg, signal) => (msg.channel === 'voice' ? sendVoice(msg, signal) : sendSms(msg, signal)),
      ...(publicKey ? {
        async receipts(req: CallbackRequest): Promise<DeliveryReceipt[]> {
          verifySignature(req, publicKey);
          const answered = answeredCall(req);
          return answered ? speak(answered.callControlId, answered.clientState, answered.at) : readReceipts(req);
        },
      } : {}),
      async close() {
        await agent.close();
      },
    };
  },
});

/** Telnyx answers `{errors:[{code,title,detail}]}`; the detail can quote the number, so it never enters the message. */
function classify(reply: HttpReply, what: string): ProviderError {
  const errors = field(reply.json, 'errors');
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const code = asStringOrNumber(field(first, 'code'));
  const text = `${asStringOrNumber(field(first, 'title')) ?? ''} ${asStringOrNumber(field(first, 'detail')) ?? ''}`;
  // No single documented code for an exhausted balance (the error code lists test/fixtures/specs/README.md
  // names, "Code tables"): recognise it by its words.
  const category = (code !== undefined ? CODE_CATEGORY[code] : undefined)
    ?? (/\bbalance\b|insufficient funds/i.test(text) ? 'insufficient_funds' : categoryForStatus(reply.status));
  return statusError(reply, category, code, what);
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

/** A signed call.answered event: the call to speak on, and the sealed script it carries. */
function answeredCall(req: CallbackRequest): { callControlId: string; clientState: string; at: Date } | undefined {
  const data = field(req.body, 'data');
  if (field(data, 'event_type') !== 'call.answered') return undefined;
  const payload = field(data, 'payload');
  const callControlId = asStringOrNumber(field(payload, 'call_control_id'));
  const clientState = asStringOrNumber(field(payload, 'client_state'));
  if (!callControlId || !clientState) return undefined;
  return { callControlId, clientState, at: receiptTime(asStringOrNumber(field(data, 'occurred_at')), req.receivedAt, TOLERANCE_SECONDS * 1000) };
}

/** Messaging events (message.sent, message.finalized) and the call events that settle a call. */
function readReceipts(req: CallbackRequest): DeliveryReceipt[] {
  const data = field(req.body, 'data');
  const event = asStringOrNumber(field(data, 'event_type'));
  const payload = field(data, 'payload');
  const at = receiptTime(asStringOrNumber(field(data, 'occurred_at')), req.receivedAt, TOLERANCE_SECONDS * 1000);
  if (event === 'message.sent' || event === 'message.finalized') {
    const id = asStringOrNumber(field(payload, 'id'));
    const to = field(payload, 'to');
    const word = asStringOrNumber(field(Array.isArray(to) ? to[0] : undefined, 'status'));
    const status = word === undefined ? undefined : MESSAGE_STATUS[word];
    if (!id || !word || !status) return [];
    const errors = field(payload, 'errors');
    const code = asStringOrNumber(field(Array.isArray(errors) ? errors[0] : undefined, 'code'));
    return [{ transactionId: id, status, providerStatus: word, providerCode: code, at }];
  }
  const callControlId = asStringOrNumber(field(payload, 'call_control_id'));
  if (!callControlId) return [];
  if (event === 'call.speak.ended') {
    // `completed`, or why the script stopped (`call_hangup`: the callee hung up while it played).
    const word = asStringOrNumber(field(payload, 'status')) ?? 'unknown';
    return [{ transactionId: callControlId, status: word === 'completed' ? 'delivered' : 'undelivered', providerStatus: `speak_${word}`, at }];
  }
  if (event === 'call.hangup') {
    const cause = asStringOrNumber(field(payload, 'hangup_cause'));
    const status = cause === undefined ? undefined : UNANSWERED[cause];
    return status ? [{ transactionId: callControlId, status, providerStatus: 'hangup', providerCode: cause, at }] : [];
  }
  return [];
}
