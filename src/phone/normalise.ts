import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { Destination, NumberType } from '../domain.js';

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
  const readings = trimmed.startsWith('+')
    ? [parsePhoneNumberFromString(trimmed)]
    : [parsePhoneNumberFromString('+' + trimmed), parsePhoneNumberFromString(trimmed, defaultRegion)];
  const candidates = readings.filter((p): p is PhoneNumber => p !== undefined && p.isPossible());
  const best = candidates.find((p) => p.isValid()) ?? candidates[0];
  if (!best) return undefined;
  const valid = best.isValid();
  return {
    e164: best.number,
    // An invalid number still has a calling code: its main country serves routing and policy.
    country: best.country ?? best.getPossibleCountries()[0],
    type: valid ? ((best.getType() as NumberType | undefined) ?? 'UNKNOWN') : 'UNKNOWN',
    valid,
  };
}
