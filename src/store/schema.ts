// The `store:` section of the configuration: where the delivery log lives.
import * as z from '../core/zod.js';
import { strictObject } from '../core/unknown-keys.js';

export const storeSchema = z.prefault(strictObject({
  /** SQLite file of the delivery log; its folder also keeps generated secrets. */
  path: z._default(z.string().check(z.minLength(1)), 'data/byot.sqlite'),
  /** A PostgreSQL URL puts the delivery log there instead, shared by every instance. */
  url: z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'))),
  poolSize: z._default(z.int().check(z.gte(1), z.lte(100)), 10),
  /** Key of the phone-number hash in the delivery log; generated and kept beside the log when unset. */
  hashKey: z.optional(z.string().check(z.minLength(16, 'expected at least 16 characters'))),
}), {});

export type StoreConfig = z.output<typeof storeSchema>;
