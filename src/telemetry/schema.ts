// The `metrics:` and `log:` sections of the configuration.
import { z } from 'zod';

export const metricsSchema = z.object({
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  token: z.string().min(16, 'expected a token of at least 16 characters').optional(),
}).prefault({});

export const logSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).prefault({});

export type MetricsConfig = z.output<typeof metricsSchema>;
export type LogConfig = z.output<typeof logSchema>;
