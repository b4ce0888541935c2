import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { baseProviderSchema, e164, defineOptions } from '../base.js';

function schema() {
  return z.extend(baseProviderSchema, {
    kind: z.literal('plivo'),
    authId: z.string({ error: 'expected the Plivo Auth ID' }).check(z.minLength(1, 'expected the Plivo Auth ID')),
    authToken: z.string({ error: 'expected the Plivo Auth Token' }).check(z.minLength(1, 'expected the Plivo Auth Token')),
    /** A Plivo number: the SMS source and the caller id. */
    from: e164('expected E.164 number', { required: true }),
    baseUrl: z._default(baseUrl(), 'https://api.plivo.com'),
    /** Override the `<Speak>` voice per locale or language: WOMAN, MAN or a Polly voice, e.g. { 'en-GB': 'MAN' }. */
    voices: z._default(z.record(z.string(), z.string().check(z.minLength(1))), {}),
  });
}

export const plivoOptions = defineOptions('plivo', ['sms', 'voice'], schema);
