// Okta telephony hook requests for the benchmark, built by the gateway's own request builder.
// Every request has a new eventId, phone number, user and client IP, so neither the idempotency
// store nor per-phone/per-user/per-IP velocity limits ever see a repeat. Numbers are valid for
// libphonenumber, and consecutive ones differ in their leading digits: the E.164 number without its
// last 3 digits (the guard's prefix) repeats only every 2.3 million US / 150,000 UK requests, and
// without its last 4 digits every 232,000 / 15,000, so distinct-numbers-per-prefix limits do not trip.
import { randomUUID } from 'node:crypto';
import { buildTelephonyRequest } from '../src/okta/hook-request.js';

export type Region = 'US' | 'GB';

// US area codes; +1 NPA NXX XXXX with NXX 200-999 are valid FIXED_LINE_OR_MOBILE numbers in each.
const US_AREAS = [201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225, 228, 229,
  231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 276, 281, 301, 302, 303, 304, 305, 307, 308,
  309, 310, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 330, 334, 336, 337, 339, 347, 351, 352, 360, 361, 386,
  401, 402, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423, 425, 434, 435, 440, 443, 469, 478, 479,
  480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515, 516, 517, 518, 520, 530, 540, 541, 559, 561, 562,
  563, 567, 570, 571, 573, 574, 580, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616, 617, 618,
  619, 620, 623, 626, 630, 631, 636, 641, 646, 650, 651, 660, 661, 662, 678, 682, 701, 702, 703, 704, 706, 707, 708, 712,
  713, 714, 715, 716, 717, 718, 719, 720, 724, 727, 731, 732, 734, 740, 754, 757, 760, 763, 765, 770, 772, 773, 774, 775,
  781, 785, 786, 801, 802, 803, 804, 805, 806, 810, 812, 813, 814, 815, 816, 817, 818, 828, 830, 831, 832, 843, 845, 847,
  848, 850, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 878, 901, 903, 904, 906, 907, 908, 909, 910, 912, 913, 914,
  915, 916, 917, 918, 919, 920, 925, 928, 931, 936, 937, 940, 941, 947, 949, 951, 952, 954, 956, 970, 971, 972, 973, 978,
  979, 980, 985, 989];
// UK mobile ranges +44 7300-7449 (MOBILE for libphonenumber).
const GB_RANGES = Array.from({ length: 150 }, (_, i) => 300 + i);

/** `i` as a 4-digit line number whose thousands digit changes fastest (the last 3 digits change slowest). */
function line(i: number): string {
  return `${i % 10}${String(Math.floor(i / 10) % 1_000).padStart(3, '0')}`;
}

/** The i-th number of a region; unique for the first 23 million (US) / 15 million (UK) values of i. */
export function phoneNumber(region: Region, i: number): string {
  if (region === 'US') {
    const area = US_AREAS[i % US_AREAS.length]!;
    const j = Math.floor(i / US_AREAS.length);
    return `+1${area}${200 + (j % 800)}${line(Math.floor(j / 800))}`;
  }
  const range = GB_RANGES[i % GB_RANGES.length]!;
  const j = Math.floor(i / GB_RANGES.length);
  return `+447${range}${String(j % 100).padStart(2, '0')}${line(Math.floor(j / 100))}`;
}

export interface Traffic {
  /** The next request body (JSON text). */
  next(): string;
  /** How many bodies were made. */
  readonly count: number;
}

/** A stream of unique SMS OTP requests to numbers of one region. */
export function oktaTraffic(region: Region): Traffic {
  let i = 0;
  return {
    get count() {
      return i;
    },
    next() {
      const n = i++;
      const code = String(100_000 + Math.floor(Math.random() * 900_000));
      return JSON.stringify(buildTelephonyRequest({
        eventId: randomUUID(),
        hookId: 'calz6lVQA77AwFeEe0g3',
        requestId: `reqBench${region}${n.toString(36)}`,
        contextUrl: '/idp/idx/challenge',
        ipAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        firstName: 'Bench',
        lastName: `User${n}`,
        login: `bench.user.${region.toLowerCase()}${n}@example.com`,
        userId: `00ub${region}${n.toString(36).padStart(14, '0')}`,
        phone: phoneNumber(region, n),
        code,
        locale: region === 'GB' ? 'EN-GB' : 'EN-US',
      }));
    },
  };
}
