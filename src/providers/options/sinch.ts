import * as z from 'zod';
import { strictObject } from '../../core/unknown-keys.js';
import { baseProviderSchema, e164, e164Or, defineOptions } from '../base.js';

/** What the batches API accepts as `from`: an E.164 number, a short code or an alphanumeric sender. */
const SMS_SENDER = e164Or(/\d{3,8}/, /[A-Za-z0-9 ]{1,11}/);

function schema() {
  /** An http(s) base URL without its trailing slash. */
  const baseUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
  const smsSchema = strictObject({
    servicePlanId: z.string().regex(/^[A-Za-z0-9]+$/, 'expected the service plan id from the Sinch dashboard'),
    apiToken: z.string().min(1, 'expected the API token of the service plan'),
    from: z.string().regex(SMS_SENDER, 'expected an E.164 number, a short code or an alphanumeric sender of up to 11 characters'),
    region: z.enum(['us', 'eu', 'au', 'br', 'ca']).default('us'),
    /** Replaces the regional host (tests point it at a mock). */
    baseUrl: baseUrl.optional(),
    /** HMAC secret Sinch signs delivery reports with (provisioned by Sinch); without it no reports are requested. */
    callbackSecret: z.string().min(1, 'expected the webhook secret Sinch configured for the service plan').optional(),
  });
  const voiceSchema = strictObject({
    applicationKey: z.string().min(1, 'expected the voice application key'),
    /** As shown in the dashboard: Sinch signs with its base64-decoded bytes. */
    applicationSecret: z.base64('expected the base64 application secret from the Sinch dashboard'),
    /** Caller id shown to the callee: a number of the Sinch account. */
    cli: e164().optional(),
    region: z.enum(['global', 'us', 'eu', 'sa', 'apse1', 'apse2']).default('global'),
    baseUrl: baseUrl.optional(),
  });
  return baseProviderSchema.extend({
    kind: z.literal('sinch'),
    sms: smsSchema.optional(),
    voice: voiceSchema.optional(),
  }).superRefine((config, ctx) => {
    if (!config.sms && !config.voice) ctx.addIssue({ code: 'custom', path: ['sms'], message: 'expected an sms or a voice section' });
    for (const channel of config.channels ?? []) {
      if (!config[channel]) ctx.addIssue({ code: 'custom', path: [channel], message: `expected a ${channel} section when channels include ${channel}` });
    }
  });
}

export const sinchOptions = defineOptions('sinch', ['sms', 'voice'], schema);
