// Readers for what providers send back (JSON answers, callback bodies and headers), which may be
// any shape: each returns undefined (or an empty array) rather than throwing on the unexpected.
import type { IncomingHttpHeaders } from 'node:http';

/** A header's value; the first one when the header came more than once. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A header's value when it came exactly once and is not empty; undefined when absent, empty or repeated. */
export function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Property `key` of an object (or array); undefined for anything else. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** A string as it is, even empty; undefined for anything else. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A string as it is, or a number (some providers send codes either way) as its decimal text. */
export function asStringOrNumber(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/** The string at `key`, unless it is empty; undefined when absent, empty or not a string. */
export function nonEmptyStringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

/** The number at `key`; undefined when absent or not a number. */
export function numberField(value: unknown, key: string): number | undefined {
  const found = field(value, key);
  return typeof found === 'number' ? found : undefined;
}

/** The array at `key`; empty when absent or not an array. */
export function arrayField(value: unknown, key: string): unknown[] {
  const found = field(value, key);
  return Array.isArray(found) ? found : [];
}

/** How far ahead of its arrival a receipt's own timestamp may be, for providers that sign no time. */
export const RECEIPT_CLOCK_SKEW_MS = 60_000;

/**
 * When a receipt says its state was reached: the provider's timestamp, unless that is not a date or
 * lies more than `toleranceMs` after the receipt arrived; then the arrival time. A state is replaced
 * only by a newer one, so a timestamp from the future, honoured, would freeze it against every
 * genuine receipt that follows.
 */
export function receiptTime(value: unknown, receivedAt: Date, toleranceMs = RECEIPT_CLOCK_SKEW_MS): Date {
  const at = typeof value === 'string' ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime()) || at.getTime() > receivedAt.getTime() + toleranceMs) return receivedAt;
  return at;
}
