import pino, { type DestinationStream, type Logger } from 'pino';

// Fields that may carry the passcode or a credential, wherever they sit in a logged object.
const SENSITIVE = ['otpCode', 'otp', 'msgTemplate', 'smsText', 'authorization', 'secret', 'secrets', 'password', 'token'];
const DEPTHS = ['', '*.', '*.*.', '*.*.*.', '*.*.*.*.'];

export const REDACT_PATHS = [
  ...DEPTHS.flatMap((d) => SENSITIVE.map((k) => d + k)),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-telephony-key"]',
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
