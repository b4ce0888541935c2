// The Deliveries page: the delivery log searched by number, user, transaction, status and time.
import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { CallRow, SearchFilters } from '../../store/types.js';
import type { Status } from '../../core/domain.js';
import { toDestination } from '../../core/phone.js';
import { maskPhone, phoneHash } from '../../core/mask.js';
import type { AdminContext } from './context.js';

/** A delivery-log row as the browser sees it: the masked number only, never the hash. */
export type DeliveryView = Omit<CallRow, 'phoneHash'>;

const status = z.enum(['SUCCESSFUL', 'PENDING', 'FAILED']);
const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));

export const deliveriesQuery = z.object({
  phone: z.string().trim().max(64).optional(),
  /** An Okta user id or login. */
  user: z.string().trim().max(256).optional(),
  transactionId: z.string().trim().max(256).optional(),
  status: z.union([status, z.literal('')]).optional(),
  /** What the provider's receipt said: a SUCCESSFUL answer whose message never arrived is `undelivered`. */
  receipt: z.enum(['delivered', 'undelivered', 'failed', 'sent', 'none', '']).optional(),
  /** Epoch ms, or an ISO date / date-time. */
  from: time.optional(),
  to: time.optional(),
  /** Paging: rows received before this (epoch ms). */
  before: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { path: ['from'], message: 'expected a From date on or before the To date' });

export async function deliveries(ctx: AdminContext, q: z.output<typeof deliveriesQuery>): Promise<{ rows: DeliveryView[]; next?: number }> {
  const filters: SearchFilters = { limit: q.limit };
  if (q.phone) {
    const region = ctx.config.phone.defaultRegion as CountryCode;
    // The same number the hook hashed: E.164 when it reads as a number, else as typed.
    const dest = toDestination(q.phone, region);
    filters.phoneHash = phoneHash(dest?.e164 ?? q.phone, ctx.hashKey);
  }
  if (q.transactionId) filters.transactionId = q.transactionId;
  if (q.status) filters.status = q.status as Status;
  if (q.receipt) filters.receiptStatus = q.receipt;
  if (q.from !== undefined) filters.fromMs = q.from;
  if (q.to !== undefined) filters.toMs = q.to;
  if (q.before !== undefined) filters.beforeMs = q.before;
  let rows: CallRow[];
  if (q.user) {
    // One box for both: an id (00u…) or a login; the log is searched for either.
    const [byId, byLogin] = await Promise.all([
      ctx.store.search({ ...filters, userId: q.user }),
      ctx.store.search({ ...filters, login: q.user }),
    ]);
    const merged = new Map([...byId, ...byLogin].map((r) => [r.eventId, r]));
    rows = [...merged.values()].sort((a, b) => b.receivedAt - a.receivedAt || b.eventId.localeCompare(a.eventId)).slice(0, q.limit);
  } else {
    rows = await ctx.store.search(filters);
  }
  const view = rows.map(toView);
  return { rows: view, ...(rows.length === q.limit ? { next: rows.at(-1)!.receivedAt } : {}) };
}

function toView(row: CallRow): DeliveryView {
  const rest: DeliveryView & { phoneHash?: string } = { ...row };
  delete rest.phoneHash;
  // Defence in depth: the log keeps masked numbers only, and so does the page.
  return { ...rest, phoneMasked: rest.phoneMasked.includes('*') ? rest.phoneMasked : maskPhone(rest.phoneMasked) };
}

