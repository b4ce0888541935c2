// How a string is written inside other text: a regular expression, a JSON string, a form field.
// Said once, because the scrubbing of provider answers (providers/scrub.ts) must look for a value
// in exactly the forms the adapters wrote it in (providers/http-template.ts), and the log's
// redaction (telemetry/log.ts) for a key exactly as JSON writes it.

/** `s` matched literally inside a regular expression. */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `s` as the content of a JSON string, without the quotes. */
export const jsonEscape = (s: string): string => JSON.stringify(s).slice(1, -1);

/** `s` as an application/x-www-form-urlencoded value: URL-encoded, spaces as `+`. */
export const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
