/** Escapes text for an XML element or attribute (TwiML, TeXML, Plivo XML, SSML). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => XML_ENTITIES[c]!);
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

/** `fr-CA` → `fr`. */
export function languageOf(locale: string): string {
  return locale.split('-')[0]!.toLowerCase();
}
