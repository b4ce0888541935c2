import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { CountryCode } from 'libphonenumber-js/max';
import { parseConfigText } from '../../src/config/file.js';
import { buildAdapters } from '../../src/gateway/adapters.js';
import { createRouter, type RouteInput } from '../../src/routing/plan.js';
import { RouteScores, type MeasuredRoute } from '../../src/routing/adaptive.js';
import { SETTLE_MS, scoreRefresh } from '../../src/routing/score-refresh.js';
import { Breaker } from '../../src/delivery/breaker.js';
import { toDestination } from '../../src/core/phone.js';
import type { Channel } from '../../src/core/domain.js';

const yaml = (adaptive: string) => `
auth: { type: header, secrets: ["a-long-enough-secret"] }
providers:
  alpha: { kind: console }
  bravo: { kind: console }
  charlie: { kind: console }
  backup: { kind: console }
  spare: { kind: console }
routing:
  adaptive: ${adaptive}
  rules:
    - name: uk
      match: { country: GB }
      providers: [alpha, bravo, charlie]
      fallback: [backup, spare]
    - name: fr-split
      match: { country: FR }
      split: { alpha: 50, bravo: 50 }
      fallback: [backup, spare]
  default: [alpha, bravo]
`;
const config = parseConfigText(yaml('{ minSamples: 20, exploration: 0.1, windowSeconds: 3600, refreshSeconds: 60 }'), {});
const adaptive = config.routing.adaptive!;
const adapters = buildAdapters(config, pino({ level: 'silent' }));

const input = (phone: string, eventId?: string, channel: Channel = 'sms'): RouteInput => ({
  channel, requestType: 'mfa-verification', locale: 'en-US', dest: toDestination(phone, 'US' as CountryCode)!, ...(eventId ? { eventId } : {}),
});
const UK = '+447700900123';
const FR = '+33612345678';

/** One provider's figures for GB by SMS. */
const gb = (provider: string, sent: number, delivered: number, receipted: number, verified: number): MeasuredRoute =>
  ({ provider, country: 'GB', channel: 'sms', sent, delivered, receipted, verified });

function planWith(rows: MeasuredRoute[], phone = UK, eventId?: string, breakers = new Map<string, Breaker>()) {
  const scores = new RouteScores(adaptive);
  scores.replace(rows, 0);
  return createRouter(config, adapters, breakers, scores).plan(input(phone, eventId));
}
const order = (plan: { steps: { provider: string }[] }) => plan.steps.map((s) => s.provider);

test('the configuration: true is the defaults, false or absent is off, unknown keys are refused', () => {
  assert.equal(parseConfigText(yaml('false'), {}).routing.adaptive, undefined);
  assert.deepEqual(parseConfigText(yaml('true'), {}).routing.adaptive,
    { minSamples: 30, exploration: 0.05, windowSeconds: 86_400, refreshSeconds: 60, prior: 0.5, confidence: 0.95 });
  assert.throws(() => parseConfigText(yaml('{ minSample: 10 }'), {}), /minSample/);
  assert.throws(() => parseConfigText(yaml('{ exploration: 1.5 }'), {}), /exploration/);
});

