// The Deliveries search as a CSV file: the same filters, newest first, at most EXPORT_MAX_ROWS rows,
// streamed page by page. Masked numbers only (the log has nothing else), no phone hash, no stored
// answer, no receipt code; a cell that a spreadsheet would read as a formula is neutralised.
import { Readable } from 'node:stream';
import type * as z from '../../core/zod.js';
import { SEARCH_MAX_LIMIT } from '../../store/sql.js';
import type { CallRow } from '../../store/types.js';
import { searchFilters, toView, type DeliveryView, type exportQuery } from './deliveries.js';
import type { AdminContext } from './context.js';

/** Most rows in one file; the answer's x-total-count says how many matched. */
export const EXPORT_MAX_ROWS = 10_000;

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

const COLUMNS: [string, (r: DeliveryView) => string | number | undefined][] = [
  ['received_at', (r) => iso(r.receivedAt)],
  ['event_id', (r) => r.eventId],
  ['request_type', (r) => r.requestType],
  ['channel', (r) => r.channel],
  ['phone_masked', (r) => r.phoneMasked],
  ['country', (r) => r.country],
  ['user_id', (r) => r.userId],
  ['login', (r) => r.login],
  ['okta_preview', (r) => (r.preview ? 'yes' : 'no')],
  ['state', (r) => r.state],
  ['status', (r) => r.status],
  ['reason', (r) => r.reason],
  ['blocked_by', (r) => r.blockedBy],
  ['provider', (r) => r.provider],
  ['transaction_id', (r) => r.transactionId],
  ['attempts', (r) => r.attemptCount],
  ['latency_ms', (r) => r.latencyMs],
  ['receipt_status', (r) => r.receiptStatus],
  ['receipt_at', (r) => iso(r.receiptAt)],
  ['verified_at', (r) => iso(r.verifiedAt)],
];

/**
 * One CSV cell (RFC 4180 quoting). A cell starting with = + - @ (or a tab or carriage return) is
 * prefixed with a quote, so that a spreadsheet shows it as text instead of running it as a formula.
 */
export function csvCell(value: string | number | undefined): string {
  let s = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: (string | number | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

export interface DeliveriesCsv {
  /** Calls matching the filters; the file holds the newest `min(total, EXPORT_MAX_ROWS)`. */
  total: number;
  body: Readable;
}

export async function deliveriesCsv(ctx: AdminContext, q: z.output<typeof exportQuery>): Promise<DeliveriesCsv> {
  const filters = searchFilters(ctx, q);
  const total = await ctx.store.count(filters);
  async function* lines(): AsyncGenerator<string> {
    yield line(COLUMNS.map(([header]) => header));
    let written = 0;
    let after: { receivedAt: number; eventId: string } | undefined;
    while (written < EXPORT_MAX_ROWS) {
      const limit = Math.min(SEARCH_MAX_LIMIT, EXPORT_MAX_ROWS - written);
      const page: CallRow[] = await ctx.store.search({ ...filters, limit, ...(after ? { after } : {}) });
      if (page.length === 0) return;
      yield page.map((r) => { const v = toView(r); return line(COLUMNS.map(([, cell]) => cell(v))); }).join('');
      written += page.length;
      if (page.length < limit) return;
      const last = page.at(-1)!;
      after = { receivedAt: last.receivedAt, eventId: last.eventId };
    }
  }
  return { total, body: Readable.from(lines()) };
}
