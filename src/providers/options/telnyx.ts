import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import * as z from '../../core/zod.js';
import { baseUrl } from '../../core/base-url.js';
import { baseProviderSchema, e164, defineOptions } from '../base.js';

function schema() {
  return z.extend(baseProviderSchema, {
    kind: z.literal('telnyx'),
    apiKey: z.string({ error: 'expected the Telnyx API key' }).check(z.minLength(1, 'expected the Telnyx API key')),
    /** A Telnyx number on the messaging profile (SMS) and the caller id (voice). */
    from: e164('expected E.164 number', { required: true }),
    messagingProfileId: z.optional(z.string().check(z.minLength(1, 'expected a messaging profile id'))),
    /** The Call Control application's id (Mission Control → Voice → Programmable Voice); enables voice. */
    connectionId: z.optional(z.string().check(z.minLength(1, 'expected the Call Control application id'))),
    /** Named so that a configuration written for the removed TeXML endpoint is refused, not silently stripped of voice. */
    texmlApplicationId: z.optional(z.never({ error: 'Telnyx removed the TeXML calls endpoint (2026-01-30): set connectionId to a Call Control application id instead' })),
    /** Account public key (Mission Control → Keys & Credentials), base64; needed to accept delivery receipts. */
    publicKey: z.optional(z.string().check(z.refine(isEd25519PublicKey, 'expected the base64 Ed25519 public key (32 bytes) from Mission Control'))),
    baseUrl: z._default(baseUrl(), 'https://api.telnyx.com/v2'),
    /** Override the speak voice per locale or language, e.g. { fr: 'AWS.Polly.Remi-Neural' }. */
    voices: z._default(z.record(z.string(), z.string().check(z.minLength(1))), {}),
  }).check(z.superRefine((config, ctx) => {
    if (config.channels?.includes('voice') && !config.connectionId) {
      ctx.addIssue({ code: 'custom', path: ['connectionId'], message: 'voice needs the Call Control application id' });
    }
    if (config.channels?.includes('voice') && !config.publicKey) {
      ctx.addIssue({ code: 'custom', path: ['publicKey'], message: 'voice needs the public key: the script is spoken when a signed call.answered webhook arrives' });
    }
  }));
}

export const telnyxOptions = defineOptions('telnyx', ['sms', 'voice'], schema);

function isEd25519PublicKey(value: string): boolean {
  try {
    ed25519Key(value);
    return true;
  } catch {
    return false;
  }
}

/** The Ed25519 public key whose 32 bytes `base64` holds; throws when it holds none. */
export function ed25519Key(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  // Required on first use, not imported: validating a configuration (byot check-config) loads node:crypto only for a key.
  const { createPublicKey } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}
