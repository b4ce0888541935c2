// The `store:` section of the configuration: where the delivery log lives.
import * as z from 'zod';
import { strictObject } from '../core/unknown-keys.js';

export const storeSchema = strictObject({
  /** SQLite file of the delivery log; its folder also keeps generated secrets. */
  path: z.string().min(1).default('data/byot.sqlite'),
  /** A PostgreSQL URL puts the delivery log there instead, shared by every instance. */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  poolSize: z.number().int().min(1).max(100).default(10),
  /** Key of the phone-number hash in the delivery log; generated and kept beside the log when unset. */
  hashKey: z.string().min(16, 'expected at least 16 characters').optional(),
}).prefault({});

export type StoreConfig = z.output<typeof storeSchema>;
