// Velocity limits with in-memory counters, on a controlled clock: node:test's mock timers drive
// Date, which the guard's in-memory windows read.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createGuard, guardSchema, type GuardConfigInput, type GuardInput, type Verdict } from '../../src/guard/index.js';
import { ipIdentity, numberPrefix } from '../../src/guard/keys.js';
import { MemoryWindows } from '../../src/guard/memory-windows.js';
import type { Destination } from '../../src/core/domain.js';
import { LIMITS_OFF } from '../support/guard.js';

const log = pino({ level: 'silent' });

/** A guard with only the given limits on (the policy keeps its defaults). */
function limitedTo(limits: NonNullable<GuardConfigInput['limits']>, extra: GuardConfigInput = {}) {
  return createGuard(guardSchema.parse({ ...extra, limits: { ...LIMITS_OFF, ...limits } }), { log });
}

/** Starts the mocked clock; `at(ms)` moves it to that many ms after the start. */
function clock(t: TestContext) {
  const start = 1_800_000_000_000;
  t.mock.timers.enable({ apis: ['Date'], now: start });
  return { at: (ms: number) => t.mock.timers.setTime(start + ms) };
}

function fr(lastDigits: string | number, prefix = '+33612345'): Destination {
  return { e164: `${prefix}${String(lastDigits).padStart(3, '0')}`, country: 'FR', type: 'MOBILE', valid: true };
}

function req(d: Destination, extra: Partial<GuardInput> = {}): GuardInput {
  return { channel: 'sms', requestType: 'mfa-verification', dest: d, ...extra };
}

const ALLOW: Verdict = { allow: true };
const refusedBy = (rule: string): Verdict => ({ allow: false, rule });

test('phone, 1 per 30 s: the 1st passes, the 2nd within 30 s is refused, after 30 s it passes again', async (t) => {
  const c = clock(t);
  const guard = limitedTo({ phone: { max: 1, perSeconds: 30 } });
  const r = req(fr(1));
  assert.deepEqual(await guard.check(r), ALLOW);
  c.at(1);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.30s'));
  c.at(29_999);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.30s'));
  c.at(30_000);
  assert.deepEqual(await guard.check(r), ALLOW);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.30s'));
  assert.deepEqual(await guard.check(req(fr(2))), ALLOW, 'another number has its own counter');
});

test('phone, default windows: 1 per 30 s, 5 per 10 min, 10 per day', async (t) => {
  const c = clock(t);
  const guard = createGuard(guardSchema.parse({ limits: { ...LIMITS_OFF, phone: undefined } }), { log });
  const r = req(fr(1));
  for (let i = 0; i < 5; i++) {
    c.at(i * 30_000);
    assert.deepEqual(await guard.check(r), ALLOW, `send ${i + 1} at ${i * 30} s`);
  }
  c.at(150_000);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.600s'));
  c.at(599_999);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.600s'));
  c.at(600_000);
  assert.deepEqual(await guard.check(r), ALLOW, 'the 10-minute window started with the first send');
  for (let i = 1; i < 5; i++) {
    c.at(600_000 + i * 30_000);
    assert.deepEqual(await guard.check(r), ALLOW, `send ${6 + i}`);
  }
  c.at(750_000);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.600s'), 'the tightest refusing window is reported');
  c.at(1_200_000);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.86400s'));
  c.at(86_399_999);
  assert.deepEqual(await guard.check(r), refusedBy('limits.phone.86400s'));
  c.at(86_400_000);
  assert.deepEqual(await guard.check(r), ALLOW);
});

