// Prometheus metrics. Labels are bounded sets (outcomes, channels, provider names from config,
// categories, rule names): never a phone number, user or event id.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState, Channel, ErrorCategory, ReceiptStatus, RequestType } from '../core/domain.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface Metrics {
  readonly registry: Registry;
  /** One hook call answered; `outcome` is the status, or `replayed` for a repeated eventId. */
  hook(outcome: string, channel: Channel, requestType: RequestType, seconds: number): void;
  attempt(provider: string, ok: boolean, category: ErrorCategory | undefined, seconds: number): void;
  blocked(rule: string): void;
  /** A request a conversion rule in monitor mode would have refused (sent anyway). */
  monitored(rule: string): void;
  breaker(provider: string, state: BreakerState): void;
  receipt(provider: string, status: ReceiptStatus): void;
  /** A call refused before the pipeline: `bad_request` or `unauthorized`, with a short reason code. */
  refused(kind: 'bad_request' | 'unauthorized', reason: string): void;
  /** Something unusual in a request Okta sent (a new deliveryChannel spelling, a missing requestType…). */
  unusual(note: string): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'byot_' });
  const hooks = new Counter({ name: 'byot_hook_requests_total', help: 'Hook calls answered, by outcome, channel and request type', labelNames: ['outcome', 'channel', 'request_type'], registers: [registry] });
  const hookSeconds = new Histogram({ name: 'byot_hook_duration_seconds', help: 'Time from receipt to answer', labelNames: ['channel'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3], registers: [registry] });
  const attempts = new Counter({ name: 'byot_provider_attempts_total', help: 'Provider attempts by provider, outcome and error category', labelNames: ['provider', 'outcome', 'category'], registers: [registry] });
  const attemptSeconds = new Histogram({ name: 'byot_provider_duration_seconds', help: 'Provider attempt latency', labelNames: ['provider'], buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5], registers: [registry] });
  const blocks = new Counter({ name: 'byot_guard_blocks_total', help: 'Requests refused by the toll-fraud guard, by rule', labelNames: ['rule'], registers: [registry] });
  const monitored = new Counter({ name: 'byot_guard_monitored_total', help: 'Requests a guard rule in monitor mode would have refused, sent anyway, by rule', labelNames: ['rule'], registers: [registry] });
  const breakers = new Gauge({ name: 'byot_breaker_state', help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers: [registry] });
  const receipts = new Counter({ name: 'byot_delivery_receipts_total', help: 'Delivery receipts by provider and status', labelNames: ['provider', 'status'], registers: [registry] });
  const refused = new Counter({ name: 'byot_hook_refused_total', help: 'Hook calls refused before the pipeline (400 or 401), by reason', labelNames: ['kind', 'reason'], registers: [registry] });
  const unusual = new Counter({ name: 'byot_hook_unusual_total', help: 'Requests with something unusual in them (e.g. an unknown deliveryChannel)', labelNames: ['note'], registers: [registry] });

  return {
    registry,
    hook(outcome, channel, requestType, seconds) {
      hooks.inc({ outcome, channel, request_type: requestType });
      hookSeconds.observe({ channel }, seconds);
    },
    attempt(provider, ok, category, seconds) {
      attempts.inc({ provider, outcome: ok ? 'ok' : 'failed', category: category ?? 'none' });
      attemptSeconds.observe({ provider }, seconds);
    },
    blocked: (rule) => blocks.inc({ rule }),
    monitored: (rule) => monitored.inc({ rule }),
    breaker: (provider, state) => breakers.set({ provider }, BREAKER_VALUE[state]),
    receipt: (provider, status) => receipts.inc({ provider, status }),
    refused: (kind, reason) => refused.inc({ kind, reason }),
    unusual: (note) => unusual.inc({ note }),
  };
}
