import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { baseProviderSchema, callbackTokenSchema, e164, feedbackOption, defineOptions } from '../base.js';

const regionalUrl = (what: string) => baseUrl(`expected the ${what} base URL, e.g. https://sms.8x8.com`);

function schema() {
  return z.extend(baseProviderSchema, {
    kind: z.literal('eightbyeight'),
    apiKey: z.string().check(z.minLength(1, 'expected the 8x8 API key')),
    subAccountId: z.string().check(z.regex(/^[A-Za-z0-9\-._&]{3,50}$/, 'expected an 8x8 sub-account id (3 to 50 letters, digits, - . _ or &)')),
    /** SMS sender id (alphanumeric or number); 8x8 uses the sub-account's default when absent. */
    sender: z.optional(z.string().check(z.minLength(1), z.maxLength(16, 'expected a sender id of at most 16 characters'))),
    /** Caller id for voice calls; 8x8 requires it to be whitelisted on the sub-account. */
    callerId: z.optional(e164()),
    /** Per data-centre region: https://sms.8x8.com (Asia), https://sms.us.8x8.com, https://sms.8x8.uk, https://sms.8x8.id. */
    smsBaseUrl: z._default(regionalUrl('SMS'), 'https://sms.8x8.com'),
    voiceBaseUrl: z._default(regionalUrl('voice'), 'https://voice.8x8.com'),
    /** Voice profile per BCP 47 tag or language, over the built-in table (GET …/speech-profiles lists the account's). */
    voiceProfiles: z._default(z.record(z.string(), z.string().check(z.minLength(1))), {}),
    callbackToken: z.optional(callbackTokenSchema),
    /** SMS Success Feedback (`outcome: success`) for each SMS whose code was used; messages then go with `track: Outcome`. */
    feedback: feedbackOption,
  }).check(z.superRefine((c, ctx) => {
    const voice = c.channels === undefined || c.channels.includes('voice');
    if (voice && c.callerId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['callerId'], message: 'expected E.164 number: 8x8 voice calls need a whitelisted caller id (or set channels: [sms])' });
    }
  }));
}

export const eightbyeightOptions = defineOptions('eightbyeight', ['sms', 'voice'], schema);
