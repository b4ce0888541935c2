// Verifications shared between instances. Okta's verification feed is processed on one instance
// (the one holding the event processor's lease in the delivery log), but the send it verifies was
// counted by whichever instance sent the code. With `limits.url` set, an instance told of a
// verification it did not send publishes the eventId — nothing else: no number, no code — on the
// Redis channel `{guard.store.keyPrefix}:verified`; every instance hears it and the one holding the
// pending send counts it (recordVerified is idempotent: the others, and a repeat, find nothing).
// Never on the hook's path: a hook call sends no command for it.
//
// Degraded mode. Pub/sub delivers at most once, and only to subscribers connected at the time.
// While this instance's subscription is down, it settles no expired send as a failure (they wait,
// counting for nothing, so no block can come from evidence it cannot complete); when the
// subscription is back it first reads the sends the delivery log has as verified since its oldest
// pending one (`catchUp`), then settles again. A publish that fails is kept (at most OUTBOX_MAX)
// and sent again when this instance's own subscription is back.
import type { Redis } from 'ioredis';
import type { GuardLog } from '../store-health.js';
import { describe } from '../store-health.js';
import { withTimeout } from '../store-timeout.js';

/** Okta's eventId is at most this long (the hook contract refuses longer): anything longer heard on the channel is ignored. */
const EVENT_ID_MAX = 128;
/** Failed publishes kept for the next subscription, at most; beyond it the oldest is dropped. */
const OUTBOX_MAX = 10_000;
/** A failed catch-up (the delivery log did not answer) is tried again after this long. */
const CATCH_UP_RETRY_MS = 5_000;

export interface RelayOptions {
  /** The guard's client: publishes go through it; the subscription has a connection of its own. */
  client: Redis;
  channel: string;
  timeoutMs: number;
  log: GuardLog;
  /** Counts a verification; false when no pending send of this instance has that eventId. */
  apply(eventId: string): boolean;
  /** The verified eventIds this instance may have missed while it was not subscribed (the delivery log's). */
  catchUp?: () => Promise<string[]>;
}

export class VerificationRelay {
  private readonly sub: Redis;
  private readonly outbox = new Set<string>();
  private listening = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly o: RelayOptions) {
    this.sub = o.client.duplicate({ lazyConnect: true, autoResubscribe: false, connectionName: 'byot-verified' });
    this.sub.on('message', (channel: string, message: string) => {
      if (channel !== o.channel || message.length === 0 || message.length > EVENT_ID_MAX) return;
      if (o.apply(message)) o.log.debug('guard: counted a verification processed on another instance');
    });
    this.sub.on('ready', () => void this.subscribe());
    this.sub.on('close', () => {
      if (this.listening) o.log.warn('guard: verifications of other instances do not reach this one (Redis subscription lost); expired sends wait');
      this.listening = false;
    });
    this.sub.on('error', (err: Error) => o.log.debug({ err: describe(err) }, 'guard: verification subscription error'));
    this.sub.connect().catch(() => undefined);
  }

  /** Whether verifications processed on other instances reach this one now (subscribed, and caught up). */
  get live(): boolean {
    return this.listening;
  }

  /** Tells the other instances of a verification this one holds no send for. */
  publish(eventId: string): void {
    withTimeout(this.o.client.publish(this.o.channel, eventId), this.o.timeoutMs).catch((err: unknown) => {
      this.o.log.debug({ err: describe(err) }, 'guard: could not publish a verification; kept for later');
      if (this.outbox.size >= OUTBOX_MAX) this.outbox.delete(this.outbox.values().next().value!);
      this.outbox.add(eventId);
    });
  }

  private async subscribe(): Promise<void> {
    try {
      await this.sub.subscribe(this.o.channel);
    } catch (err) {
      // The connection went again: its next 'ready' subscribes.
      this.o.log.debug({ err: describe(err) }, 'guard: could not subscribe to verifications');
      return;
    }
    const kept = [...this.outbox];
    this.outbox.clear();
    for (const eventId of kept) this.publish(eventId);
    await this.caughtUp();
  }

  private async caughtUp(): Promise<void> {
    if (this.closed || this.sub.status !== 'ready') return;
    try {
      const missed = this.o.catchUp ? await this.o.catchUp() : [];
      let counted = 0;
      for (const eventId of missed) if (this.o.apply(eventId)) counted++;
      if (counted > 0) this.o.log.info({ counted }, 'guard: verifications missed while unsubscribed were read from the delivery log');
      if (this.sub.status === 'ready') this.listening = true;
    } catch (err) {
      this.o.log.warn({ err: describe(err), retryMs: CATCH_UP_RETRY_MS }, 'guard: could not read missed verifications from the delivery log; expired sends wait');
      this.retry = setTimeout(() => void this.caughtUp(), CATCH_UP_RETRY_MS);
      this.retry.unref();
    }
  }

  close(): void {
    this.closed = true;
    this.listening = false;
    clearTimeout(this.retry);
    this.sub.disconnect();
  }
}
