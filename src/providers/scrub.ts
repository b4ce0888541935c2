// What a provider answers is not trusted: a provider that echoes the request puts the passcode,
// the number, the callback token or the template's credentials into its error codes, messages
// and ids. Every string an adapter hands back passes through here before it is logged, stored,
// shown or given to Okta: scrubbed of those values, stripped of control characters, bounded.
import type { CountryCode } from 'libphonenumber-js/max';
import { escapeRegExp, formEncode, jsonEscape } from '../core/escape.js';
import { phoneLib } from '../core/phone.js';
import { ProviderError, type DeliveryReceipt, type OutboundMessage, type ProviderAdapter, type SendResult } from './types.js';

/** Longest provider-supplied string kept: a code, status word, id or error message. */
export const MAX_PROVIDER_TEXT = 64;
export const SCRUBBED = '[scrubbed]';

/** `Basic …`, `Bearer …`: an echoed Authorization header, whatever the credential in it. */
const AUTH_VALUE = /\b(basic|bearer|digest)\s+[A-Za-z0-9+/=._~-]{8,}/gi;
/** Control, format and unassigned characters: nothing a log line or a page should carry. */
const UNPRINTABLE = /\p{C}/gu;

/** A secret and the forms an echo would carry it in: as is, URL- or form-encoded, JSON-escaped. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), formEncode(secret), jsonEscape(secret)])];
}

/**
 * Digits that may be written with separators between them (`+1 (415) 555-0100`, `1, 2, 3`).
 * `alone`: never inside a longer digit run (a short code is found by chance in long numeric ids;
 * a number is not, and is often written after a trunk `0`).
 */
function spaced(digits: string, separator: string, alone: boolean): string {
  const body = [...digits].map(escapeRegExp).join(separator);
  return alone ? `(?<!\\d)${body}(?!\\d)` : body;
}

export interface ProviderText {
  /** A code, status word or message from a provider, fit to log, store and show. */
  text(value: string): string;
  /** An id (kept exact unless it carries a secret, so receipts still match it). */
  id(value: string): string;
}

/**
 * Scrubs provider text of `secrets` (the configuration's, src/admin/redact.ts `configSecrets`)
 * and, when the text answers a message, of that message's passcode and number.
 */
export function providerText(secrets: readonly string[], msg?: OutboundMessage): ProviderText {
  const known = secretPattern(secrets);
  // The message's patterns hold its number and code, so they are compiled anew for each message, and
  // compiling them cost more than the rest of a send (bench/run.ts: ~4 ms of CPU per request). Every form they
  // match keeps the code's or the number's digits in a row once the other characters are dropped, so
  // they are built only for a value whose digits hold one of those; a status word or a typical id has none.
  const needles = msg ? messageDigits(msg) : [];
  let patterns: MessagePatterns | undefined;
  const scrubMessage = (value: string, which: keyof MessagePatterns): string => {
    const digits = value.replace(/\D/g, '');
    if (!needles.some((n) => digits.includes(n))) return value;
    patterns ??= messagePatterns(msg);
    return value.replace(patterns[which], SCRUBBED);
  };
  const credentialsOut = (value: string): string => value.replace(AUTH_VALUE, `$1 ${SCRUBBED}`).replace(known, SCRUBBED);
  const bound = (value: string): string => [...value.replace(UNPRINTABLE, '')].slice(0, MAX_PROVIDER_TEXT).join('');
  return {
    text: (value) => bound(scrubMessage(credentialsOut(value), 'lenient')),
    id: (value) => bound(scrubMessage(credentialsOut(value), 'strict')),
  };
}

/**
 * Digits one of the message's patterns needs in a row: the code, and the number's last six (the
 * national number is a suffix of the E.164 digits, and neither is looked for when shorter than six).
 */
function messageDigits(msg: OutboundMessage): string[] {
  return [msg.code.replace(/\D/g, ''), msg.to.e164.replace(/\D/g, '').slice(-6)].filter((d) => d.length > 0);
}

/** One pattern per list of secrets, compiled once (an adapter scrubs every answer with the same list). */
const secretPatterns = new WeakMap<readonly string[], RegExp>();

function secretPattern(secrets: readonly string[]): RegExp {
  let re = secretPatterns.get(secrets);
  if (!re) {
    const literal = new Set<string>();
    for (const s of secrets) for (const f of forms(s)) if (f.length > 0) literal.add(f);
    // Longest first, so a secret containing another is replaced whole.
    const alternatives = [...literal].sort((a, b) => b.length - a.length).map(escapeRegExp);
    re = new RegExp(alternatives.join('|') || '(?!)', 'g');
    secretPatterns.set(secrets, re);
  }
  return re;
}

