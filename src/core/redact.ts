// The effective configuration as the admin page shows it: every secret replaced, by the name of its
// key (secret, password, token, apiKey, privateKey…), by what it looks like (a URL's password, a
// PEM private key, a credential field inside a request template), and then by value, so a secret
// repeated under an innocent key, or written into a URL, a body template or a header, is caught too.

export const REDACTED = '[redacted]';

/** Key names whose string values are credentials, wherever they sit. */
const SECRET_KEY = /secret|passw(or)?d|passphrase|pwd|token|api[-_]?key|private[-_]?key|access[-_]?key|hash[-_]?key|application[-_]?key|signing[-_]?key|credential|authori[sz]ation|cookie|^key$/i;
/**
 * Names of fields that carry credentials inside a value the configuration writes out: a URL's
 * query parameters, a form or JSON body template's fields, a header's name.
 */
const SECRET_FIELD = /secret|pass|pwd|token|key|sig(nature)?|auth|credential|cookie|session/i;
/** A header value that looks like a credential whatever the header's name: a scheme and a value, or a long random string. */
const CREDENTIAL_LIKE = /^(?:(?:basic|bearer|digest|token|apikey|key)\s+\S+|(?=[A-Za-z0-9+/=_.-]*\d)(?=[A-Za-z0-9+/=_.-]*[A-Za-z])[A-Za-z0-9+/=_.-]{16,})$/i;
/** `{{placeholder}}` alone: a template slot, not a value. */
const PLACEHOLDER_ONLY = /^\{\{.*\}\}$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** Values shorter than this are not searched for elsewhere (they would match by accident). */
const MIN_SCANNED = 8;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A redacted, JSON-safe copy of `value`. `extraSecrets` are values known to be secret that may
 * not sit under a secret key (the generated hook secret, the phone-hash key).
 */
export function redactConfig(value: unknown, extraSecrets: readonly (string | undefined)[] = []): Json {
  const found = new Set<string>();
  for (const s of extraSecrets) if (s !== undefined && s.length >= MIN_SCANNED) found.add(s);
  const first = walk(value, [], found);
  // Longest first, so a secret containing another is replaced whole.
  const secrets = [...found].sort((a, b) => b.length - a.length);
  return secrets.length === 0 ? first : scrub(first, secrets);
}

/**
 * Every secret value in `tree`, longest first: what is found under secret keys, in URLs and
 * templates, and the `known` values (config/secrets.ts lists a configuration's). The admin page
 * redacts them; provider text is scrubbed of them (src/providers/scrub.ts).
 */
export function secretsIn(tree: unknown, known: readonly (string | undefined)[]): string[] {
  const found = new Set<string>();
  for (const s of known) if (s !== undefined && s.length >= MIN_SCANNED) found.add(s);
  walk(tree, [], found);
  found.delete(REDACTED);
  return [...found].sort((a, b) => b.length - a.length);
}

function walk(value: unknown, path: string[], found: Set<string>): Json {
  const key = path.at(-1) ?? '';
  const parent = path.at(-2) ?? '';
  if (typeof value === 'string') {
    if (isSecretKey(key, parent) || (parent.toLowerCase() === 'headers' && CREDENTIAL_LIKE.test(value)) || PEM_PRIVATE.test(value)) {
      if (value.length >= MIN_SCANNED) found.add(value);
      return value === '' ? '' : REDACTED;
    }
    return URL_LIKE.test(value) ? redactUrl(value, found) : redactFields(value, found);
  }
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (Array.isArray(value)) {
    // Every element of a secret list (`secrets: [a, b]`) is secret; the list's length still shows.
    const secretList = isSecretKey(key, parent);
    return value.map((v) => walk(v, secretList && typeof v === 'string' ? [...path, key] : [...path, String(path.length)], found));
  }
  if (typeof value === 'object') {
    const secretObject = isSecretKey(key, parent) && key !== 'headers';
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function') continue;
      // Everything inside `credentials: {...}` is secret, whatever its own key.
      out[k] = walk(v, secretObject ? [...path, key] : [...path, k], found);
    }
    return out;
  }
  return null;
}

function isSecretKey(key: string, parent: string): boolean {
  if (parent.toLowerCase() === 'headers') return SECRET_FIELD.test(key);
  return SECRET_KEY.test(key);
}

/**
 * `postgres://user:pw@host/db` → `postgres://user:[redacted]@host/db`, and secret query parameters
 * (`?api_key=…`); edited as text, so the rest of the URL (placeholders included) stays as written.
 */
function redactUrl(value: string, found: Set<string>): string {
  const note = (secret: string): void => {
    for (const s of [secret, safeDecode(secret)]) if (s.length >= MIN_SCANNED) found.add(s);
  };
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)([^/?#@]*)@/i, (_m, head: string, pw: string) => {
      if (pw === '') return `${head}@`;
      note(pw);
      return `${head}${REDACTED}@`;
    })
    .replace(/([?&])([^=&#]+)=([^&#]*)/g, (m, sep: string, name: string, v: string) => {
      if (!SECRET_FIELD.test(safeDecode(name)) || v === '' || PLACEHOLDER_ONLY.test(v)) return m;
      note(v);
      return `${sep}${name}=${REDACTED}`;
    });
}

/**
 * Credential fields written into a body template: `password=…` in a form, `"apikey": "…"` in JSON.
 * Placeholders stay, so the template still reads as written.
 */
function redactFields(value: string, found: Set<string>): string {
  const note = (secret: string): void => {
    for (const s of [secret, safeDecode(secret)]) if (s.length >= MIN_SCANNED) found.add(s);
  };
  return value
    .replace(/("([^"\\]*)"\s*:\s*")((?:[^"\\]|\\.)*)"/g, (m, head: string, name: string, v: string) => {
      if (!SECRET_FIELD.test(name) || v === '' || PLACEHOLDER_ONLY.test(v)) return m;
      note(v);
      return `${head}${REDACTED}"`;
    })
    .replace(/(^|&)([^=&\s"{}]+)=([^&\s"]*)/g, (m, sep: string, name: string, v: string) => {
      if (!SECRET_FIELD.test(safeDecode(name)) || v === '' || PLACEHOLDER_ONLY.test(v)) return m;
      note(v);
      return `${sep}${name}=${REDACTED}`;
    });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Replaces every occurrence of a known secret in every string value. */
function scrub(value: Json, secrets: readonly string[]): Json {
  if (typeof value === 'string') return replaceAll(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets)]));
  }
  return value;
}

function replaceAll(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) if (secret !== REDACTED && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
