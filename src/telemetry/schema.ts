// The `metrics:` and `log:` sections of the configuration.
import * as z from 'zod';
import { strictObject } from '../core/unknown-keys.js';

export const metricsSchema = strictObject({
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  token: z.string().min(16, 'expected a token of at least 16 characters').optional(),
}).prefault({});

export const logSchema = strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object a line, for log collectors), `pretty` (readable lines), `auto`: pretty on a terminal. */
  format: z.enum(['json', 'pretty', 'auto']).default('auto'),
}).prefault({});

export type MetricsConfig = z.output<typeof metricsSchema>;
export type LogConfig = z.output<typeof logSchema>;
