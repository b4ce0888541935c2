import * as z from '../../core/zod.js';
import { baseProviderSchema, defineOptions } from '../base.js';

function schema() {
  return z.extend(baseProviderSchema, { kind: z.literal('console') });
}

export const consoleOptions = defineOptions('console', ['sms', 'voice'], schema);
