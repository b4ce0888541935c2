import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { escapeRegExp, jsonEscape } from '../core/escape.js';

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
  const escaped = [...names].map((k) => escapeRegExp(jsonEscape(k)));
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

/** `json`: one JSON object a line; `pretty`: readable lines; `auto`: pretty on a terminal, JSON otherwise. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  format?: LogFormat;
  /** The terminal `auto` looks at, and colour follows (NO_COLOR turns it off). */
  stream?: { isTTY?: boolean };
  env?: Record<string, string | undefined>;
}

/** Whether `format` writes readable lines to `stream`. */
export function prettyLogs(format: LogFormat, stream: { isTTY?: boolean } = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && stream.isTTY === true);
}

/**
 * pino-pretty, loaded only when used (it is not needed on a server writing JSON). Synchronous, so
 * no line is lost at exit; local time with milliseconds; the fields every line has are left out.
 */
function prettyStream(colour: boolean, destination: DestinationStream | undefined): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (opts: PrettyOptions) => DestinationStream;
  return pretty({
    sync: true, colorize: colour, singleLine: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,service',
    destination: (destination ?? 1) as PrettyOptions['destination'],
  });
}

/** `extraRedacted`: more keys to censor, such as the name of the hook's secret header. */
export function createLogger(level: string, destination?: DestinationStream, extraRedacted: string[] = [], opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stdout;
  const env = opts.env ?? process.env;
  // The redactor runs on the JSON line before it is written, so pretty lines are censored the same way.
  const out = prettyLogs(opts.format ?? 'json', stream)
    ? prettyStream(stream.isTTY === true && !env.NO_COLOR, destination)
    : destination;
  return pino({
    level,
    hooks: { streamWrite: lineRedactor([...REDACTED_KEYS, ...extraRedacted]) },
    base: { service: 'byot-gateway' },
    serializers: {
      req: (req: LoggedRequest) => ({ method: req.method, url: loggableUrl(req.url ?? ''), remoteAddress: req.ip }),
    },
  }, out);
}
