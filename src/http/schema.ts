// The `server:` section of the configuration: where and how the gateway listens.
import * as z from '../core/zod.js';
import { baseUrl } from '../core/base-url.js';
import { strictObject } from '../core/unknown-keys.js';

export const serverSchema = z.prefault(strictObject({
  host: z._default(z.string(), '0.0.0.0'),
  port: z._default(z.int().check(z.gte(0), z.lte(65_535)), 8080),
  /** Fastify's trustProxy: true (trust every hop) or the addresses/CIDRs of the load balancers. */
  trustProxy: z._default(z.union([z.boolean(), z.string(), z.array(z.string())]), false),
  tls: z.optional(strictObject({ cert: z.string().check(z.minLength(1)), key: z.string().check(z.minLength(1)) })),
  bodyLimitBytes: z._default(z.int().check(z.gte(1_024), z.lte(1_048_576)), 65_536),
  /** The gateway's public https:// address; providers send delivery receipts to it. */
  publicUrl: z.optional(baseUrl()),
}), {});

export type ServerConfig = z.output<typeof serverSchema>;