test('a refused request takes nothing: none of its counters counts it', async (t) => {
  clock(t);
  const guard = limitedTo({ phone: { max: 1, perSeconds: 30 }, user: { max: 1, perSeconds: 3_600 } });
  assert.deepEqual(await guard.check(req(fr(1), { userId: 'u1' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(2), { userId: 'u1' })), refusedBy('limits.user.3600s'));
  assert.deepEqual(await guard.check(req(fr(2), { userId: 'u2' })), ALLOW, 'the refused request did not use the number\'s slot');
});

test('a request refused by policy counts nowhere', async (t) => {
  clock(t);
  const guard = limitedTo({ global: { max: 2, perSeconds: 60 } });
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(await guard.check(req({ ...fr(i), type: 'PREMIUM_RATE' })), refusedBy('numbers.type.PREMIUM_RATE'));
  }
  assert.deepEqual(await guard.check(req(fr(10))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(11))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(12))), refusedBy('limits.global.60s'));
});

test('user: by userId, else by login (case-insensitive); absent means not counted', async (t) => {
  const c = clock(t);
  const guard = limitedTo({ user: { max: 2, perSeconds: 600 } });
  assert.deepEqual(await guard.check(req(fr(1), { userId: '00u1', login: 'jane@example.com' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(2), { userId: '00u1' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(3), { userId: '00u1', login: 'other@example.com' })), refusedBy('limits.user.600s'));
  assert.deepEqual(await guard.check(req(fr(4), { login: 'Bob@Example.com' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(5), { login: 'bob@example.COM' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(6), { login: 'BOB@example.com' })), refusedBy('limits.user.600s'));
  for (let i = 0; i < 5; i++) assert.deepEqual(await guard.check(req(fr(20 + i))), ALLOW, 'no user, no user limit');
  c.at(600_000);
  assert.deepEqual(await guard.check(req(fr(7), { userId: '00u1' })), ALLOW);
});

test('prefix: numbers of one range (all but the last 3 digits) count together', async (t) => {
  const c = clock(t);
  const guard = limitedTo({ prefix: [{ max: 2, perSeconds: 3_600 }, { max: 3, perSeconds: 86_400 }] });
  assert.deepEqual(await guard.check(req(fr(1))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(999))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(500))), refusedBy('limits.prefix.3600s'));
  assert.deepEqual(await guard.check(req(fr(1, '+33612346'))), ALLOW, 'the next range is counted apart');
  c.at(3_600_000);
  assert.deepEqual(await guard.check(req(fr(500))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(501))), refusedBy('limits.prefix.86400s'));
  c.at(86_400_000);
  assert.deepEqual(await guard.check(req(fr(501))), ALLOW);
  assert.equal(numberPrefix('+33612345678'), '+33612345');
});

test('distinct numbers per prefix: the pumping signature', async (t) => {
  const c = clock(t);
  const guard = limitedTo({ distinctPerPrefix: { max: 3, perSeconds: 3_600 } });
  for (const n of [1, 2, 3]) assert.deepEqual(await guard.check(req(fr(n))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(4))), refusedBy('limits.distinctPerPrefix'));
  assert.deepEqual(await guard.check(req(fr(1))), ALLOW, 'a number already seen is not a new one');
  assert.deepEqual(await guard.check(req(fr(3))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(4, '+33612346'))), ALLOW, 'another range');
  c.at(3_599_999);
  assert.deepEqual(await guard.check(req(fr(5))), refusedBy('limits.distinctPerPrefix'));
  c.at(3_600_000);
  assert.deepEqual(await guard.check(req(fr(5))), ALLOW);
});

