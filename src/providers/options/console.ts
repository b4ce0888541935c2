import * as z from 'zod';
import { baseProviderSchema, defineOptions } from '../base.js';

function schema() {
  return baseProviderSchema.extend({ kind: z.literal('console') });
}

export const consoleOptions = defineOptions('console', ['sms', 'voice'], schema);
