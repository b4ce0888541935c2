/** Escapes text for an XML element or attribute (TwiML, TeXML, Plivo XML, SSML). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

/** `fr-CA` → `fr`. */
export function languageOf(locale: string): string {
  return locale.split('-')[0]!.toLowerCase();
}

/**
 * Picks a provider's value for a locale: the exact tag, then the language, then English.
 * `table` keys are BCP 47 tags or bare languages, e.g. { 'en-GB': …, en: …, fr: … }.
 */
export function forLocale<T>(table: Readonly<Record<string, T>>, locale: string): T | undefined {
  return table[locale] ?? table[languageOf(locale)] ?? table.en;
}
