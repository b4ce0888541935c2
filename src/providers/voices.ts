// The languages a voice provider can speak, and the voice it speaks each with. One lookup for the
// adapters (which voice to ask for), delivery (which script to send) and routing (who speaks the
// user's language), so that they never disagree. Keys are BCP 47 tags or bare languages, as the
// voice scripts are keyed: `pt` is European Portuguese and `pt-BR` Brazilian, so `pt`, `pt-PT`
// and `pt-BR` resolve the same way for every provider.
import { languageOf } from './markup.js';

export interface Voice {
  /** The language the voice speaks, in the provider's own spelling (`fr-FR`, `pt-br`…). */
  language: string;
  /** The provider's name for the voice; absent when the provider picks one for the language. */
  voice?: string;
}

/** Voices by tag or language; `en` is always there, for calls the user's language cannot be spoken in. */
export type VoiceTable = Readonly<Record<string, Voice>> & { readonly en: Voice };

/** The key a locale finds in a table keyed by tag or language: the exact tag, then its language (`zh-Hant-TW` → `zh`). */
export function tagFor(table: Readonly<Record<string, unknown>>, locale: string): string | undefined {
  // hasOwn, because a plain object also answers to `constructor` and friends.
  return [locale, languageOf(locale)].find((t) => Object.hasOwn(table, t));
}

/** The entry for a locale (see tagFor); undefined when the table has neither tag nor language: no English fallback. */
export function voiceFor<T>(table: Readonly<Record<string, T>>, locale: string): T | undefined {
  const tag = tagFor(table, locale);
  return tag === undefined ? undefined : table[tag];
}

/** True when the table has a voice for the locale's tag or language. */
export function speaks(table: Readonly<Record<string, unknown>>, locale: string): boolean {
  return voiceFor(table, locale) !== undefined;
}

/**
 * A table with an operator's voice names (config `voices`) over the built-in ones. An override for
 * a bare language serves all its regions, unless a region has its own; an override for a language
 * the table lacks adds it, speaking the language its key names.
 */
export function withVoices(table: VoiceTable, overrides: Readonly<Record<string, string>>): VoiceTable {
  const merged: Record<string, Voice> = { ...table };
  // Bare languages first, so that a regional override (`fr-CA`) wins over its language's (`fr`).
  const ordered = Object.entries(overrides).sort(([a], [b]) => Number(a.includes('-')) - Number(b.includes('-')));
  for (const [tag, voice] of ordered) {
    const regions = tag.includes('-') ? [] : Object.keys(merged).filter((k) => k.includes('-') && languageOf(k) === tag);
    for (const key of [tag, ...regions]) merged[key] = { language: voiceFor(merged, key)?.language ?? tag, voice };
  }
  return merged as VoiceTable;
}
