// The Deliveries page: the delivery log searched by number, user, event, transaction, outcome,
// receipt, provider, country, channel, request type, guard rule and time; the count of what matches,
// and the same search as a CSV file (export.ts).
import type { CountryCode } from 'libphonenumber-js/max';
import * as z from '../../core/zod.js';
import type { CallRow, SearchFilters } from '../../store/types.js';
import { CHANNELS, REQUEST_TYPES, type Status } from '../../core/domain.js';
import { toDestination } from '../../core/phone.js';
import { maskPhone, phoneHash } from '../../core/mask.js';
import type { AdminContext } from './context.js';

/** A delivery-log row as the browser sees it: the masked number only, never the hash. */
export type DeliveryView = Omit<CallRow, 'phoneHash'>;

const status = z.enum(['SUCCESSFUL', 'PENDING', 'FAILED']);
/** Epoch ms, or an ISO date / date-time. */
export const time = z.pipe(
  z.union([z.coerce.number().check(z.int(), z.nonnegative()), z.iso.datetime({ offset: true }), z.iso.date()]),
  z.transform((v) => (typeof v === 'number' ? v : Date.parse(v))),
);
/** A name as configuration writes them (providers, guard rules): letters, digits and `._:-`. */
const name = (max: number) => z.string().check(z.trim(), z.maxLength(max), z.regex(/^[\w.:-]*$/, 'expected letters, digits, ".", "_", ":" or "-"'));
/** An enum the page's "Any" choice may leave empty. */
const anyOf = <T extends readonly [string, ...string[]]>(values: T) => z.optional(z.union([z.enum(values), z.literal('')]));

/** The filters, without paging: what the search, the count and the export share. */
export const deliveriesFilters = z.object({
  phone: z.optional(z.string().check(z.trim(), z.maxLength(64))),
  /** Part of an Okta user id or login, in any case. */
  user: z.optional(z.string().check(z.trim(), z.maxLength(256))),
  eventId: z.optional(z.string().check(z.trim(), z.maxLength(256))),
  transactionId: z.optional(z.string().check(z.trim(), z.maxLength(256))),
  status: z.optional(z.union([status, z.literal('')])),
  /** What the provider's receipt said: a SUCCESSFUL answer whose message never arrived is `undelivered`. */
  receipt: anyOf(['delivered', 'undelivered', 'failed', 'sent', 'none'] as const),
  /** The provider that gave the final answer. */
  provider: z.optional(name(64)),
  /** ISO 3166 alpha-2, any case. */
  country: z.optional(z.union([
    z.pipe(z.string().check(z.trim(), z.regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code')), z.transform((c) => c.toUpperCase())),
    z.literal(''),
  ])),
  channel: anyOf(CHANNELS),
  requestType: anyOf(REQUEST_TYPES),
  /** The guard's rule that refused the call (`limits.phone`…). */
  rule: z.optional(name(128)),
  /** Epoch ms, or an ISO date / date-time. */
  from: z.optional(time),
  to: z.optional(time),
});

const fromBeforeTo: [(q: { from?: number; to?: number }) => boolean, { path: string[]; message: string }] = [
  (q) => q.from === undefined || q.to === undefined || q.from <= q.to,
  { path: ['from'], message: 'expected a From date on or before the To date' },
];

export const deliveriesQuery = z.extend(deliveriesFilters, {
  /** Paging: rows received before this (epoch ms). */
  before: z.optional(z.coerce.number().check(z.int(), z.nonnegative())),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50),
}).check(z.refine(...fromBeforeTo));

export const exportQuery = deliveriesFilters.check(z.refine(...fromBeforeTo));

/** The store's filters for the page's. */
export function searchFilters(ctx: AdminContext, q: z.output<typeof deliveriesFilters>): SearchFilters {
  const filters: SearchFilters = {};
  if (q.phone) {
    const region = ctx.config.phone.defaultRegion as CountryCode;
    // The same number the hook hashed: E.164 when it reads as a number, else as typed.
    const dest = toDestination(q.phone, region);
    filters.phoneHash = phoneHash(dest?.e164 ?? q.phone, ctx.hashKey);
  }
  // One box for both an id (00u…) and a login, matched by part.
  if (q.user) filters.userLike = q.user;
  if (q.eventId) filters.eventId = q.eventId;
  if (q.transactionId) filters.transactionId = q.transactionId;
  if (q.status) filters.status = q.status as Status;
  if (q.receipt) filters.receiptStatus = q.receipt;
  if (q.provider) filters.provider = q.provider;
  if (q.country) filters.country = q.country;
  if (q.channel) filters.channel = q.channel;
  if (q.requestType) filters.requestType = q.requestType;
  if (q.rule) filters.blockedBy = q.rule;
  if (q.from !== undefined) filters.fromMs = q.from;
  if (q.to !== undefined) filters.toMs = q.to;
  return filters;
}

export async function deliveries(ctx: AdminContext, q: z.output<typeof deliveriesQuery>): Promise<{ rows: DeliveryView[]; total: number; next?: number }> {
  const filters = searchFilters(ctx, q);
  const [rows, total] = await Promise.all([
    ctx.store.search({ ...filters, limit: q.limit, ...(q.before !== undefined ? { beforeMs: q.before } : {}) }),
    ctx.store.count(filters),
  ]);
  return { rows: rows.map(toView), total, ...(rows.length === q.limit ? { next: rows.at(-1)!.receivedAt } : {}) };
}

export function toView(row: CallRow): DeliveryView {
  const rest: DeliveryView & { phoneHash?: string } = { ...row };
  delete rest.phoneHash;
  // Defence in depth: the log keeps masked numbers only, and so does the page.
  return { ...rest, phoneMasked: rest.phoneMasked.includes('*') ? rest.phoneMasked : maskPhone(rest.phoneMasked) };
}
