// The texts that carry the code: the SMS body and the voice script in the user's language, and
// what an SMS body costs on the air (GSM 03.38 encoding and segments).
import { languageOf } from '../providers/markup.js';
import { tagFor } from '../providers/voices.js';
import { VOICE_LINES } from './voice-scripts.js';

const DEFAULT_SMS = 'Your verification code is {{code}}.';

/**
 * The SMS body. An operator's template for the request's locale or language wins, since it was
 * configured on purpose; then Okta's msgTemplate, already localised and holding the code; then the
 * operator's English template; then a default English sentence.
 */
export function smsText(
  req: { otp: string; smsText?: string; locale: string },
  templates: Readonly<Record<string, string>> = {},
): string {
  const own = entryFor(templates, req.locale);
  if (own) return fillCode(own[1], req.otp);
  if (req.smsText !== undefined) return req.smsText;
  return fillCode(Object.hasOwn(templates, 'en') ? templates.en! : DEFAULT_SMS, req.otp);
}

/**
 * What a voice call says: the code one character at a time, `repeat` times, then goodbye.
 * `locale` in the answer is the language the text is written in, kept as specific as the request
 * when the language is the same (`fr-CA` reads the `fr` text, and a Canadian voice suits it).
 */
export function voiceScript(code: string, locale: string, opts: { repeat: number } = { repeat: 2 }): { text: string; locale: string } {
  const [tag, lines] = entryFor(VOICE_LINES, locale) ?? ['en', VOICE_LINES.en];
  // Upper case, so that a letter is read as its name and not as a word (English "a").
  const spoken = [...code.toUpperCase()].join(lines.pause ?? ', ');
  // A call that never says the code is useless, whatever the setting.
  const times = Number.isSafeInteger(opts.repeat) && opts.repeat > 1 ? opts.repeat : 1;
  const sentences = [lines.first, ...Array<string>(times - 1).fill(lines.again)].map((s) => s.replace('{code}', () => spoken));
  return {
    text: [...sentences, lines.goodbye].join(lines.space ?? ' '),
    locale: languageOf(tag) === languageOf(locale) ? locale : tag,
  };
}

/** True when there is a voice script in the locale's tag or language (else a call says the English one). */
export function hasVoiceLines(locale: string): boolean {
  return entryFor(VOICE_LINES, locale) !== undefined;
}

/** The exact tag's entry, else its language's: `pt-BR` → `pt-BR` or `pt`, `zh-Hant-TW` → `zh`. */
function entryFor<T>(table: Readonly<Record<string, T>>, locale: string): [string, T] | undefined {
  const tag = tagFor(table, locale);
  return tag === undefined ? undefined : [tag, table[tag]!];
}

function fillCode(template: string, code: string): string {
  return template.replace(/\{\{\s*code\s*\}\}/g, () => code);
}

export interface SmsEncoding {
  encoding: 'GSM-7' | 'UCS-2';
  /** GSM-7 septets (an extension character takes two), or UTF-16 code units. */
  units: number;
  segments: number;
}

// GSM 03.38 default alphabet, in code order, 16 a row. 0x1B is the escape to the extension table
// and not a character of its own, so it is left out.
const GSM_BASIC = new Set([
  '@£$¥èéùìòÇ\nØø\rÅå',
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  '¡ABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  '¿abcdefghijklmno',
  'pqrstuvwxyzäöñüà',
].join(''));

// The extension table: each is sent as ESC plus a code, two septets.
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const LIMITS = { 'GSM-7': { single: 160, part: 153 }, 'UCS-2': { single: 70, part: 67 } } as const;

/**
 * How a provider will encode an SMS body and how many segments it will bill. One character
 * outside GSM 03.38 turns the whole message into UCS-2, which fits less than half as much.
 */
export function smsEncoding(text: string): SmsEncoding {
  const chars = [...text];
  const encoding = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c)) ? 'GSM-7' : 'UCS-2';
  const costs = chars.map((c) => (encoding === 'UCS-2' ? c.length : GSM_EXTENSION.has(c) ? 2 : 1));
  const units = costs.reduce((a, b) => a + b, 0);
  const { single, part } = LIMITS[encoding];
  return { encoding, units, segments: units <= single ? 1 : segmentsOf(costs, part) };
}

/**
 * Segments of a multipart message. The concatenation header leaves `size` units a part, and a
 * character never straddles two parts (an escape pair or a surrogate pair moves whole to the
 * next), so a part can hold one unit less than `size`.
 */
function segmentsOf(costs: readonly number[], size: number): number {
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > size) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return segments;
}
