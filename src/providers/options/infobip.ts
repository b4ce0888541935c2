import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { baseProviderSchema, e164, e164Or, defineOptions } from '../base.js';

/** SMS sender: an E.164 number or an alphanumeric sender id. */
const SENDER = e164Or(/[A-Za-z0-9 ]{3,11}/);

function schema() {
  return z.extend(baseProviderSchema, {
    kind: z.literal('infobip'),
    apiKey: z.string().check(z.minLength(1, 'expected the Infobip API key')),
    /** The account's own base URL (https://xxxxx.api.infobip.com); the shared host also answers. */
    baseUrl: z._default(baseUrl(), 'https://api.infobip.com'),
    /** SMS sender. */
    sender: z.optional(z.string().check(z.regex(SENDER, 'expected an E.164 number or an alphanumeric sender of 3 to 11 characters'))),
    /** Caller id of voice calls: a number of the Infobip account. */
    voiceFrom: z.optional(e164()),
    /** Text-to-speech speed, 0.5–2 (1 is normal); slower helps callers write the code down. */
    speechRate: z.optional(z.number().check(z.gte(0.5), z.lte(2))),
    /** Secret last segment of the callback URL, the only proof a delivery report came from Infobip. */
    callbackToken: z.optional(z.string().check(
      z.minLength(24, 'expected a random token of at least 24 characters'),
      z.regex(/^[A-Za-z0-9_-]+$/, 'expected URL-safe characters (A-Z, a-z, 0-9, _ or -)'),
    )),
  }).check(z.superRefine((config, ctx) => {
    if (config.sender === undefined && config.voiceFrom === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sender'], message: 'expected a sender (SMS) or a voiceFrom (voice)' });
    }
    const channels = config.channels ?? [];
    if (channels.includes('sms') && config.sender === undefined) ctx.addIssue({ code: 'custom', path: ['sender'], message: 'expected a sender when channels include sms' });
    if (channels.includes('voice') && config.voiceFrom === undefined) ctx.addIssue({ code: 'custom', path: ['voiceFrom'], message: 'expected E.164 number when channels include voice' });
  }));
}

export const infobipOptions = defineOptions('infobip', ['sms', 'voice'], schema);
