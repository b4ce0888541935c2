import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { strictObject } from '../../core/unknown-keys.js';
import { baseProviderSchema, e164, e164Or, defineOptions } from '../base.js';

/** What the batches API accepts as `from`: an E.164 number, a short code or an alphanumeric sender. */
const SMS_SENDER = e164Or(/\d{3,8}/, /[A-Za-z0-9 ]{1,11}/);

function schema() {
  const smsSchema = strictObject({
    servicePlanId: z.string().check(z.regex(/^[A-Za-z0-9]+$/, 'expected the service plan id from the Sinch dashboard')),
    apiToken: z.string().check(z.minLength(1, 'expected the API token of the service plan')),
    from: z.string().check(z.regex(SMS_SENDER, 'expected an E.164 number, a short code or an alphanumeric sender of up to 11 characters')),
    region: z._default(z.enum(['us', 'eu', 'au', 'br', 'ca']), 'us'),
    /** Replaces the regional host (tests point it at a mock). */
    baseUrl: z.optional(baseUrl()),
    /** HMAC secret Sinch signs delivery reports with (provisioned by Sinch); without it no reports are requested. */
    callbackSecret: z.optional(z.string().check(z.minLength(1, 'expected the webhook secret Sinch configured for the service plan'))),
  });
  const voiceSchema = strictObject({
    applicationKey: z.string().check(z.minLength(1, 'expected the voice application key')),
    /** As shown in the dashboard: Sinch signs with its base64-decoded bytes. */
    applicationSecret: z.base64('expected the base64 application secret from the Sinch dashboard'),
    /** Caller id shown to the callee: a number of the Sinch account. */
    cli: z.optional(e164()),
    region: z._default(z.enum(['global', 'us', 'eu', 'sa', 'apse1', 'apse2']), 'global'),
    baseUrl: z.optional(baseUrl()),
  });
  return z.extend(baseProviderSchema, {
    kind: z.literal('sinch'),
    sms: z.optional(smsSchema),
    voice: z.optional(voiceSchema),
  }).check(z.superRefine((config, ctx) => {
    if (!config.sms && !config.voice) ctx.addIssue({ code: 'custom', path: ['sms'], message: 'expected an sms or a voice section' });
    for (const channel of config.channels ?? []) {
      if (!config[channel]) ctx.addIssue({ code: 'custom', path: [channel], message: `expected a ${channel} section when channels include ${channel}` });
    }
  }));
}

export const sinchOptions = defineOptions('sinch', ['sms', 'voice'], schema);