test('country: hourly and daily, overrides per country, unknown countries together', async (t) => {
  const c = clock(t);
  const guard = limitedTo({
    country: [{ max: 2, perSeconds: 3_600 }, { max: 3, perSeconds: 86_400 }],
    countryOverrides: { US: false, LV: { max: 1, perSeconds: 86_400 } },
  });
  assert.deepEqual(await guard.check(req(fr(1))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(2))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(3))), refusedBy('limits.country.3600s'));
  assert.deepEqual(await guard.check(req({ ...fr(3), country: 'DE', e164: '+4916012345678' })), ALLOW);
  c.at(3_600_000);
  assert.deepEqual(await guard.check(req(fr(3))), ALLOW);
  assert.deepEqual(await guard.check(req(fr(4))), refusedBy('limits.country.86400s'));
  c.at(86_400_000);
  assert.deepEqual(await guard.check(req(fr(4))), ALLOW);

  const us = (n: number): Destination => ({ e164: `+1415555${String(n).padStart(4, '0')}`, country: 'US', type: 'FIXED_LINE_OR_MOBILE', valid: true });
  for (let i = 0; i < 10; i++) assert.deepEqual(await guard.check(req(us(i))), ALLOW, 'US: no country limit');
  const lv: Destination = { e164: '+37120000000', country: 'LV', type: 'MOBILE', valid: true };
  assert.deepEqual(await guard.check(req(lv)), ALLOW);
  assert.deepEqual(await guard.check(req({ ...lv, e164: '+37120000001' })), refusedBy('limits.country.86400s'));

  const unknown = (n: number): Destination => ({ e164: `+80012345${n}`, type: 'UNKNOWN', valid: true });
  assert.deepEqual(await guard.check(req(unknown(1))), ALLOW);
  assert.deepEqual(await guard.check(req(unknown(2))), ALLOW);
  assert.deepEqual(await guard.check(req(unknown(3))), refusedBy('limits.country.3600s'));
});

