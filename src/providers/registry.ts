import { byKind, type ProviderKind } from './base.js';
import { awsProvider } from './aws.js';
import { consoleProvider } from './console.js';
import { eightbyeightProvider } from './eightbyeight.js';
import { httpTemplateProvider } from './http-template.js';
import { infobipProvider } from './infobip.js';
import { plivoProvider } from './plivo.js';
import { sinchProvider } from './sinch.js';
import { telnyxProvider } from './telnyx.js';
import { twilioProvider } from './twilio.js';
import { vonageProvider } from './vonage.js';

/**
 * Every provider kind's adapter. The kinds themselves are those of options/index.ts, which validates
 * configurations without loading this file; test/providers/registry.test.ts fails when the two lists
 * differ or an adapter is not built on its kind's options.
 */
const kinds = byKind([
  awsProvider, consoleProvider, eightbyeightProvider, httpTemplateProvider, infobipProvider, plivoProvider,
  sinchProvider, telnyxProvider, twilioProvider, vonageProvider,
] as ProviderKind[]);

export function providerKind(kind: string): ProviderKind | undefined {
  return kinds.get(kind);
}

/** The kinds that have an adapter, for test/providers/registry.test.ts to hold against the options. */
export function adapterKindNames(): string[] {
  return [...kinds.keys()].sort();
}
