// Turns the raw events of the inbox into facts on the delivery log, after the event hook has
// answered (or the poller has stored a page): a verification joins the user's latest send of that
// flow (the types and flows of event-types.ts); an event that matches nothing yet is tried again for a
// while, then counted as unmatched. One processor at a time works the inbox (a lease in the
// database), serially; an event is settled in one transaction with its effect on the send, so a
// crash at any point leaves it pending and it is processed again, never twice.
import type { Logger } from 'pino';
import type { EventInbox, MatchedSend, PendingEvent, Settlement, SettleResult } from './inbox.js';
import { classify, type LogEvent } from './log-event.js';
import { eventTypeLabel } from './event-types.js';

export interface EventCounters {
  oktaEvents(result: string, eventType: string, count?: number): void;
  verification(channel: string, requestType: string, outcome: 'SUCCESS' | 'FAILURE' | 'unmatched'): void;
}

export interface EventProcessorOptions {
  inbox: EventInbox;
  log: Logger;
  metrics: EventCounters;
  /** This instance, for the lease. */
  holder: string;
  unmatchedKeepMs: number;
  retainMs: number;
  intervalMs: number;
  /** Told once per send the first time it is verified (provider feedback); never awaited. */
  onVerified?: (send: MatchedSend, at: number) => void;
  now?: () => number;
}

export interface EventProcessor {
  start(): void;
  /** Look at the inbox soon (events were just stored). */
  kick(): void;
  /** Processes every event due now; resolves to how many were settled. */
  drain(): Promise<number>;
  close(): Promise<void>;
}

export const PROCESSOR_LEASE = 'okta-events';
const BATCH = 200;
const PRUNE_EVERY_MS = 3_600_000;
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 60_000;

export function createEventProcessor(o: EventProcessorOptions): EventProcessor {
  const clock = o.now ?? Date.now;
  const { inbox, log, metrics } = o;
  const leaseMs = Math.max(30_000, 3 * o.intervalMs);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let closed = false;
  let lastPrune = 0;
  let failing = false;

  async function settle(e: PendingEvent, s: Settlement, result: string): Promise<SettleResult> {
    const r = await inbox.settle(e.uuid, s, clock());
    if (r.settled && s.state !== 'retry') metrics.oktaEvents(result, eventTypeLabel(e.eventType));
    return r;
  }

  async function processOne(e: PendingEvent): Promise<void> {
    let event: LogEvent;
    try {
      event = JSON.parse(e.raw) as LogEvent;
    } catch {
      await settle(e, { state: 'ignored', reason: 'invalid' }, 'ignored');
      return;
    }
    const c = classify(event);
    if (c.kind === 'ignored') {
      await settle(e, { state: 'ignored', reason: c.reason }, 'ignored');
      return;
    }
    if (c.kind === 'hook_failure') {
      const [eventId] = await inbox.knownCalls(c.eventIds);
      await settle(e, { state: 'hook_failure', ...(eventId ? { eventId } : {}) }, 'hook_failure');
      // Okta may have sent its own code too: the user can get two.
      log.warn({ uuid: e.uuid, published: new Date(e.published).toISOString(), eventId }, 'Okta counted a telephony hook execution as failed');
      return;
    }
    const send = await inbox.findSend({ userIds: c.userIds, requestType: c.requestType, channel: c.channel, published: e.published });
    if (!send) {
      const now = clock();
      if (now - e.receivedAt < o.unmatchedKeepMs) {
        // The send may not be in the log yet (another instance, a late write): look again later.
        await settle(e, { state: 'retry', nextTryAt: now + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(e.tries, 10)) }, 'retry');
        return;
      }
      if ((await settle(e, { state: 'unmatched' }, 'unmatched')).settled) {
        metrics.verification(c.channel ?? 'unknown', c.requestType, 'unmatched');
        log.info({ uuid: e.uuid, eventType: e.eventType, result: c.result }, 'Okta event matched no hook call');
      }
      return;
    }
    if (c.result === 'FAILURE') {
      if ((await settle(e, { state: 'failed_attempt', eventId: send.eventId, at: e.published }, 'failed_attempt')).settled) {
        metrics.verification(send.channel, send.requestType, 'FAILURE');
      }
      return;
    }
    if (send.verifiedAt !== undefined) {
      await settle(e, { state: 'duplicate', eventId: send.eventId }, 'duplicate');
      return;
    }
    const r = await settle(e, { state: 'verified', eventId: send.eventId, at: e.published, basis: c.channel ? 'factor' : 'user_time' }, 'verified');
    if (r.newlyVerified) {
      metrics.verification(send.channel, send.requestType, 'SUCCESS');
      o.onVerified?.(send, e.published);
    }
  }

  async function round(): Promise<number> {
    if (!(await inbox.lease(PROCESSOR_LEASE, o.holder, leaseMs, clock()))) return 0;
    let settled = 0;
    for (;;) {
      const batch = await inbox.due(clock(), BATCH);
      for (const e of batch) {
        await processOne(e);
        settled++;
      }
      if (batch.length < BATCH || closed) break;
    }
    if (clock() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = clock();
      const pruned = await inbox.prune(clock() - o.retainMs);
      if (pruned > 0) log.debug({ pruned }, 'forgot processed Okta events');
    }
    return settled;
  }

  function drain(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        try {
          total += await round();
          if (failing) log.info('Okta event processing works again');
          failing = false;
        } catch (err) {
          // Events stay pending; the next round takes them again. One line per outage, not per try.
          if (!failing) log.error({ err }, 'could not process Okta events; they stay in the inbox');
          failing = true;
          break;
        }
      } while (again && !closed);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      if (timer || closed) return;
      timer = setInterval(() => void drain(), o.intervalMs);
      timer.unref();
      void drain();
    },
    kick() {
      if (!closed) setImmediate(() => void drain());
    },
    drain,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
      await inbox.release(PROCESSOR_LEASE, o.holder).catch(() => undefined);
    },
  };
}
