// Tells providers which of their messages converted: once Okta reports a code used (the event
// processor has stored the verification), the send is queued here and its provider's feedback call
// made in the background, never on the hook's path. The queue is bounded (the oldest is dropped, and
// counted, when it is full); a call is tried again with backoff on 5xx, 429, timeouts and network
// failures, never on another 4xx. Each send is taken in the delivery log before its call (one instance
// tells the provider, once) and settled there. Nothing is lost to a restart: the sends verified in the
// last day whose provider was not told are found in the log again at start and every few minutes.
import type { Logger } from 'pino';
import type { Channel, ErrorCategory } from '../core/domain.js';
import { ProviderError, type ProviderAdapter, type ProviderFeedback } from '../providers/types.js';
import type { FeedbackDue, FeedbackLog } from '../store/types.js';

export type FeedbackOutcome = 'sent' | 'retried' | 'refused' | 'failed' | 'dropped';

export interface FeedbackCounters {
  feedback(provider: string, outcome: FeedbackOutcome): void;
}

export interface FeedbackWorkerOptions {
  log: Logger;
  store: FeedbackLog;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  metrics: FeedbackCounters;
  /** Sends waiting at most; beyond it the oldest is dropped. */
  maxQueue?: number;
  /** Calls per send at most (the first included). */
  maxTries?: number;
  /** Calls in flight at once. */
  concurrency?: number;
  /** Wait before try `tries + 1`, after `tries` failed. */
  backoffMs?: (tries: number) => number;
  /** Longest one call may take. */
  timeoutMs?: number;
  /** How often the log is searched for sends still to tell. */
  sweepEveryMs?: number;
  now?: () => number;
}

export interface FeedbackWorker {
  /** A send Okta reported as used, for the first time: queued when its provider takes feedback on its channel. Never waits. */
  verified(send: { eventId: string; provider?: string; transactionId?: string; channel: Channel }, at: number): void;
  /** Searches the log for verified sends whose provider was not told (at start, then every `sweepEveryMs`). */
  start(): void;
  /** Resolves once nothing is queued, waiting or in flight. */
  idle(): Promise<void>;
  /** Stops taking work and waits for the calls in flight; what is still queued is found in the log by the next start. */
  close(): Promise<void>;
}

/** Failures worth another try: the provider or the way to it was unwell, or asked us to slow down. */
const RETRYABLE: ReadonlySet<ErrorCategory> = new Set(['unavailable', 'timeout', 'rate_limited']);
/** Verifications older than this are not fed back after a restart: the providers' windows are short. */
const FEEDBACK_MAX_AGE_MS = 86_400_000;
/** A send taken this long ago and never settled belongs to an instance that died: it may be taken again. */
export const FEEDBACK_TAKE_TTL_MS = 10 * 60_000;

interface Item extends FeedbackDue {
  tries: number;
  notBefore: number;
  /** Taken in the log by this instance. */
  taken: boolean;
}

