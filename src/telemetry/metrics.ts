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
  /**
   * The calls refused before the pipeline since this process started, per kind and reason, most
   * first: they never reach the delivery log, yet Okta counts each as a failure.
   */
  refusals(): Promise<{ startedAt: number; rows: { kind: string; reason: string; count: number }[] }>;
  /** Something unusual in a request Okta sent (a new deliveryChannel spelling, a missing requestType…). */
  unusual(note: string): void;
  /**
   * Okta events received or processed (okta/events): `result` is stored, duplicate, invalid, or how one
   * was settled; `eventType` comes bounded (okta/events/event-types.ts eventTypeLabel).
   */
  oktaEvents(result: string, eventType: string, count?: number): void;
  /** A send Okta reported as used (SUCCESS), a wrong code (FAILURE), or a verification that matched no send (unmatched). */
  verification(channel: string, requestType: string, outcome: 'SUCCESS' | 'FAILURE' | 'unmatched'): void;
  /** An undelivered receipt of a call held for a resend, by what became of it (pipeline/resend.ts RESEND_OUTCOMES). */
  resend(channel: Channel, outcome: string): void;
  /** A feedback call to a provider (src/feedback/): sent, retried, refused, failed or dropped. */
  feedback(provider: string, outcome: string): void;
}


export function createMetrics(): Metrics {
  const registry = new Registry();
  const startedAt = Date.now();
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
  const oktaEvents = new Counter({ name: 'byot_okta_events_total', help: 'Okta events (event hook and System Log) by result and event type', labelNames: ['result', 'event_type'], registers: [registry] });
  const verifications = new Counter({ name: 'byot_verifications_total', help: 'Codes Okta reported as used (SUCCESS) or wrong (FAILURE), and verifications that matched no send, by channel and request type', labelNames: ['channel', 'request_type', 'outcome'], registers: [registry] });
  const resends = new Counter({ name: 'byot_resends_total', help: 'Undelivered receipts of calls held for a resend, by channel and what became of them', labelNames: ['channel', 'outcome'], registers: [registry] });
  const feedback = new Counter({ name: 'byot_provider_feedback_total', help: 'Conversion feedback to providers, by provider and outcome (sent, retried, refused, failed, dropped)', labelNames: ['provider', 'outcome'], registers: [registry] });
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
    async refusals() {
      const rows = (await refused.get()).values
        .map((v) => ({ kind: String(v.labels.kind), reason: String(v.labels.reason), count: v.value }))
        .filter((r) => r.count > 0)
        .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.reason.localeCompare(b.reason));
      return { startedAt, rows };
    },
    unusual: (note) => unusual.inc({ note }),
    oktaEvents: (result, eventType, count = 1) => oktaEvents.inc({ result, event_type: eventType }, count),
    verification: (channel, requestType, outcome) => verifications.inc({ channel, request_type: requestType, outcome }),
    resend: (channel, outcome) => resends.inc({ channel, outcome }),
    feedback: (provider, outcome) => feedback.inc({ provider, outcome }),
  };
}
