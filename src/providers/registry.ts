import type { ProviderKind } from './base.js';
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

/** Every provider kind the gateway knows; adding a provider means adding its file and one line here. */
const kinds: ReadonlyMap<string, ProviderKind> = new Map(
  ([
    awsProvider, consoleProvider, eightbyeightProvider, httpTemplateProvider, infobipProvider, plivoProvider,
    sinchProvider, telnyxProvider, twilioProvider, vonageProvider,
  ] as ProviderKind[]).map((k) => [k.kind, k]),
);

export function providerKind(kind: string): ProviderKind | undefined {
  return kinds.get(kind);
}

export function providerKindNames(): string[] {
  return [...kinds.keys()].sort();
}