export function createFeedbackWorker(o: FeedbackWorkerOptions): FeedbackWorker {
  const clock = o.now ?? Date.now;
  const maxQueue = o.maxQueue ?? 1_000;
  const maxTries = o.maxTries ?? 4;
  const concurrency = o.concurrency ?? 4;
  const backoff = o.backoffMs ?? ((tries: number) => Math.min(60_000, 2_000 * 2 ** (tries - 1)));
  const timeoutMs = o.timeoutMs ?? 5_000;
  const sweepEveryMs = o.sweepEveryMs ?? 300_000;
  const { log, store, metrics } = o;

  /** Waiting sends in arrival order (a Map keeps it): the first is the oldest. */
  const queue = new Map<string, Item>();
  const active = new Map<string, Promise<void>>();
  /** Records of dropped sends still being written. */
  const drops = new Set<Promise<void>>();
  const waiters: (() => void)[] = [];
  let wake: NodeJS.Timeout | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  let closed = false;
  let overflowing = false;

  const feedbackOf = (provider: string): ProviderFeedback | undefined => o.adapters.get(provider)?.feedback;
  const providers = [...o.adapters.values()].filter((a) => a.feedback !== undefined).map((a) => a.name);

  function enqueue(d: FeedbackDue): void {
    if (closed || queue.has(d.eventId) || active.has(d.eventId)) return;
    if (!feedbackOf(d.provider)?.channels.has(d.channel)) return;
    queue.set(d.eventId, { ...d, tries: 0, notBefore: 0, taken: false });
    trim();
    pump();
  }

  function trim(): void {
    for (const [eventId, item] of queue) {
      if (queue.size <= maxQueue) break;
      queue.delete(eventId);
      metrics.feedback(item.provider, 'dropped');
      const write: Promise<void> = store.settle(eventId, { status: 'dropped', at: clock(), tries: item.tries })
        .catch((err: unknown) => log.error({ err, eventId }, 'could not record dropped provider feedback'))
        .finally(() => {
          drops.delete(write);
          settleWaiters();
        });
      drops.add(write);
      // One line per overflow, not per send dropped; the metric counts them all.
      if (!overflowing) log.warn({ maxQueue }, 'the provider feedback queue is full; the oldest sends are dropped');
      overflowing = true;
    }
  }

  function pump(): void {
    if (wake) clearTimeout(wake);
    wake = undefined;
    if (closed) return;
    const now = clock();
    let next = Infinity;
    for (const item of queue.values()) {
      if (active.size >= concurrency) break;
      if (item.notBefore > now) {
        next = Math.min(next, item.notBefore);
        continue;
      }
      queue.delete(item.eventId);
      active.set(item.eventId, run(item).finally(() => {
        active.delete(item.eventId);
        pump();
        settleWaiters();
      }));
    }
    if (next !== Infinity && active.size < concurrency) {
      wake = setTimeout(pump, Math.max(0, next - now));
      wake.unref();
    }
  }

  async function run(item: Item): Promise<void> {
    try {
      if (!item.taken) {
        const now = clock();
        const target = await store.take(item.eventId, now, now - FEEDBACK_TAKE_TTL_MS);
        // Told already, or another instance is telling it.
        if (!target) return;
        // The log has the last word on the message: a resend since the verification was queued changes it.
        Object.assign(item, { provider: target.provider, transactionId: target.transactionId, channel: target.channel, taken: true });
      }
      const feedback = feedbackOf(item.provider);
      if (!feedback?.channels.has(item.channel)) {
        // The user's message went through a provider that takes no feedback: nothing to tell.
        await store.release(item.eventId);
        return;
      }
      item.tries++;
      let failure: ProviderError | undefined;
      try {
        await feedback.send({ transactionId: item.transactionId, channel: item.channel, verifiedAt: item.verifiedAt }, AbortSignal.timeout(timeoutMs));
      } catch (err) {
        failure = err instanceof ProviderError ? err : new ProviderError('unavailable', err instanceof Error ? err.message : String(err));
      }
      if (!failure) {
        await store.settle(item.eventId, { status: 'sent', at: clock(), tries: item.tries });
        metrics.feedback(item.provider, 'sent');
        return;
      }
      const retryable = RETRYABLE.has(failure.category);
      // Closing: left taken and unsettled, so the next start finds it again (FEEDBACK_TAKE_TTL_MS).
      if (retryable && closed) return;
      if (retryable && item.tries < maxTries) {
        metrics.feedback(item.provider, 'retried');
        item.notBefore = clock() + backoff(item.tries);
        queue.set(item.eventId, item);
        trim();
        return;
      }
      const status = retryable ? 'failed' : 'refused';
      await store.settle(item.eventId, { status, at: clock(), tries: item.tries, code: failure.providerCode ?? failure.category });
      metrics.feedback(item.provider, status);
      // The error's text is the adapter's, scrubbed (providers/scrub.ts): no credential, no number.
      log.warn({ provider: item.provider, eventId: item.eventId, category: failure.category, providerCode: failure.providerCode, tries: item.tries, err: failure.message },
        status === 'refused' ? 'the provider refused the conversion feedback' : 'gave up telling the provider of a conversion');
    } catch (err) {
      // The log could not be read or written: the send stays unsettled, and a later sweep finds it.
      log.error({ err, provider: item.provider, eventId: item.eventId }, 'could not record provider feedback');
    }
  }

  function busy(): boolean {
    return queue.size > 0 || active.size > 0 || drops.size > 0 || sweeping !== undefined;
  }

  function settleWaiters(): void {
    if (busy()) return;
    overflowing = false;
    for (const resolve of waiters.splice(0)) resolve();
  }

  function sweep(): void {
    if (closed || providers.length === 0 || sweeping) return;
    const now = clock();
    sweeping = store.due(providers, now - FEEDBACK_MAX_AGE_MS, now - FEEDBACK_TAKE_TTL_MS, maxQueue)
      .then((due) => {
        for (const d of due) enqueue(d);
        if (due.length > 0) log.info({ sends: due.length }, 'found verified sends whose provider was not told yet');
      })
      .catch((err: unknown) => log.error({ err }, 'could not look for provider feedback still to send'))
      .finally(() => {
        sweeping = undefined;
        settleWaiters();
      });
  }

  return {
    verified(send, at) {
      if (send.provider === undefined || send.transactionId === undefined) return;
      enqueue({ eventId: send.eventId, provider: send.provider, transactionId: send.transactionId, channel: send.channel, verifiedAt: at });
    },
    start() {
      if (closed || sweeper || providers.length === 0) return;
      sweeper = setInterval(sweep, sweepEveryMs);
      sweeper.unref();
      sweep();
    },
    idle() {
      return busy() ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve();
    },
    async close() {
      closed = true;
      if (wake) clearTimeout(wake);
      if (sweeper) clearInterval(sweeper);
      queue.clear();
      await sweeping;
      await Promise.all([...active.values(), ...drops]);
      settleWaiters();
    },
  };
}
