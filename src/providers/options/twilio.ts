import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { baseProviderSchema, e164, feedbackOption, defineOptions } from '../base.js';

function schema() {
  return z.extend(baseProviderSchema, {
    kind: z.literal('twilio'),
    accountSid: z.string({ error: 'expected the Account SID (AC followed by 32 hex digits)' })
      .check(z.regex(/^AC[0-9a-f]{32}$/i, 'expected the Account SID (AC followed by 32 hex digits)')),
    /** The API password unless an API key is given; always what signs the status callbacks. */
    authToken: z.optional(z.string().check(z.minLength(1, 'expected the auth token'))),
    apiKeySid: z.optional(z.string().check(z.regex(/^SK[0-9a-f]{32}$/i, 'expected an API key SID (SK followed by 32 hex digits)'))),
    apiKeySecret: z.optional(z.string().check(z.minLength(1, 'expected the API key secret'))),
    /** Caller id for calls, and the SMS sender unless a Messaging Service is given. */
    from: z.optional(e164()),
    /** SMS sender pool (MG…); takes precedence over `from` for SMS. */
    messagingServiceSid: z.optional(z.string().check(z.regex(/^MG[0-9a-f]{32}$/i, 'expected a Messaging Service SID (MG followed by 32 hex digits)'))),
    baseUrl: z._default(baseUrl(), 'https://api.twilio.com'),
    /** Message Feedback (`Outcome=confirmed`) for each SMS whose code was used; messages then go with `ProvideFeedback=true`. */
    feedback: feedbackOption,
  }).check(z.superRefine((c, ctx) => {
    if (c.authToken === undefined && (c.apiKeySid === undefined || c.apiKeySecret === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['authToken'], message: 'expected authToken, or apiKeySid with apiKeySecret' });
    }
    if ((c.apiKeySid === undefined) !== (c.apiKeySecret === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.apiKeySid === undefined ? 'apiKeySid' : 'apiKeySecret'], message: 'expected apiKeySid and apiKeySecret together' });
    }
    const channels = c.channels ?? twilioOptions.channels;
    if (channels.includes('sms') && c.from === undefined && c.messagingServiceSid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'expected E.164 number (or messagingServiceSid) to send SMS' });
    }
    if (channels.includes('voice') && c.from === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'expected E.164 number to place voice calls' });
    }
  }));
}

export const twilioOptions = defineOptions('twilio', ['sms', 'voice'], schema);
