// Conversion-aware blocking on a controlled clock (the guard's `now` seam): sends, verifications
// fed through guard.recordVerified, pending codes that are not failures yet, blocks, their modes,
// cooldown, lift, alerts, and blocks shared through Redis between two guards.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createGuard, guardSchema, type BlockAlert, type GuardConfigInput, type GuardInput } from '../../src/guard/index.js';
import { wilsonUpper, zFor } from '../../src/guard/conversion/wilson.js';
import { RollingCounts } from '../../src/guard/conversion/rolling.js';
import type { Destination } from '../../src/core/domain.js';
import { eventually } from '../scale/support.js';
import { LIMITS_OFF } from '../support/guard.js';

const log = pino({ level: 'silent' });
const MIN = 60_000;

function simClock(start = 1_800_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; }, get t() { return t; } };
}

function conversionGuard(conversion: NonNullable<GuardConfigInput['conversion']>, extra: GuardConfigInput = {}, deps: { redis?: Redis; keyPrefix?: string } = {}) {
  const clock = simClock();
  const alerts: BlockAlert[] = [];
  const config = guardSchema.parse({
    ...extra, limits: LIMITS_OFF, conversion,
    ...(deps.keyPrefix ? { store: { keyPrefix: deps.keyPrefix } } : {}),
  });
  const guard = createGuard(config, {
    log, now: clock.now, alert: (a) => alerts.push(a),
    ...(deps.redis ? { redis: deps.redis, hashKey: 'test-hash-key' } : {}),
  });
  return { guard, clock, alerts };
}

/** A UK mobile: +4477009 then `block` (2 digits) then `n` (4 digits). */
function gb(block: number, n: number): Destination {
  return { e164: `+4477009${String(block).padStart(2, '0')}${String(n).padStart(4, '0')}`, country: 'GB', type: 'MOBILE', valid: true };
}

const req = (dest: Destination, extra: Partial<GuardInput> = {}): GuardInput => ({ channel: 'sms', requestType: 'mfa-verification', dest, ...extra });
let ids = 0;
const eventId = () => `evt${++ids}`;

type G = ReturnType<typeof conversionGuard>;

/** Admits and sends `count` codes to numbers of one prefix; verifies the first `verified` of them at once. */
async function traffic(g: G, block: number, count: number, verified: number, from = 0): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const dest = gb(block, from + i);
    const verdict = await g.guard.check(req(dest));
    if (!verdict.allow) continue;
    const id = eventId();
    g.guard.recordSend({ eventId: id, channel: 'sms', requestType: 'mfa-verification', dest, otpExpires: new Date(g.clock.t + 5 * MIN) });
    if (i < verified) assert.equal(g.guard.recordVerified({ eventId: id }), true);
    sent.push(id);
  }
  return sent;
}

type ConversionInput = NonNullable<GuardConfigInput['conversion']>;
const ENFORCE: ConversionInput = { mode: 'enforce', prefixes: { dropDigits: [4], minSends: 8 }, countries: { mode: 'off' }, graceSeconds: 60 };

describe('Wilson upper bound', () => {
  test('z for 95% is 1.96, and the bound narrows with more evidence', () => {
    assert.ok(Math.abs(zFor(0.95) - 1.96) < 0.001);
    assert.ok(Math.abs(zFor(0.99) - 2.5758) < 0.001);
    const z = 1.96;
    assert.ok(Math.abs(wilsonUpper(0, 10, z) - 0.2775) < 0.001);
    assert.ok(wilsonUpper(0, 100, z) < wilsonUpper(0, 10, z));
    assert.ok(wilsonUpper(8, 10, z) > 0.8);
    assert.equal(wilsonUpper(0, 0, z), 1);
  });
});

describe('rolling counts', () => {
  test('a bucket leaves the window whole, and an out-of-window bucket is ignored', () => {
    const r = new RollingCounts(60_000, 300_000);
    const t0 = 1_000 * 60_000;
    r.add('k', r.bucketOf(t0), 'sent', t0);
    r.add('k', r.bucketOf(t0) - 10, 'sent', t0);
    assert.equal(r.sum('k', t0).sent, 1);
    assert.equal(r.sum('k', t0 + 4 * 60_000).sent, 1);
    assert.equal(r.sum('k', t0 + 5 * 60_000).sent, 0);
  });
});

