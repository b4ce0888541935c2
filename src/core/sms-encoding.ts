// What an SMS body costs on the air: GSM 03.38 (GSM-7) or UCS-2, and how many segments.
// The one definition of the GSM-7 alphabet: the Vonage adapter asks it whether to send `unicode`,
// and the admin Preview shows what a text will cost.

export interface SmsEncoding {
  encoding: 'GSM-7' | 'UCS-2';
  /** GSM-7 septets (an extension character takes two), or UTF-16 code units. */
  units: number;
  segments: number;
}

// GSM 03.38 default alphabet, in code order, 16 a row. 0x1B is the escape to the extension table
// and not a character of its own, so it is left out.
const GSM_BASIC = new Set([
  '@£$¥èéùìòÇ\nØø\rÅå',
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
  ' !"#¤%&\'()*+,-./',
  '0123456789:;<=>?',
  '¡ABCDEFGHIJKLMNO',
  'PQRSTUVWXYZÄÖÑÜ§',
  '¿abcdefghijklmno',
  'pqrstuvwxyzäöñüà',
].join(''));

// The extension table: each is sent as ESC plus a code, two septets.
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const LIMITS = { 'GSM-7': { single: 160, part: 153 }, 'UCS-2': { single: 70, part: 67 } } as const;

/**
 * How a provider will encode an SMS body and how many segments it will bill. One character
 * outside GSM 03.38 turns the whole message into UCS-2, which fits less than half as much.
 */
export function smsEncoding(text: string): SmsEncoding {
  const chars = [...text];
  const encoding = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c)) ? 'GSM-7' : 'UCS-2';
  const costs = chars.map((c) => (encoding === 'UCS-2' ? c.length : GSM_EXTENSION.has(c) ? 2 : 1));
  const units = costs.reduce((a, b) => a + b, 0);
  const { single, part } = LIMITS[encoding];
  return { encoding, units, segments: units <= single ? 1 : segmentsOf(costs, part) };
}

/**
 * Segments of a multipart message. The concatenation header leaves `size` units a part, and a
 * character never straddles two parts (an escape pair or a surrogate pair moves whole to the
 * next), so a part can hold one unit less than `size`.
 */
function segmentsOf(costs: readonly number[], size: number): number {
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > size) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return segments;
}
