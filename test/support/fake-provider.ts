// An in-process ProviderAdapter for pipeline tests that need a provider to behave in a set way.
import type { Channel } from '../../src/core/domain.js';
import { ProviderError, type OutboundMessage, type ProviderAdapter, type SendResult } from '../../src/providers/types.js';

export type Behaviour = 'ok' | 'hang' | 'hang-ignoring-signal' | ProviderError | ((msg: OutboundMessage, signal: AbortSignal) => Promise<SendResult>);

export interface FakeProvider extends ProviderAdapter {
  sent: OutboundMessage[];
  /** Calls in progress right now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  behave(b: Behaviour): void;
}

export function fakeProvider(name: string, behaviour: Behaviour = 'ok', opts: { timeoutMs?: number; channels?: Channel[]; delayMs?: number } = {}): FakeProvider {
  let current = behaviour;
  let n = 0;
  const p: FakeProvider = {
    name,
    kind: 'fake',
    channels: new Set(opts.channels ?? ['sms', 'voice']),
    timeoutMs: opts.timeoutMs ?? 1_200,
    sent: [],
    inFlight: 0,
    maxInFlight: 0,
    behave(b) { current = b; },
    async send(msg, signal) {
      p.inFlight++;
      p.maxInFlight = Math.max(p.maxInFlight, p.inFlight);
      try {
        p.sent.push(msg);
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        if (current === 'ok') return { transactionId: `${name}-${++n}`, status: 'queued' };
        if (current === 'hang') {
          return await new Promise<SendResult>((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        }
        if (current === 'hang-ignoring-signal') return await new Promise<SendResult>(() => {});
        if (current instanceof ProviderError) throw current;
        return await current(msg, signal);
      } finally {
        p.inFlight--;
      }
    },
  };
  return p;
}