describe('conversion-aware blocking', () => {
  test('unverified sends are pending until otpExpires + grace; then the prefix is blocked, others are not', async () => {
    const g = conversionGuard(ENFORCE);
    await traffic(g, 1, 10, 9); // the verification feed is alive, and this prefix converts
    await traffic(g, 2, 10, 0); // nothing verified in this one
    g.clock.advance(5 * MIN);
    // Still inside their validity + grace: pending, not failures.
    assert.deepEqual(await g.guard.check(req(gb(2, 50))), { allow: true });
    g.clock.advance(61_000);
    const verdict = await g.guard.check(req(gb(2, 51)));
    assert.deepEqual(verdict, { allow: false, rule: 'conversion.prefix.4' });
    assert.deepEqual(await g.guard.check(req(gb(1, 50))), { allow: true }, 'the converting prefix still sends');
    assert.equal(g.alerts.length, 1);
    assert.equal(g.alerts[0]!.event, 'block.started');
    const block = g.alerts[0]!.block;
    assert.equal(block.scope, '+447700902xxxx');
    assert.equal(block.evidence.failed, 10);
    assert.equal(block.evidence.verified, 0);
    assert.equal(block.evidence.baselineIsFloor, true);
    assert.equal(block.evidence.baseline, 0.6);
    assert.ok(!/\+447700902\d{4}/.test(JSON.stringify(g.alerts)), 'no number of the prefix in the alert');
  });

  test('late verifications count: codes verified before they expire keep the prefix open', async () => {
    const g = conversionGuard(ENFORCE);
    await traffic(g, 1, 1, 1);
    const sent = await traffic(g, 3, 10, 0);
    g.clock.advance(4 * MIN);
    for (const id of sent.slice(0, 8).reverse()) assert.equal(g.guard.recordVerified({ eventId: id }), true); // out of order
    g.clock.advance(10 * MIN);
    assert.deepEqual(await g.guard.check(req(gb(3, 99))), { allow: true });
    assert.equal(g.alerts.length, 0);
    assert.equal(g.guard.recordVerified({ eventId: sent[0]! }), false, 'a duplicate verification counts once');
  });

  test('without any verification (no feed), nothing is blocked', async () => {
    const g = conversionGuard(ENFORCE);
    await traffic(g, 4, 20, 0);
    g.clock.advance(10 * MIN);
    assert.deepEqual(await g.guard.check(req(gb(4, 99))), { allow: true });
  });

  test('monitor mode decides, alerts and reports the rule, but sends', async () => {
    const g = conversionGuard({ ...ENFORCE, mode: 'monitor' });
    await traffic(g, 1, 1, 1);
    await traffic(g, 5, 10, 0);
    g.clock.advance(7 * MIN);
    assert.deepEqual(await g.guard.check(req(gb(5, 99))), { allow: true, monitored: ['conversion.prefix.4'] });
    assert.equal(g.alerts[0]?.block.mode, 'monitor');
    assert.equal((await g.guard.blocks()).length, 1);
  });

  test('allow-listed numbers and users are never blocked', async () => {
    const g = conversionGuard(ENFORCE, { allow: { phones: [gb(6, 7).e164], users: ['vip@example.com'] } });
    await traffic(g, 1, 1, 1);
    await traffic(g, 6, 10, 0, 100);
    g.clock.advance(7 * MIN);
    assert.equal((await g.guard.check(req(gb(6, 200)))).allow, false);
    assert.deepEqual(await g.guard.check(req(gb(6, 7))), { allow: true, allowedBy: 'allow.phones' });
    assert.deepEqual(await g.guard.check(req(gb(6, 201), { login: 'VIP@example.com' })), { allow: true, allowedBy: 'allow.users' });
  });

  test('a block lasts its cooldown, renewed by refused requests, then ends with an alert', async () => {
    const g = conversionGuard({ ...ENFORCE, cooldownSeconds: 3_600 });
    await traffic(g, 1, 1, 1);
    await traffic(g, 7, 10, 0);
    g.clock.advance(7 * MIN);
    assert.equal((await g.guard.check(req(gb(7, 99)))).allow, false);
    g.clock.advance(50 * MIN);
    assert.equal((await g.guard.check(req(gb(7, 98)))).allow, false, 'still on, and renewed');
    g.clock.advance(50 * MIN);
    assert.equal((await g.guard.check(req(gb(7, 97)))).allow, false, 'past the first hour: the renewal holds');
    // An hour without a request, and the evidence has left the window.
    g.clock.advance(61 * MIN);
    assert.deepEqual(await g.guard.check(req(gb(7, 96))), { allow: true });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(g.alerts.map((a) => a.event), ['block.started', 'block.ended']);
  });

  test('an admin lift reopens the scope and it is not blocked again during the cooldown', async () => {
    const g = conversionGuard(ENFORCE);
    await traffic(g, 1, 1, 1);
    await traffic(g, 8, 10, 0);
    g.clock.advance(7 * MIN);
    assert.equal((await g.guard.check(req(gb(8, 99)))).allow, false);
    const [block] = await g.guard.blocks();
    assert.ok(block);
    assert.equal((await g.guard.lift(block.id, 'alice'))?.lifted?.by, 'alice');
    assert.equal(await g.guard.lift(block.id, 'alice'), undefined, 'lifting twice finds nothing');
    assert.deepEqual(await g.guard.check(req(gb(8, 98))), { allow: true });
    assert.deepEqual(g.alerts.map((a) => a.event), ['block.started', 'block.lifted']);
  });

  test('a country × channel with no baseline is judged against the floor', async () => {
    const g = conversionGuard({ mode: 'enforce', prefixes: { mode: 'off' }, countries: { minSends: 20 }, graceSeconds: 60 });
    await traffic(g, 1, 1, 1);
    for (let b = 10; b < 30; b++) await traffic(g, b, 1, 0); // one number in each of 20 prefixes
    g.clock.advance(7 * MIN);
    // Expired sends are settled a few per call (constant work), so the first call settles part of them.
    assert.deepEqual(await g.guard.check(req(gb(40, 1), { channel: 'voice' })), { allow: true }, 'voice to GB is its own scope');
    assert.deepEqual(await g.guard.check(req(gb(40, 1))), { allow: false, rule: 'conversion.country' });
  });
});

