import pino, { type DestinationStream, type Logger } from 'pino';

// The passcode's fields are redacted at any depth; the logger is never handed a request body, so
// credentials need only the places they could appear. Fewer paths keep every log line cheap.
const PASSCODE = ['otpCode', 'msgTemplate', 'smsText', 'otp'];
const CREDENTIALS = ['authorization', 'secret', 'secrets', 'password', 'token'];
const DEPTHS = ['', '*.', '*.*.', '*.*.*.'];

export const REDACT_PATHS = [
  ...DEPTHS.flatMap((d) => PASSCODE.map((k) => d + k)),
  ...DEPTHS.slice(0, 2).flatMap((d) => CREDENTIALS.map((k) => d + k)),
  'req.headers.authorization',
  'req.headers.cookie',
];

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

export function createLogger(level: string, destination?: DestinationStream, extraRedact: string[] = []): Logger {
  return pino({
    level,
    redact: { paths: [...REDACT_PATHS, ...extraRedact], censor: '[redacted]' },
    base: { service: 'byot-gateway' },
    serializers: {
      req: (req: LoggedRequest) => ({ method: req.method, url: loggableUrl(req.url ?? ''), remoteAddress: req.ip }),
    },
  }, destination);
}
