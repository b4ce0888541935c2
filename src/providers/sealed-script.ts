// A voice script a provider carries for us until the callee answers (Plivo's answer_url, Telnyx's
// client_state), sealed with AES-256-GCM so the code never travels or rests in clear at the
// provider, and with an expiry so a captured token is worthless minutes later. Stateless: any
// instance holding the same provider secret can open it.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface VoiceScript {
  text: string;
  locale: string;
  /** Epoch milliseconds after which the script must not be spoken. */
  expires: number;
}

/** How long a sealed script stays valid: call setup plus ringing, with room to spare. */
export const SCRIPT_TTL_MS = 5 * 60_000;

/** A 32-byte key derived from a provider secret; `purpose` keeps keys of different adapters apart. */
export function scriptKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'byot-gateway', purpose, 32));
}

/** iv ‖ ciphertext ‖ tag. */
export function sealScript(key: Buffer, script: VoiceScript): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(script), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** The script, or undefined when the token was tampered with, sealed under another key or is not a script. */
export function openScript(key: Buffer, raw: Buffer): VoiceScript | undefined {
  if (raw.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    const value = JSON.parse(text) as Partial<VoiceScript>;
    if (typeof value.text !== 'string' || typeof value.locale !== 'string' || typeof value.expires !== 'number') return undefined;
    return { text: value.text, locale: value.locale, expires: value.expires };
  } catch {
    return undefined;
  }
}
