// The `metrics:` and `log:` sections of the configuration.
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';

export const metricsSchema = z.prefault(strictObject({
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  token: z.optional(z.string().check(z.minLength(16, 'expected a token of at least 16 characters'))),
}), {});

export const logSchema = z.prefault(strictObject({
  level: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  /** `json` (one object a line, for log collectors), `pretty` (readable lines), `auto`: pretty on a terminal. */
  format: z._default(z.enum(['json', 'pretty', 'auto']), 'auto'),
}), {});

export type MetricsConfig = z.output<typeof metricsSchema>;
export type LogConfig = z.output<typeof logSchema>;
