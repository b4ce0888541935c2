// The System Log poller (README "Close the loop with Okta"), for orgs that prefer not to register
// an event hook, and to backfill: `GET /api/v1/logs` filtered on the event types the gateway joins,
// ascending, page after page by the `after` token of Okta's next link. Each page goes into the
// same inbox as the event hook's deliveries (de-duplicated by uuid) before the cursor moves, so a
// restart resumes where it stopped and at worst reads a page twice. With several instances, one
// polls (a lease in the database). A 429 waits for X-Rate-Limit-Reset; other failures back off.
import type { Logger } from 'pino';
import { OktaApiError } from '../management/errors.js';
import type { SystemLogApi } from '../management/system-log.js';
import { eventTypeLabel, POLLED_TYPES } from './event-types.js';
import type { EventInbox } from './inbox.js';
import { receivable, type InboxEvent } from './log-event.js';
import type { EventCounters } from './processor.js';

export const POLLER_LEASE = 'system-log-poller';
export const CURSOR = 'system-log';
const PAGE_LIMIT = 1_000;
/** Pages read in one round before the next interval (a long backfill continues then). */
const PAGES_PER_ROUND = 20;
const MAX_BACKOFF_MS = 15 * 60_000;

export const SYSTEM_LOG_FILTER = POLLED_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');

interface Cursor { since: string; after?: string }

export interface PollerOptions {
  inbox: EventInbox;
  logs: SystemLogApi;
  log: Logger;
  metrics: EventCounters;
  holder: string;
  intervalMs: number;
  backfillMs: number;
  /** Told when a page was stored (the processor's kick). */
  onStored?: () => void;
  now?: () => number;
}

export interface PollResult {
  /** Events stored this round (duplicates not counted). */
  stored: number;
  /** When to poll next. */
  nextInMs: number;
  /** Why nothing was read: another instance polls, or Okta refused. */
  skipped?: 'lease' | 'rate_limited' | 'failed';
}

export interface Poller {
  start(): void;
  pollOnce(): Promise<PollResult>;
  close(): Promise<void>;
}

export function createPoller(o: PollerOptions): Poller {
  const clock = o.now ?? Date.now;
  const leaseMs = Math.max(60_000, 3 * o.intervalMs);
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<PollResult> | undefined;

  async function readCursor(): Promise<Cursor> {
    const raw = await o.inbox.cursor(CURSOR);
    if (raw) {
      try {
        const c = JSON.parse(raw) as Partial<Cursor>;
        if (typeof c.since === 'string') return { since: c.since, ...(typeof c.after === 'string' ? { after: c.after } : {}) };
      } catch { /* a damaged cursor starts again from the backfill window; the inbox drops what it has */ }
    }
    return { since: new Date(clock() - o.backfillMs).toISOString() };
  }

  async function round(): Promise<PollResult> {
    if (!(await o.inbox.lease(POLLER_LEASE, o.holder, leaseMs, clock()))) return { stored: 0, nextInMs: o.intervalMs, skipped: 'lease' };
    let cursor = await readCursor();
    let stored = 0;
    try {
      for (let page = 0; page < PAGES_PER_ROUND && !closed; page++) {
        const res = await o.logs.listLogEvents({ since: cursor.since, after: cursor.after, filter: SYSTEM_LOG_FILTER, limit: PAGE_LIMIT });
        const kept: InboxEvent[] = [];
        for (const raw of res.events) {
          const r = receivable(raw);
          if (r.ok) kept.push(r.event);
          else o.metrics.oktaEvents('invalid', 'none');
        }
        const got = await o.inbox.receive(kept, 'poll', clock());
        stored += got.stored;
        for (const e of kept) o.metrics.oktaEvents('polled', eventTypeLabel(e.eventType));
        if (got.stored > 0) o.onStored?.();
        // Okta's next link resumes after this page; without one, after the last event read.
        const after = res.next ?? kept.at(-1)?.uuid ?? cursor.after;
        if (after !== cursor.after) {
          cursor = { since: cursor.since, ...(after ? { after } : {}) };
          await o.inbox.setCursor(CURSOR, JSON.stringify(cursor), clock());
        }
        if (res.events.length < PAGE_LIMIT) break;
      }
    } catch (err) {
      failures++;
      if (err instanceof OktaApiError && err.code === 'OKTA_RATE_LIMITED') {
        const wait = err.rateLimitResetAt ? Math.max(1_000, err.rateLimitResetAt.getTime() - clock() + 1_000) : o.intervalMs;
        if (failures === 1) o.log.warn({ resetAt: err.rateLimitResetAt?.toISOString() }, 'Okta\'s System Log rate limit was reached; polling again after the reset');
        return { stored, nextInMs: Math.min(wait, MAX_BACKOFF_MS), skipped: 'rate_limited' };
      }
      const wait = Math.min(MAX_BACKOFF_MS, o.intervalMs * 2 ** Math.min(failures, 10));
      // One line per outage, not per try.
      if (failures === 1) o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not read Okta\'s System Log; backing off');
      return { stored, nextInMs: wait, skipped: 'failed' };
    }
    if (failures > 0) o.log.info('reading Okta\'s System Log works again');
    failures = 0;
    return { stored, nextInMs: o.intervalMs };
  }

  function pollOnce(): Promise<PollResult> {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(ms: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      void pollOnce().then((r) => schedule(r.nextInMs), (err: unknown) => {
        o.log.error({ err }, 'the System Log poller failed');
        schedule(o.intervalMs);
      });
    }, ms);
    timer.unref();
  }

  return {
    start: () => schedule(0),
    pollOnce,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      await o.inbox.release(POLLER_LEASE, o.holder).catch(() => undefined);
    },
  };
}
