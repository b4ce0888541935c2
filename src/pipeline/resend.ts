// One resend when a receipt says undelivered (routing rules' `resendOnUndelivered`): the same
// message, once, through the next provider of the call's plan that did not fail, while the code is
// alive and unused. The code is never stored, so the message waits in this process's memory only
// (bounded, and dropped when the code expires or is used); a receipt reaching another instance finds
// nothing there, and is passed to this one over Redis by gateway/receipt-relay.ts. The row's guard (store/resends.ts) makes the resend happen at most
// once, whichever receipts or instances race for it.
import type { Logger } from 'pino';
import type { Attempt, Channel, DeliveryReceipt } from '../core/domain.js';
import type { HookConfig } from '../delivery/schema.js';
import type { DeliveryStore, ResendClaim } from '../store/types.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { Breaker } from '../delivery/breaker.js';
import type { Metrics } from '../telemetry/metrics.js';
import { Deadline } from '../core/deadline.js';
import { deliver, type AttemptMessage } from '../delivery/deliver.js';

/** What became of an undelivered receipt of a held call: the `outcome` label of byot_resends_total. */
export type ResendOutcome = 'sent' | 'failed' | 'no_provider' | Exclude<ResendClaim, 'claimed'> | 'error';

/** A call that may be resent, as the hook left it. */
export interface HeldSend {
  eventId: string;
  channel: Channel;
  /** The message as sent, code included: kept in memory only, never written anywhere. */
  message: AttemptMessage;
  /** The call's plan, in attempt order. */
  chain: readonly ProviderAdapter[];
  /** The call's attempts; the last one is the answering provider's. */
  attempts: readonly Attempt[];
  provider: string;
  transactionId: string;
  /** When the code stops being valid (the row's verify_until), epoch ms. */
  until: number;
}

export interface ResenderDeps {
  store: Pick<DeliveryStore, 'resends'>;
  hook: Pick<HookConfig, 'minAttemptMs' | 'onAmbiguous'>;
  log: Logger;
  metrics: Metrics;
  breakers?: ReadonlyMap<string, Breaker>;
  /** The clock the code's life is judged by. */
  now?: () => number;
  /** Most calls held at once; past it, the oldest is dropped (default MAX_HELD). */
  maxHeld?: number;
}

export interface Resender {
  /** Keeps a sent call until its code expires, in case its receipt says undelivered. */
  hold(send: HeldSend): void;
  /**
   * A verified receipt of `provider`: when it says undelivered or failed for a held call, resends
   * (once). Resolves to what became of it, or undefined when it concerned no held call; never rejects.
   */
  receive(provider: string, receipt: DeliveryReceipt): Promise<ResendOutcome | undefined>;
  /** The call's code was used: nothing is resent for it, and its message leaves memory now. */
  forget(eventId: string): void;
  /** Calls held right now. */
  readonly size: number;
  /** Waits for resends in progress, then drops every held message. */
  close(): Promise<void>;
}

/** Calls held at most (about 1 kB each): a busy hour's sends at the default code life of 10 minutes. */
export const MAX_HELD = 10_000;
/** How often expired calls are dropped when nothing else touched them. */
const SWEEP_MS = 30_000;

const keyOf = (provider: string, transactionId: string): string => `${provider}\n${transactionId}`;

export function createResender(deps: ResenderDeps): Resender {
  const { store, log, metrics } = deps;
  const now = deps.now ?? Date.now;
  const maxHeld = deps.maxHeld ?? MAX_HELD;
  // Insertion order is sending order: the first key is the oldest.
  const held = new Map<string, HeldSend>();
  const keyOfEvent = new Map<string, string>();
  const running = new Set<Promise<unknown>>();
  const sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();

  function drop(key: string): void {
    const send = held.get(key);
    if (!send) return;
    held.delete(key);
    keyOfEvent.delete(send.eventId);
  }

  function sweep(): void {
    const at = now();
    for (const [key, send] of held) if (send.until <= at) drop(key);
  }

  const counted = (send: HeldSend, outcome: ResendOutcome): ResendOutcome => {
    metrics.resend(send.channel, outcome);
    return outcome;
  };

  async function resend(send: HeldSend): Promise<ResendOutcome> {
    const at = now();
    if (at >= send.until) return counted(send, 'expired');
    const claim = await store.resends.claim(send.eventId, at);
    if (claim !== 'claimed') {
      log.info({ eventId: send.eventId, provider: send.provider, outcome: claim }, 'undelivered receipt: no resend');
      return counted(send, claim);
    }
    // Every provider attempted has failed: the earlier ones when sending, the answering one by its receipt.
    const failed = new Set(send.attempts.map((a) => a.provider));
    const next = send.chain.find((a) => !failed.has(a.name));
    if (!next) {
      await store.resends.record(send.eventId, { state: 'no_provider', attempts: [...send.attempts] });
      log.warn({ eventId: send.eventId, provider: send.provider }, 'undelivered receipt: no provider of the plan is left to resend through');
      return counted(send, 'no_provider');
    }
    // No one waits for this answer: the attempt has the provider's own time limit.
    const deadline = new Deadline(performance.now(), next.timeoutMs, 0);
    let outcome;
    try {
      outcome = await deliver([next], send.message, deadline, {
        opts: { maxAttempts: 1, minAttemptMs: deps.hook.minAttemptMs, onAmbiguous: deps.hook.onAmbiguous }, log, breakers: deps.breakers, metrics,
      });
    } finally {
      deadline.dispose();
    }
    const sent = outcome.status === 'SUCCESSFUL';
    await store.resends.record(send.eventId, {
      state: sent ? 'sent' : 'failed',
      provider: next.name,
      ...(outcome.transactionId !== undefined ? { transactionId: outcome.transactionId } : {}),
      attempts: [...send.attempts, ...outcome.attempts.map((a): Attempt => ({ ...a, resend: true }))],
    });
    log.info({ eventId: send.eventId, from: send.provider, provider: next.name, transactionId: outcome.transactionId, sent }, 'resent after an undelivered receipt');
    return counted(send, sent ? 'sent' : 'failed');
  }

  return {
    hold(send) {
      if (send.until <= now()) return;
      if (held.size >= maxHeld) {
        sweep();
        // Still full: the oldest goes (its code is the nearest to expiring).
        const oldest = held.keys().next();
        if (held.size >= maxHeld && !oldest.done) drop(oldest.value);
      }
      const key = keyOf(send.provider, send.transactionId);
      held.set(key, send);
      keyOfEvent.set(send.eventId, key);
    },

    receive(provider, receipt) {
      if (receipt.status !== 'undelivered' && receipt.status !== 'failed') return Promise.resolve(undefined);
      const key = keyOf(provider, receipt.transactionId);
      const send = held.get(key);
      if (!send) return Promise.resolve(undefined);
      // Taken out before anything is awaited: a second receipt for it finds nothing.
      drop(key);
      const work = resend(send).catch((err: unknown) => {
        log.error({ err, eventId: send.eventId, provider }, 'resend after an undelivered receipt failed');
        return counted(send, 'error');
      });
      running.add(work);
      void work.finally(() => running.delete(work));
      return work;
    },

    forget(eventId) {
      const key = keyOfEvent.get(eventId);
      if (key !== undefined) drop(key);
    },

    get size() {
      return held.size;
    },

    async close() {
      clearInterval(sweeper);
      await Promise.all([...running]);
      held.clear();
      keyOfEvent.clear();
    },
  };
}
