import * as z from 'zod';
import { baseProviderSchema, e164, defineOptions } from '../base.js';

function schema() {
  return baseProviderSchema.extend({
    kind: z.literal('plivo'),
    authId: z.string({ error: 'expected the Plivo Auth ID' }).min(1, 'expected the Plivo Auth ID'),
    authToken: z.string({ error: 'expected the Plivo Auth Token' }).min(1, 'expected the Plivo Auth Token'),
    /** A Plivo number: the SMS source and the caller id. */
    from: e164('expected E.164 number', { required: true }),
    baseUrl: z.url({ error: 'expected a URL' }).default('https://api.plivo.com'),
    /** Override the `<Speak>` voice per locale or language: WOMAN, MAN or a Polly voice, e.g. { 'en-GB': 'MAN' }. */
    voices: z.record(z.string(), z.string().min(1)).default({}),
  });
}

export const plivoOptions = defineOptions('plivo', ['sms', 'voice'], schema);