test('ip: per address; IPv4-mapped is the same address; IPv6 counts per /64', async (t) => {
  const c = clock(t);
  const guard = limitedTo({ ip: { max: 2, perSeconds: 60 } });
  assert.deepEqual(await guard.check(req(fr(1), { clientIp: '203.0.113.7' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(2), { clientIp: '203.0.113.7' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(3), { clientIp: '::ffff:203.0.113.7' })), refusedBy('limits.ip.60s'));
  assert.deepEqual(await guard.check(req(fr(3), { clientIp: '203.0.113.8' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(4), { clientIp: '2001:db8:1:2::1' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(5), { clientIp: '2001:0db8:0001:0002:ffff:1:2:3' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(6), { clientIp: '2001:db8:1:2:aaaa::9' })), refusedBy('limits.ip.60s'));
  assert.deepEqual(await guard.check(req(fr(6), { clientIp: '2001:db8:1:3::1' })), ALLOW, 'another /64');
  for (let i = 0; i < 5; i++) assert.deepEqual(await guard.check(req(fr(10 + i))), ALLOW, 'no address, no address limit');
  c.at(60_000);
  assert.deepEqual(await guard.check(req(fr(7), { clientIp: '203.0.113.7' })), ALLOW);

  assert.equal(ipIdentity('::ffff:198.51.100.1'), '198.51.100.1');
  assert.equal(ipIdentity('2001:DB8::1'), '2001:db8:0:0::/64');
  assert.equal(ipIdentity('::1'), '0:0:0:0::/64');
  assert.equal(ipIdentity('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(ipIdentity('not an address'), 'not an address');
});

test('global: one ceiling over everything', async (t) => {
  const c = clock(t);
  const guard = limitedTo({ global: [{ max: 3, perSeconds: 60 }] });
  for (let i = 0; i < 3; i++) assert.deepEqual(await guard.check(req(fr(i, `+3361234${i}`), { userId: `u${i}` })), ALLOW);
  assert.deepEqual(await guard.check(req({ e164: '+4916012345678', country: 'DE', type: 'MOBILE', valid: true })), refusedBy('limits.global.60s'));
  c.at(60_000);
  assert.deepEqual(await guard.check(req(fr(9))), ALLOW);
});

test('the first refusing rule is reported: user before ip, prefix, distinct, country, global', async (t) => {
  clock(t);
  const guard = limitedTo({
    user: { max: 1, perSeconds: 60 }, ip: { max: 1, perSeconds: 60 }, prefix: { max: 1, perSeconds: 60 },
    distinctPerPrefix: { max: 1, perSeconds: 60 }, country: { max: 1, perSeconds: 60 }, global: { max: 1, perSeconds: 60 },
  });
  assert.deepEqual(await guard.check(req(fr(1), { userId: 'u', clientIp: '192.0.2.1' })), ALLOW);
  assert.deepEqual(await guard.check(req(fr(2), { userId: 'u', clientIp: '192.0.2.1' })), refusedBy('limits.user.60s'));
  assert.deepEqual(await guard.check(req(fr(2), { userId: 'v', clientIp: '192.0.2.1' })), refusedBy('limits.ip.60s'));
  assert.deepEqual(await guard.check(req(fr(2), { userId: 'v', clientIp: '192.0.2.2' })), refusedBy('limits.prefix.60s'));
});

test('allow overrides skip every limit and are not counted', async (t) => {
  clock(t);
  const guard = limitedTo({ phone: { max: 1, perSeconds: 30 }, global: { max: 1, perSeconds: 60 } },
    { allow: { phones: ['+33612345001'], users: ['00uVIP'] } });
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(await guard.check(req(fr(1))), { allow: true, allowedBy: 'allow.phones' });
    assert.deepEqual(await guard.check(req(fr(2), { userId: '00uVIP' })), { allow: true, allowedBy: 'allow.users' });
  }
  assert.deepEqual(await guard.check(req(fr(3))), ALLOW, 'the overrides used nothing of the global limit');
  assert.deepEqual(await guard.check(req(fr(2))), refusedBy('limits.global.60s'));
});

test('a burst for one number admits exactly the phone limit (in memory)', async (t) => {
  clock(t);
  const defaults = createGuard(guardSchema.parse({}), { log });
  const burst = (g: typeof defaults, n: number) => Promise.all(Array.from({ length: n }, () => g.check(req(fr(1), { userId: 'u1', clientIp: '192.0.2.1' }))));
  const a = await burst(defaults, 300);
  assert.equal(a.filter((v) => v.allow).length, 1);
  assert.ok(a.filter((v) => !v.allow).every((v) => !v.allow && v.rule === 'limits.phone.30s'));

  const five = createGuard(guardSchema.parse({ limits: { phone: { max: 5, perSeconds: 60 } } }), { log });
  assert.equal((await burst(five, 300)).filter((v) => v.allow).length, 5);
  // The refused 295 gave their slots back everywhere: the user's 10 per hour still has 5 left.
  const next = await Promise.all(Array.from({ length: 8 }, (_, i) => five.check(req(fr(100 + i, '+33699999'), { userId: 'u1' }))));
  assert.equal(next.filter((v) => v.allow).length, 5);
});

test('close waits for checks in progress, then refuses new ones', async (t) => {
  clock(t);
  const guard = limitedTo({ phone: { max: 1, perSeconds: 30 } });
  const pending = guard.check(req(fr(1)));
  await guard.close();
  assert.deepEqual(await pending, ALLOW);
  await assert.rejects(guard.check(req(fr(2))), /guard closed/);
});

test('ended windows are freed as new ones are counted, and a window that starts again keeps its key counted', (t) => {
  const c = clock(t);
  const windows = new MemoryWindows(2, 60_000);
  const take = (key: string): boolean => {
    const ok = windows.room(key, Date.now());
    if (ok) windows.add(key, Date.now());
    return ok;
  };
  for (let i = 0; i < 1_000; i++) assert.equal(take(`k${i}`), true);
  assert.equal(windows.size, 1_000);
  // k0 starts a new window after the first ended: it moves behind the keys still to expire.
  c.at(61_000);
  assert.equal(take('k0'), true);
  assert.equal(take('k0'), true);
  assert.equal(take('k0'), false, 'the new window counts from zero up to max');
  // Each count frees a few ended windows from the front; enough counts free all 999 others.
  for (let i = 0; i < 400; i++) take(`n${i}`);
  assert.equal(windows.size, 401, 'the 999 ended windows are gone; k0 and the 400 new keys remain');
});
