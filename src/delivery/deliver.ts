import type { Logger } from 'pino';
import type { Attempt, Outcome } from '../core/domain.js';
import type { HookConfig } from './schema.js';
import { ProviderError, type OutboundMessage, type ProviderAdapter } from '../providers/types.js';
import { attemptSignal, untilAborted, type Deadline } from '../core/deadline.js';
import type { Breaker } from './breaker.js';
import type { Metrics } from '../telemetry/metrics.js';

export type DeliveryOptions = Pick<HookConfig, 'maxAttempts' | 'minAttemptMs' | 'onAmbiguous'>;

/** What an attempt sends: the same message to every provider, or one written for each (a voice script in the language it speaks). */
export type AttemptMessage = OutboundMessage | ((adapter: ProviderAdapter) => OutboundMessage);

/** What the loop reports to and consults besides the providers themselves. */
export interface DeliveryContext {
  opts: DeliveryOptions;
  log: Logger;
  breakers?: ReadonlyMap<string, Breaker>;
  metrics?: Metrics;
}

/**
 * Tries the chain one provider at a time (never two at once: both would bill and send),
 * each attempt bounded by min(provider timeout, time left before the reserve).
 */
export async function deliver(
  chain: readonly ProviderAdapter[],
  msg: AttemptMessage,
  deadline: Deadline,
  { opts, log, breakers, metrics }: DeliveryContext,
): Promise<Outcome> {
  const attempts: Attempt[] = [];
  if (chain.length === 0) return { status: 'FAILED', reason: 'no_provider', attempts };

  for (const adapter of chain) {
    if (attempts.length >= opts.maxAttempts) break;
    const budget = Math.floor(Math.min(adapter.timeoutMs, deadline.remaining()));
    if (budget < opts.minAttemptMs) break;

    const { signal, done } = attemptSignal(budget);
    const breaker = breakers?.get(adapter.name);
    const admission = breaker?.admit() ?? 'normal';
    const started = performance.now();
    try {
      const sent = await untilAborted(adapter.send(typeof msg === 'function' ? msg(adapter) : msg, signal), signal);
      breaker?.record(admission, true);
      const ms = elapsed(started);
      metrics?.attempt(adapter.name, true, undefined, ms / 1_000);
      attempts.push({ provider: adapter.name, ok: true, transactionId: sent.transactionId, ms });
      return { status: 'SUCCESSFUL', provider: adapter.name, transactionId: sent.transactionId, attempts };
    } catch (err) {
      const failure = classify(err, signal);
      breaker?.record(admission, false, failure.category);
      const ms = elapsed(started);
      metrics?.attempt(adapter.name, false, failure.category, ms / 1_000);
      attempts.push({ provider: adapter.name, ok: false, category: failure.category, providerCode: failure.providerCode, ms });
      log.warn({ provider: adapter.name, category: failure.category, providerCode: failure.providerCode, ambiguous: failure.ambiguous, err: failure.message }, 'provider attempt failed');
      // The number is the problem, not the provider: another provider would fail the same way.
      if (failure.category === 'invalid_number') return { status: 'FAILED', reason: 'invalid_number', attempts };
      if (failure.ambiguous && opts.onAmbiguous === 'pending') {
        return { status: 'PENDING', provider: adapter.name, attempts };
      }
    } finally {
      done();
    }
  }
  return { status: 'FAILED', reason: 'all_failed', attempts };
}

/** Anything an adapter throws becomes a ProviderError; an abort means the request may have gone out. */
function classify(err: unknown, signal: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  if (signal.aborted) return new ProviderError('timeout', 'no answer within the attempt budget', { ambiguous: true });
  return new ProviderError('unavailable', err instanceof Error ? err.message : String(err));
}

const elapsed = (since: number): number => Math.round(performance.now() - since);
