// The `server:` section of the configuration: where and how the gateway listens.
import * as z from 'zod';
import { strictObject } from '../core/unknown-keys.js';

export const serverSchema = strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65_535).default(8080),
  /** Fastify's trustProxy: true (trust every hop) or the addresses/CIDRs of the load balancers. */
  trustProxy: z.union([z.boolean(), z.string(), z.array(z.string())]).default(false),
  tls: strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  bodyLimitBytes: z.number().int().min(1_024).max(1_048_576).default(65_536),
  /** The gateway's public https:// address; providers send delivery receipts to it. */
  publicUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).optional(),
}).prefault({});

export type ServerConfig = z.output<typeof serverSchema>;
