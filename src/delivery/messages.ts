// The texts that carry the code: the SMS body and the voice script in the user's language.
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
