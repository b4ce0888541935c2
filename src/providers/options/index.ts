import { byKind, type ProviderOptions } from '../base.js';
import { awsOptions } from './aws.js';
import { consoleOptions } from './console.js';
import { eightbyeightOptions } from './eightbyeight.js';
import { httpTemplateOptions } from './http-template.js';
import { infobipOptions } from './infobip.js';
import { plivoOptions } from './plivo.js';
import { sinchOptions } from './sinch.js';
import { telnyxOptions } from './telnyx.js';
import { twilioOptions } from './twilio.js';
import { vonageOptions } from './vonage.js';

/**
 * Every provider kind the gateway knows, by its options: all that validating a configuration needs,
 * without the adapters. Adding a provider means its options here and its adapter in ../registry.ts.
 */
const kinds = byKind<ProviderOptions>([
  awsOptions, consoleOptions, eightbyeightOptions, httpTemplateOptions, infobipOptions, plivoOptions,
  sinchOptions, telnyxOptions, twilioOptions, vonageOptions,
]);

export function providerOptions(kind: string): ProviderOptions | undefined {
  return kinds.get(kind);
}

export function providerKindNames(): string[] {
  return [...kinds.keys()].sort();
}
