import * as z from 'zod';
import { baseProviderSchema, type ProviderOptions } from '../base.js';

const schema = baseProviderSchema.extend({ kind: z.literal('console') });

export const consoleOptions: ProviderOptions<typeof schema> = { kind: 'console', channels: ['sms', 'voice'], schema };
