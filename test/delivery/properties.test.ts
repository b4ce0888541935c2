// Properties of the attempt loop, over random chains of providers that answer, fail, hang or
// ignore their signal: one attempt at a time, never more than configured, always within budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pino from 'pino';
import { deliver } from '../../src/delivery/deliver.js';
import { Deadline } from '../../src/core/deadline.js';
import { ProviderError, type OutboundMessage, type ProviderAdapter } from '../../src/providers/types.js';
import type { ErrorCategory } from '../../src/core/domain.js';

type Act = { kind: 'ok'; ms: number } | { kind: 'fail'; ms: number; category: ErrorCategory } | { kind: 'hang' } | { kind: 'deaf' };

const act: fc.Arbitrary<Act> = fc.oneof(
  fc.record({ kind: fc.constant('ok' as const), ms: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('fail' as const), ms: fc.integer({ min: 0, max: 60 }),
    category: fc.constantFrom<ErrorCategory>('unavailable', 'rate_limited', 'auth', 'region_blocked', 'insufficient_funds', 'rejected', 'invalid_number') }),
  fc.constant({ kind: 'hang' as const }),
  fc.constant({ kind: 'deaf' as const }),
);

const msg: OutboundMessage = {
  channel: 'sms', to: { e164: '+14155550100', country: 'US', type: 'MOBILE', valid: true },
  text: 'Your code is 123456', code: '123456', locale: 'en', reference: 'evt',
};
const log = pino({ level: 'silent' });

test('one attempt in flight at a time, at most maxAttempts, and done before the budget', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ act, timeoutMs: fc.integer({ min: 20, max: 250 }) }), { minLength: 1, maxLength: 6 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 100, max: 300 }),
    async (chain, maxAttempts, budgetMs) => {
      // Each attempt as the loop sees it: over once it settled or its signal aborted.
      const attempts: { settled: boolean; signal: AbortSignal }[] = [];
      let overlapped = false;
      const adapters: ProviderAdapter[] = chain.map(({ act: a, timeoutMs }, i) => ({
        name: `p${i}`, kind: 'fake', channels: new Set(['sms', 'voice']), timeoutMs,
        async send(_m, signal) {
          if (attempts.some((s) => !s.settled && !s.signal.aborted)) overlapped = true;
          const me = { settled: false, signal };
          attempts.push(me);
          try {
            if (a.kind === 'deaf') return await new Promise<never>(() => {});
            if (a.kind === 'hang') {
              return await new Promise<never>((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
            }
            await new Promise((r) => setTimeout(r, a.ms));
            if (a.kind === 'fail') throw new ProviderError(a.category, 'refused');
            return { transactionId: `p${i}-id`, status: 'queued' };
          } finally {
            me.settled = true;
          }
        },
      }));
      const reserveMs = 60;
      const started = performance.now();
      const deadline = new Deadline(started, budgetMs, reserveMs);
      // Abort timers do not keep Node alive; a server would, so stand in for it.
      const keepAlive = setInterval(() => {}, 1_000);
      const outcome = await deliver(adapters, msg, deadline, { opts: { maxAttempts, minAttemptMs: 10, onAmbiguous: 'failover' }, log })
        .finally(() => clearInterval(keepAlive));
      const elapsed = performance.now() - started;

      assert.ok(outcome.attempts.length <= maxAttempts, 'never more attempts than configured');
      assert.equal(outcome.attempts.length, attempts.length, 'every call is an attempt on record');
      assert.ok(elapsed < budgetMs, `finished after ${elapsed.toFixed(1)} ms of a ${budgetMs} ms budget`);
      assert.equal(overlapped, false, 'never two attempts at once');
      if (outcome.status === 'SUCCESSFUL') {
        assert.equal(outcome.attempts.at(-1)!.ok, true);
        assert.equal(outcome.transactionId, `${outcome.provider}-id`);
      }
      const stopper = outcome.attempts.findIndex((a) => a.category === 'invalid_number');
      if (stopper >= 0) assert.equal(stopper, outcome.attempts.length - 1, 'invalid_number stops the chain');
    },
  ), { numRuns: 60 });
});
