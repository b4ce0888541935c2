import * as z from '../../core/zod.js';
import { baseProviderSchema, feedbackOption, defineOptions } from '../base.js';

function schema() {
  const endpoint = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. a VPC endpoint' });
  return z.extend(baseProviderSchema, {
    kind: z.literal('aws'),
    region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as us-east-1')),
    /** Static credentials; leave all out to use the SDK's default chain (env, profile, instance/task role). */
    accessKeyId: z.optional(z.string().check(z.minLength(1, 'expected an access key id'))),
    secretAccessKey: z.optional(z.string().check(z.minLength(1, 'expected a secret access key'))),
    sessionToken: z.optional(z.string().check(z.minLength(1))),
    /** Which service sends SMS: End User Messaging SMS and Voice v2 (default) or SNS. Voice is always End User Messaging. */
    sms: z._default(z.enum(['end-user-messaging', 'sns'], { error: 'expected end-user-messaging or sns' }), 'end-user-messaging'),
    /**
     * End User Messaging: phone number, sender id, pool or their ARN/id (required for voice).
     * SNS: an E.164 number becomes AWS.MM.SMS.OriginationNumber, anything else AWS.SNS.SMS.SenderID.
     */
    originationIdentity: z.optional(z.string().check(z.minLength(1))),
    configurationSetName: z.optional(z.string().check(z.minLength(1))),
    /** Spoken as SSML (slowed down, text escaped) or as plain text. */
    voiceTextType: z._default(z.enum(['SSML', 'TEXT'], { error: 'expected SSML or TEXT' }), 'SSML'),
    /** End User Messaging endpoint (tests, VPC endpoints); default https://sms-voice.{region}.amazonaws.com. */
    endpoint: z.optional(endpoint),
    /** SNS endpoint; default https://sns.{region}.amazonaws.com. */
    snsEndpoint: z.optional(endpoint),
    /**
     * End User Messaging message feedback: sends go with MessageFeedbackEnabled and each one whose code
     * was used gets PutMessageFeedback RECEIVED (AWS marks the others FAILED after an hour). Not for SNS.
     */
    feedback: feedbackOption,
  }).check(z.superRefine((c, ctx) => {
    if ((c.accessKeyId === undefined) !== (c.secretAccessKey === undefined)) {
      const missing = c.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
      ctx.addIssue({ code: 'custom', path: [missing], message: `expected ${missing} with ${missing === 'accessKeyId' ? 'secretAccessKey' : 'accessKeyId'} (or neither, for the default credential chain)` });
    }
    if (c.sessionToken !== undefined && c.accessKeyId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'expected accessKeyId and secretAccessKey with sessionToken' });
    }
    const voice = c.channels === undefined || c.channels.includes('voice');
    if (voice && c.originationIdentity === undefined) {
      ctx.addIssue({ code: 'custom', path: ['originationIdentity'], message: 'expected the origination phone number (or pool) that places voice calls (or set channels: [sms])' });
    }
  }));
}

export const awsOptions = defineOptions('aws', ['sms', 'voice'], schema);
