import * as z from 'zod';
import { baseProviderSchema, callbackTokenSchema, e164, feedbackOption, defineOptions } from '../base.js';

const baseUrl = (what: string) => z.url({ protocol: /^https?$/, error: `expected the ${what} base URL, e.g. https://sms.8x8.com` })
  .transform((url) => url.replace(/\/+$/, ''));

function schema() {
  return baseProviderSchema.extend({
    kind: z.literal('eightbyeight'),
    apiKey: z.string().min(1, 'expected the 8x8 API key'),
    subAccountId: z.string().regex(/^[A-Za-z0-9\-._&]{3,50}$/, 'expected an 8x8 sub-account id (3 to 50 letters, digits, - . _ or &)'),
    /** SMS sender id (alphanumeric or number); 8x8 uses the sub-account's default when absent. */
    sender: z.string().min(1).max(16, 'expected a sender id of at most 16 characters').optional(),
    /** Caller id for voice calls; 8x8 requires it to be whitelisted on the sub-account. */
    callerId: e164().optional(),
    /** Per data-centre region: https://sms.8x8.com (Asia), https://sms.us.8x8.com, https://sms.8x8.uk, https://sms.8x8.id. */
    smsBaseUrl: baseUrl('SMS').default('https://sms.8x8.com'),
    voiceBaseUrl: baseUrl('voice').default('https://voice.8x8.com'),
    /** Voice profile per BCP 47 tag or language, over the built-in table (GET …/speech-profiles lists the account's). */
    voiceProfiles: z.record(z.string(), z.string().min(1)).default({}),
    callbackToken: callbackTokenSchema.optional(),
    /** SMS Success Feedback (`outcome: success`) for each SMS whose code was used; messages then go with `track: Outcome`. */
    feedback: feedbackOption,
  }).superRefine((c, ctx) => {
    const voice = c.channels === undefined || c.channels.includes('voice');
    if (voice && c.callerId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['callerId'], message: 'expected E.164 number: 8x8 voice calls need a whitelisted caller id (or set channels: [sms])' });
    }
  });
}

export const eightbyeightOptions = defineOptions('eightbyeight', ['sms', 'voice'], schema);
