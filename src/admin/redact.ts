// The effective configuration as the admin page shows it: every secret replaced, by the name of its
// key (secret, password, token, apiKey, privateKey…), by what it looks like (a URL's password, a
// PEM private key), and then by value, so a secret repeated under an innocent key is caught too.

export const REDACTED = '[redacted]';

/** Key names whose string values are credentials, wherever they sit. */
const SECRET_KEY = /secret|passw(or)?d|passphrase|pwd|token|api[-_]?key|private[-_]?key|access[-_]?key|hash[-_]?key|application[-_]?key|signing[-_]?key|credential|authori[sz]ation|cookie|^key$/i;
/** Header values are credentials unless the header is one of these. */
const HARMLESS_HEADERS = new Set(['content-type', 'accept', 'accept-language', 'user-agent', 'content-language']);
/** Query parameters that carry credentials in a URL. */
const SECRET_PARAM = /secret|passw(or)?d|token|key|sig(nature)?|auth|credential/i;
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

function walk(value: unknown, path: string[], found: Set<string>): Json {
  const key = path.at(-1) ?? '';
  const parent = path.at(-2) ?? '';
  if (typeof value === 'string') {
    if (isSecretKey(key, parent) || PEM_PRIVATE.test(value)) {
      if (value.length >= MIN_SCANNED) found.add(value);
      return value === '' ? '' : REDACTED;
    }
    return redactUrl(value, found);
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
  if (parent.toLowerCase() === 'headers') return !HARMLESS_HEADERS.has(key.toLowerCase());
  return SECRET_KEY.test(key);
}

/**
 * `postgres://user:pw@host/db` → `postgres://user:[redacted]@host/db`, and secret query parameters
 * (`?api_key=…`); edited as text, so the rest of the URL (placeholders included) stays as written.
 */
function redactUrl(value: string, found: Set<string>): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
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
      if (!SECRET_PARAM.test(safeDecode(name)) || v === '' || /^\{\{.*\}\}$/.test(v)) return m;
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
