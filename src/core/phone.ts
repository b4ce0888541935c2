import { createRequire } from 'node:module';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import * as z from './zod.js';
import { strictObject } from './unknown-keys.js';
import type { Destination, NumberType } from './domain.js';

type Libphonenumber = typeof import('libphonenumber-js/max');
let loaded: Libphonenumber | undefined;

/**
 * libphonenumber-js with its full metadata, loaded (synchronously, its CommonJS build) the first
 * time a number or a region is checked: it is a large share of start-up, which `byot check-config`
 * of a file naming no region, and `byot --help`, need not pay.
 */
export function phoneLib(): Libphonenumber {
  return (loaded ??= createRequire(import.meta.url)('libphonenumber-js/max') as Libphonenumber);
}

/**
 * The same, loaded ahead of its first use: `byot serve` calls it once listening (cli/serve.ts), so
 * the first OTP does not pay. An import, unlike phoneLib's require, is one file of the bundled
 * command (scripts/build-cli.mjs) rather than a hundred modules resolved one by one.
 */
export async function preloadPhoneLib(): Promise<void> {
  // Already there when the configuration named a region (checked while it was read).
  if (loaded) return;
  const lib: Libphonenumber = await import('libphonenumber-js/max');
  loaded ??= lib;
}

/** A region libphonenumber knows (ISO 3166-1 alpha-2), as configuration gives it. */
export const regionSchema = z.string().check(z.refine((r) => phoneLib().isSupportedCountry(r), 'expected an ISO 3166-1 alpha-2 region, e.g. US'));

/** The `phone:` section of the configuration. */
export const phoneSchema = z.prefault(strictObject({
  /** Region used for numbers Okta sends without a country code. */
  defaultRegion: z._default(regionSchema, 'US'),
}), {});
export type PhoneConfig = z.output<typeof phoneSchema>;

/** Characters a phone number may be written with; anything else means it is not a number at all. */
const NUMBER_LIKE = /^\+?[\d\s().-]+$/;

/** True when `raw` could be a phone number: digits and punctuation only, 3 to 17 digits. */
export function looksLikePhoneNumber(raw: string): boolean {
  if (!NUMBER_LIKE.test(raw)) return false;
  const digits = raw.replace(/\D/g, '').length;
  return digits >= 3 && digits <= 17;
}

/**
 * Okta's `phoneNumber` to E.164. Okta normally sends `+` and a country code; a number
 * without `+` is first read as international (Okta's sample `9876543210`), then with the
 * configured region, and the valid reading wins. Returns undefined when no reading is
 * even possible for a phone number.
 */
export function toDestination(raw: string, defaultRegion: CountryCode): Destination | undefined {
  const trimmed = raw.trim();
  const { parsePhoneNumberFromString } = phoneLib();
  const readings = trimmed.startsWith('+')
    ? [parsePhoneNumberFromString(trimmed)]
    : [parsePhoneNumberFromString('+' + trimmed), parsePhoneNumberFromString(trimmed, defaultRegion)];
  // With the full metadata a number is valid exactly when it has a type, so its type is computed
  // once per reading (isValid() would compute it again).
  let best: { number: PhoneNumber; type: NumberType | undefined } | undefined;
  for (const number of readings) {
    if (!number?.isPossible()) continue;
    const type = number.getType() as NumberType | undefined;
    if (type !== undefined) {
      best = { number, type };
      break;
    }
    best ??= { number, type };
  }
  if (!best) return undefined;
  const { number, type } = best;
  return {
    e164: number.number,
    // An invalid number still has a calling code: its main country serves routing and policy.
    country: number.country ?? number.getPossibleCountries()[0],
    type: type ?? 'UNKNOWN',
    valid: type !== undefined,
  };
}
