import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breaker, type BreakerOptions } from '../../src/delivery/breaker.js';
import type { BreakerState } from '../../src/core/domain.js';

const consecutive: BreakerOptions = { mode: 'consecutive', threshold: 3, window: 10, ratio: 0.5, cooldownMs: 1_000 };

function clocked(opts: BreakerOptions) {
  let now = 0;
  const changes: BreakerState[] = [];
  const b = new Breaker('p', opts, (_p, s) => changes.push(s), () => now);
  return { b, changes, advance: (ms: number) => { now += ms; } };
}

test('opens after N consecutive provider failures; a success in between resets the count', () => {
  const { b, changes } = clocked(consecutive);
  b.record(b.admit(), false, 'unavailable');
  b.record(b.admit(), false, 'timeout');
  b.record(b.admit(), true);
  b.record(b.admit(), false, 'auth');
  b.record(b.admit(), false, 'insufficient_funds');
  assert.equal(b.state(), 'closed');
  b.record(b.admit(), false, 'unavailable');
  assert.equal(b.state(), 'open');
  assert.equal(b.available(), false);
  assert.deepEqual(changes, ['open']);
});

test('destination problems never count against the provider', () => {
  const { b } = clocked(consecutive);
  for (let i = 0; i < 10; i++) b.record(b.admit(), false, i % 2 ? 'invalid_number' : 'region_blocked');
  for (let i = 0; i < 10; i++) b.record(b.admit(), false, i % 2 ? 'rejected' : 'rate_limited');
  assert.equal(b.state(), 'closed');
});

test('after the cooldown exactly one probe goes through; its success closes, its failure reopens', () => {
  const { b, changes, advance } = clocked(consecutive);
  for (let i = 0; i < 3; i++) b.record(b.admit(), false, 'unavailable');
  advance(999);
  assert.equal(b.state(), 'open');
  assert.equal(b.admit(), 'last-resort');
  advance(1);
  assert.equal(b.state(), 'half-open');
  assert.equal(b.available(), true);
  const probe = b.admit();
  assert.equal(probe, 'probe');
  assert.equal(b.available(), false, 'one probe at a time');
  assert.equal(b.admit(), 'last-resort', 'a second caller does not probe');
  b.record(probe, false, 'timeout');
  assert.equal(b.state(), 'open', 'a failed probe reopens');
  advance(1_000);
  const second = b.admit();
  assert.equal(second, 'probe');
  b.record(second, true);
  assert.equal(b.state(), 'closed');
  assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open', 'closed']);
});

test('a last-resort attempt that fails restarts the cooldown; one that succeeds closes', () => {
  const { b, advance } = clocked(consecutive);
  for (let i = 0; i < 3; i++) b.record(b.admit(), false, 'unavailable');
  advance(900);
  b.record(b.admit(), false, 'unavailable');
  advance(900);
  assert.equal(b.state(), 'open', 'cooldown restarted by the failed last resort');
  b.record(b.admit(), true);
  assert.equal(b.state(), 'closed');
});

test('rate mode opens when the failing share of the last calls reaches the ratio', () => {
  const { b } = clocked({ mode: 'rate', threshold: 1, window: 10, ratio: 0.5, cooldownMs: 1_000 });
  for (let i = 0; i < 9; i++) b.record(b.admit(), i % 2 === 0, i % 2 === 0 ? undefined : 'unavailable');
  assert.equal(b.state(), 'closed', 'not before the window is full');
  b.record(b.admit(), false, 'unavailable');
  assert.equal(b.state(), 'open', '5 of 10 failed');
});
