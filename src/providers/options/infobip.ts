import * as z from 'zod';
import { baseProviderSchema, e164, e164Or, defineOptions } from '../base.js';

/** SMS sender: an E.164 number or an alphanumeric sender id. */
const SENDER = e164Or(/[A-Za-z0-9 ]{3,11}/);

function schema() {
  return baseProviderSchema.extend({
    kind: z.literal('infobip'),
    apiKey: z.string().min(1, 'expected the Infobip API key'),
    /** The account's own base URL (https://xxxxx.api.infobip.com); the shared host also answers. */
    baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).transform((u) => u.replace(/\/+$/, '')).default('https://api.infobip.com'),
    /** SMS sender. */
    sender: z.string().regex(SENDER, 'expected an E.164 number or an alphanumeric sender of 3 to 11 characters').optional(),
    /** Caller id of voice calls: a number of the Infobip account. */
    voiceFrom: e164().optional(),
    /** Text-to-speech speed, 0.5–2 (1 is normal); slower helps callers write the code down. */
    speechRate: z.number().min(0.5).max(2).optional(),
    /** Secret last segment of the callback URL, the only proof a delivery report came from Infobip. */
    callbackToken: z.string().min(24, 'expected a random token of at least 24 characters')
      .regex(/^[A-Za-z0-9_-]+$/, 'expected URL-safe characters (A-Z, a-z, 0-9, _ or -)').optional(),
  }).superRefine((config, ctx) => {
    if (config.sender === undefined && config.voiceFrom === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sender'], message: 'expected a sender (SMS) or a voiceFrom (voice)' });
    }
    const channels = config.channels ?? [];
    if (channels.includes('sms') && config.sender === undefined) ctx.addIssue({ code: 'custom', path: ['sender'], message: 'expected a sender when channels include sms' });
    if (channels.includes('voice') && config.voiceFrom === undefined) ctx.addIssue({ code: 'custom', path: ['voiceFrom'], message: 'expected E.164 number when channels include voice' });
  });
}

export const infobipOptions = defineOptions('infobip', ['sms', 'voice'], schema);