interface MessagePatterns {
  /** The number and the code as written (for ids). */
  strict: RegExp;
  /** …and written out with separators (for codes and messages). */
  lenient: RegExp;
}

function messagePatterns(msg: OutboundMessage | undefined): MessagePatterns {
  if (!msg) return { strict: /(?!)/g, lenient: /(?!)/g };
  const e164 = msg.to.e164;
  const digits = e164.replace(/\D/g, '');
  const national = nationalNumber(msg);
  const literals = forms(e164).map(escapeRegExp);
  const exact: string[] = [];
  const loose: string[] = [];
  // Written out too: `+1 (415) 555-0100`, a voice script's `1, 2, 3, 4`.
  for (const number of [digits, national]) {
    if (number === undefined || number.length < 6) continue;
    exact.push(spaced(number, '', false));
    loose.push(spaced(number, '[\\s().-]{0,3}', false));
  }
  if (msg.code.length >= 3) {
    exact.push(spaced(msg.code, '', true));
    loose.push(spaced(msg.code, '\\D{0,3}', true));
  }
  return {
    strict: new RegExp([...literals, ...exact].join('|'), 'g'),
    lenient: new RegExp([...literals, ...loose, ...exact].join('|'), 'g'),
  };
}

/** The number without its country calling code (`4155550100` for `+14155550100`), as it is written at home. */
function nationalNumber(msg: OutboundMessage): string | undefined {
  const digits = msg.to.e164.slice(1);
  const { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } = phoneLib();
  if (msg.to.country !== undefined && isSupportedCountry(msg.to.country)) {
    const cc = getCountryCallingCode(msg.to.country as CountryCode);
    if (digits.startsWith(cc)) return digits.slice(cc.length);
  }
  return parsePhoneNumberFromString(msg.to.e164)?.nationalNumber;
}

/**
 * The adapter with everything it hands back scrubbed: the send result's id and status, a failure's
 * code and message (of a send or a feedback call), a receipt's id, status and code. The one place provider text enters.
 */
export function scrubbedAdapter(adapter: ProviderAdapter, secrets: readonly string[]): ProviderAdapter {
  const plain = providerText(secrets);
  const wrapped: ProviderAdapter = {
    name: adapter.name,
    kind: adapter.kind,
    channels: adapter.channels,
    timeoutMs: adapter.timeoutMs,
    ...(adapter.voices ? { voices: adapter.voices } : {}),
    async send(msg, signal): Promise<SendResult> {
      const scrub = providerText(secrets, msg);
      let sent: SendResult;
      try {
        sent = await adapter.send(msg, signal);
      } catch (err) {
        throw scrubbedError(err, scrub);
      }
      return { transactionId: scrub.id(sent.transactionId), status: scrub.text(sent.status) };
    },
  };
  if (adapter.receipts) {
    const receipts = adapter.receipts.bind(adapter);
    wrapped.receipts = async (req) => (await receipts(req)).map((r): DeliveryReceipt => ({
      ...r,
      transactionId: plain.id(r.transactionId),
      providerStatus: plain.text(r.providerStatus),
      providerCode: r.providerCode === undefined ? undefined : plain.text(r.providerCode),
    }));
  }
  if (adapter.voiceDocument) wrapped.voiceDocument = adapter.voiceDocument.bind(adapter);
  const feedback = adapter.feedback;
  if (feedback) {
    wrapped.feedback = {
      channels: feedback.channels,
      async send(target, signal) {
        try {
          await feedback.send(target, signal);
        } catch (err) {
          throw scrubbedError(err, plain);
        }
      },
    };
  }
  if (adapter.close) wrapped.close = adapter.close.bind(adapter);
  return wrapped;
}

/** A failure with its provider text scrubbed; the cause (which may hold the whole answer) is dropped. */
function scrubbedError(err: unknown, scrub: ProviderText): Error {
  if (err instanceof ProviderError) {
    return new ProviderError(err.category, scrub.text(err.message), {
      providerCode: err.providerCode === undefined ? undefined : scrub.text(err.providerCode),
      ambiguous: err.ambiguous,
    });
  }
  // Not classified: the delivery loop decides (an abort means a timeout), from a scrubbed message.
  return new Error(scrub.text(err instanceof Error ? err.message : String(err)));
}
