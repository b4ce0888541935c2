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

export function createLogger(level: string, destination?: DestinationStream, extraRedact: string[] = []): Logger {
  return pino({
    level,
    redact: { paths: [...REDACT_PATHS, ...extraRedact], censor: '[redacted]' },
    base: { service: 'byot-gateway' },
  }, destination);
}
