// Which language a voice call is spoken in, and with which voice: the user's language when the
// provider has a voice for it and there is a script in it, else English with the provider's
// English voice. Routing (to prefer providers that speak the user's language, and to show what
// each attempt would say) and delivery (to write each attempt's script) both ask here.
import { languageOf } from '../providers/markup.js';
import type { ProviderAdapter } from '../providers/types.js';
import { speaks, voiceFor } from '../providers/voices.js';
import { hasVoiceLines } from './messages.js';

export interface SpokenVoice {
  /** The tag the script is written in: the user's locale, or `en`. */
  locale: string;
  /** The language the provider's voice speaks, in the provider's spelling; the tag when it names none. */
  language: string;
  /** The provider's voice; `default` when the provider picks it for the language. */
  voice: string;
}

/** The locale an attempt through `adapter` speaks: the user's when both a script and a voice exist for it, else `en`. */
export function spokenLocale(adapter: Pick<ProviderAdapter, 'voices'>, locale: string): string {
  if (!hasVoiceLines(locale)) return 'en';
  return adapter.voices === undefined || speaks(adapter.voices, locale) ? locale : 'en';
}

/** True when an attempt through `adapter` speaks the user's own language. */
export function speaksUserLanguage(adapter: Pick<ProviderAdapter, 'voices'>, locale: string): boolean {
  return languageOf(spokenLocale(adapter, locale)) === languageOf(locale);
}

/** What an attempt through `adapter` says the code in, and with which voice. */
export function spokenVoice(adapter: Pick<ProviderAdapter, 'voices'>, locale: string): SpokenVoice {
  const spoken = spokenLocale(adapter, locale);
  const entry = adapter.voices === undefined ? undefined : voiceFor(adapter.voices, spoken) ?? adapter.voices.en;
  return { locale: spoken, language: entry?.language ?? spoken, voice: entry?.voice ?? 'default' };
}