describe('blocks shared through Redis', { skip: process.env.REDIS_URL ? false : 'REDIS_URL not set' }, () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  const keyPrefix = `byot:test:${randomBytes(6).toString('hex')}`;
  after(async () => {
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  test('a block started by one instance refuses on another, and a lift on the other reopens both', async () => {
    await redis.connect();
    const a = conversionGuard(ENFORCE, {}, { redis, keyPrefix });
    const b = conversionGuard(ENFORCE, {}, { redis, keyPrefix });
    // Until an instance hears the others' verifications, its expired sends wait (relay.ts).
    await eventually('both subscribed to verifications', 5_000, () => a.guard.listening() && b.guard.listening());
    await traffic(a, 1, 1, 1);
    await traffic(a, 9, 10, 0);
    a.clock.advance(7 * MIN);
    b.clock.advance(7 * MIN);
    assert.equal((await a.guard.check(req(gb(9, 99)))).allow, false, 'the block is started in the admission script');
    assert.deepEqual(await b.guard.check(req(gb(9, 98))), { allow: false, rule: 'conversion.prefix.4' }, 'b has no evidence of its own');
    const keys = await redis.keys(`${keyPrefix}:block:*`);
    assert.equal(keys.length, 1);
    assert.match(keys[0]!, new RegExp(`^${keyPrefix}:block:conversion\\.prefix\\.4:[A-Za-z0-9_-]{22}$`));
    assert.ok((await redis.pttl(keys[0]!)) > 11 * 3_600_000, 'TTL is the 12 h cooldown');
    const [listed] = await b.guard.blocks();
    assert.equal(listed?.evidence.failed, 10);
    await b.guard.lift(listed!.id, 'bob');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await a.guard.check(req(gb(9, 97))), { allow: true });
    await Promise.all([a.guard.close(), b.guard.close()]);
  });
});

describe('stricter at enrollment', () => {
  const fr: Destination = { e164: '+33612345678', country: 'FR', type: 'MOBILE', valid: true };

  test('pre-enrollment may have a smaller country list; other flows keep the general one', async () => {
    const g = conversionGuard({}, { enrollment: { countries: { sms: { allow: ['GB'] } } } });
    assert.deepEqual(await g.guard.check(req(fr, { requestType: 'pre-enrollment' })), { allow: false, rule: 'enrollment.countries.sms' });
    assert.deepEqual(await g.guard.check(req(fr)), { allow: true });
    assert.deepEqual(await g.guard.check(req(gb(1, 1), { requestType: 'pre-enrollment' })), { allow: true });
  });

  test('requireVerifiedCountry: no enrollment to a country × channel until a code there was used', async () => {
    const g = conversionGuard({}, { enrollment: { requireVerifiedCountry: true } });
    const enroll = (dest: Destination, channel: 'sms' | 'voice' = 'sms') => g.guard.check(req(dest, { requestType: 'pre-enrollment', channel }));
    assert.deepEqual(await enroll(gb(1, 1)), { allow: false, rule: 'enrollment.unproven' });
    assert.deepEqual(await g.guard.check(req(gb(1, 1))), { allow: true }, 'a sign-in is not an enrollment');
    await traffic(g, 2, 1, 1);
    assert.deepEqual(await enroll(gb(3, 1)), { allow: true });
    assert.deepEqual(await enroll(gb(3, 1), 'voice'), { allow: false, rule: 'enrollment.unproven' }, 'voice is its own scope');
    assert.deepEqual(await enroll(fr), { allow: false, rule: 'enrollment.unproven' });
  });
});
