import pino, { type DestinationStream, type Logger } from 'pino';

// Keys whose values never reach a log line, at any depth (compared without case): the passcode's
// fields and credentials. The code logs masked fields only; this is the net under it.
const PASSCODE = ['otpCode', 'msgTemplate', 'smsText', 'otp'];
const CREDENTIALS = ['authorization', 'cookie', 'secret', 'secrets', 'password', 'token'];
export const REDACTED_KEYS = [...PASSCODE, ...CREDENTIALS];
const CENSOR = '[redacted]';

/**
 * Redaction on the serialised line. One regex test tells whether such a key appears at all (on the
 * hot path it never does); only then is the line parsed, censored at every depth and serialised
 * again. Path-based redaction walks every configured path on every line, and only to a fixed depth.
 */
export function lineRedactor(keys: readonly string[]): (line: string) => string {
  const names = new Set(keys.map((k) => k.toLowerCase()));
  const escaped = [...names].map((k) => JSON.stringify(k).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const present = new RegExp(`"(?:${escaped.join('|')})":`, 'i');
  const censor = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (names.has(key.toLowerCase())) record[key] = CENSOR;
      else censor(record[key]);
    }
  };
  return (line) => {
    if (!present.test(line)) return line;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // Not one JSON line: nothing here can tell a key from text, so nothing of it is kept.
      return `${JSON.stringify({ msg: 'log line withheld: it named a redacted key and could not be parsed' })}\n`;
    }
    censor(parsed);
    return `${JSON.stringify(parsed)}\n`;
  };
}

/**
 * A request URL fit for a log line: no query string (callback signatures, Plivo's sealed scripts)
 * and no secret path token (`/callbacks/{kind}/{name}/{token}`).
 */
export function loggableUrl(url: string): string {
  const path = url.split('?')[0]!;
  return path.replace(/^(\/callbacks\/[^/]+\/[^/]+)\/.+$/, '$1/[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
}

/** `extraRedacted`: more keys to censor, such as the name of the hook's secret header. */
export function createLogger(level: string, destination?: DestinationStream, extraRedacted: string[] = []): Logger {
  return pino({
    level,
    hooks: { streamWrite: lineRedactor([...REDACTED_KEYS, ...extraRedacted]) },
    base: { service: 'byot-gateway' },
    serializers: {
      req: (req: LoggedRequest) => ({ method: req.method, url: loggableUrl(req.url ?? ''), remoteAddress: req.ip }),
    },
  }, destination);
}