test('providers are ordered by their measured delivered rate, each reason naming the figures', () => {
  const plan = planWith([gb('alpha', 400, 200, 400, 0), gb('bravo', 412, 400, 412, 0), gb('charlie', 300, 270, 300, 0)]);
  assert.deepEqual(order(plan), ['bravo', 'charlie', 'alpha', 'backup', 'spare']);
  assert.match(plan.steps[0]!.reason, /^rule chain #2; adaptive: delivered 97% of 412, verified 0% of 412, score 0\.95$/);
  assert.match(plan.steps[2]!.reason, /^rule chain #1; adaptive: delivered 50% of 400, .*score 0\.45$/);
  // Fallbacks stay behind the chain; with nothing measured they keep their order.
  assert.match(plan.steps[3]!.reason, /^fallback #1; adaptive: nothing sent yet, not judged below 20 sent, ranks as 0\.50$/);
});

test('conversion counts once a verified code is seen: a provider whose codes go unused goes behind', () => {
  // The same delivery, but alpha's codes are rarely used.
  const plan = planWith([gb('alpha', 200, 196, 200, 40), gb('bravo', 200, 194, 200, 180)]);
  // alpha's score (0.14) is below the prior even charlie, not measured, ranks with.
  assert.deepEqual(order(plan).slice(0, 3), ['bravo', 'charlie', 'alpha']);
  assert.match(plan.steps[0]!.reason, /delivered 97% of 200, verified 90% of 200, score 0\.8\d/);
  // Without any verification (no Okta events), conversion is left out rather than read as 0%.
  assert.deepEqual(order(planWith([gb('alpha', 200, 196, 200, 0), gb('bravo', 200, 150, 200, 0)])).slice(0, 3), ['alpha', 'bravo', 'charlie']);
});

test('the delivered rate counts only when every judged provider has receipts; then conversion alone decides', () => {
  const plan = planWith([gb('alpha', 200, 0, 0, 100), gb('bravo', 200, 190, 200, 160)]);
  // Delivered rate is left out (alpha has no receipts): bravo's 80% verified beats alpha's 50%.
  assert.deepEqual(order(plan).slice(0, 3), ['bravo', 'charlie', 'alpha']);
  assert.match(plan.steps[2]!.reason, /no receipts of 200 sent, verified 50% of 200/);
  // Neither receipts nor used codes (a kind without receipts, no Okta events): nobody is judged.
  const blind = planWith([gb('alpha', 200, 0, 0, 0), gb('bravo', 200, 0, 0, 0)]);
  assert.deepEqual(order(blind).slice(0, 3), ['alpha', 'bravo', 'charlie']);
  assert.match(blind.steps[0]!.reason, /adaptive: no receipts of 200 sent, verified 0% of 200, no receipts or used codes to judge by, ranks as 0\.50$/);
});

test('below minSamples a provider is not judged: it keeps its place among the unjudged and ranks as the prior', () => {
  // alpha: 19 sent, all undelivered, is not judged yet; charlie measured well goes ahead of it.
  const few = planWith([gb('alpha', 19, 0, 19, 0), gb('charlie', 100, 95, 100, 0)]);
  assert.deepEqual(order(few).slice(0, 3), ['charlie', 'alpha', 'bravo']);
  assert.match(few.steps[1]!.reason, /delivered 0% of 19, verified 0% of 19, not judged below 20 sent, ranks as 0\.50/);
  // At 20 it is judged, and goes behind bravo, which has not been measured at all.
  const enough = planWith([gb('alpha', 20, 0, 20, 0), gb('charlie', 100, 95, 100, 0)]);
  assert.deepEqual(order(enough).slice(0, 3), ['charlie', 'bravo', 'alpha']);
  assert.match(enough.steps[2]!.reason, /score 0\.00$/);
  // Figures are per country and channel: the same provider's figures by voice do not count for SMS.
  assert.deepEqual(order(planWith([{ ...gb('alpha', 500, 0, 500, 0), channel: 'voice' }])).slice(0, 3), ['alpha', 'bravo', 'charlie']);
});

test('an exploring share of requests, fixed by their eventId, keeps the configured order', () => {
  const rows = [gb('alpha', 400, 100, 400, 0), gb('bravo', 400, 390, 400, 0)];
  let exploring = 0;
  for (let i = 0; i < 1_000; i++) {
    const plan = planWith(rows, UK, `aeva${i}`);
    const first = order(plan)[0];
    if (first === 'alpha') {
      exploring++;
      assert.match(plan.steps[0]!.reason, /adaptive: delivered 25% of 400, verified 0% of 400, exploring, configured order kept$/);
    } else assert.equal(first, 'bravo');
    // The same eventId always takes the same way (Okta's retries, and tests, are repeatable).
    assert.equal(order(planWith(rows, UK, `aeva${i}`))[0], first);
  }
  assert.ok(exploring > 70 && exploring < 130, `${exploring} of 1000 explored, for a share of 0.1`);
  // Without an eventId (byot explain) nothing explores.
  assert.equal(order(planWith(rows))[0], 'bravo');
});

test('breakers still come first: the best-measured provider with an open breaker goes to the back', () => {
  const now = 1_000;
  const open = new Breaker('bravo', { mode: 'consecutive', threshold: 1, window: 10, ratio: 0.5, cooldownMs: 60_000 }, undefined, () => now);
  open.record('normal', false, 'unavailable');
  const plan = planWith([gb('alpha', 400, 380, 400, 0), gb('bravo', 400, 396, 400, 0)], UK, undefined, new Map([['bravo', open]]));
  assert.deepEqual(order(plan), ['alpha', 'charlie', 'backup', 'spare', 'bravo']);
  assert.match(plan.steps[4]!.reason, /adaptive: delivered 99% of 400, .*score 0\.9\d; breaker open, moved to the back$/);
});

test('a split keeps its weights; its fallbacks are ranked', () => {
  const fr = (provider: string, sent: number, delivered: number): MeasuredRoute =>
    ({ provider, country: 'FR', channel: 'sms', sent, delivered, receipted: sent, verified: 0 });
  const rows = [fr('alpha', 300, 30), fr('bravo', 300, 30), fr('backup', 300, 60), fr('spare', 300, 290)];
  const configured = createRouter(config, adapters, new Map()).plan(input(FR));
  const plan = planWith(rows, FR);
  assert.deepEqual(order(plan).slice(0, 2), order(configured).slice(0, 2));
  assert.match(plan.steps[0]!.reason, /^split pick .*; adaptive: delivered 10% of 300, verified 0% of 300, a split keeps its weights$/);
  assert.deepEqual(order(plan).slice(2), ['spare', 'backup']);
});

/** A delivery log in miniature: timestamped figures, summed over what each read asks for. */
function miniLog() {
  const entries: { at: number; row: MeasuredRoute }[] = [];
  const reads: [number, number][] = [];
  const state = { failing: false };
  const load = async (sinceMs: number, untilMs: number): Promise<MeasuredRoute[]> => {
    reads.push([sinceMs, untilMs]);
    if (state.failing) throw new Error('the log is unreachable');
    return entries.filter((e) => e.at >= sinceMs && e.at < untilMs).map((e) => e.row);
  };
  return { entries, reads, state, load };
}

test('the table is refreshed from the log over the window: old figures age out (mock clock)', async () => {
  let now = 10_000_000;
  const log = miniLog();
  const errors: unknown[] = [];
  const refresh = scoreRefresh(new RouteScores(adaptive), adaptive, { load: log.load, now: () => now, onError: (err) => errors.push(err) });
  const router = createRouter(config, adapters, new Map(), refresh.scores);
  const first = () => order(router.plan(input(UK)))[0];

  // Two halves of alpha's figures, in different buckets: together they judge it.
  log.entries.push({ at: now - 1, row: gb('alpha', 50, 5, 50, 0) }, { at: now - 600_000, row: gb('alpha', 50, 5, 50, 0) });
  assert.equal(first(), 'alpha', 'nothing read yet: configured order');
  await refresh.refresh();
  // The whole window is read, bucket by bucket (3600 s / 24 = 150 s), up to now.
  assert.ok(log.reads[0]![0] <= now - 3_600_000 && log.reads[0]![0] > now - 3_600_000 - 150_000);
  assert.ok(log.reads.every(([since, until]) => until - since === 150_000));
  assert.ok(log.reads.at(-1)![1] > now);
  assert.equal(refresh.scores.refreshedAt, now);
  assert.equal(first(), 'bravo', 'alpha measured as poor: behind the unjudged bravo');
  assert.match(router.plan(input(UK)).steps.at(-3)!.reason, /delivered 10% of 100, verified 0% of 100/);

  // A failed read keeps what was known.
  now += 60_000;
  log.state.failing = true;
  await refresh.refresh();
  assert.equal(errors.length, 1);
  assert.equal(first(), 'bravo');
  log.state.failing = false;

  // A refresh asked for during one shares it.
  const running = refresh.refresh();
  assert.equal(refresh.refresh(), running);
  await running;

  // An hour later, the poor figures have left the window: alpha is back in its place.
  now += 3_600_000;
  await refresh.refresh();
  assert.equal(first(), 'alpha');
});

test('a bucket is read again while receipts and verifications may still change it, then kept', async () => {
  const day = parseConfigText(yaml('{ minSamples: 20, windowSeconds: 86400 }'), {}).routing.adaptive!;
  let now = Date.UTC(2026, 10, 22, 12, 0, 0);
  const log = miniLog();
  const refresh = scoreRefresh(new RouteScores(day), day, { load: log.load, now: () => now });
  const figures = () => refresh.scores.get('alpha', 'GB', 'sms');

  log.entries.push({ at: now - 5 * 3_600_000, row: gb('alpha', 30, 30, 30, 0) });
  await refresh.refresh();
  assert.equal(log.reads.length, 25, 'a day in hourly buckets, the current one included');
  assert.equal(figures()!.delivered, 30);

  // A minute later only the buckets of the last two hours are read again.
  now += 60_000;
  log.reads.length = 0;
  log.entries.push({ at: now - 30 * 60_000, row: gb('alpha', 10, 0, 10, 0) });
  await refresh.refresh();
  assert.ok(log.reads.length <= 4, `${log.reads.length} reads`);
  assert.ok(log.reads.every(([, until]) => until > now - SETTLE_MS));
  assert.deepEqual([figures()!.sent, figures()!.delivered], [40, 30]);
});
