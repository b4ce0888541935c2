// Property tests (fast-check) on the in-memory guard, clock mocked:
//  1. sequences of requests over time give exactly the verdicts of a small reference model of the
//     documented semantics (windows start with their first count, a refused request counts nowhere);
//  2. concurrent bursts admit exactly what is left of the phone limit, never more;
//  3. concurrent requests over every dimension never exceed any limit;
//  4. with Redis (REDIS_URL), the Redis guard gives the in-memory guard's verdicts, request by request.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createGuard, guardSchema, type GuardInput, type LimitWindow, type Verdict } from '../../src/guard/index.js';
import { LIMITS_OFF } from '../support/guard.js';
import { needEnv } from '../support/env.js';

const log = pino({ level: 'silent' });
const START = 1_800_000_000_000;

function startClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['Date'], now: START });
}

const phones = ['+33612345001', '+33612345002', '+33698765001'];
const users = ['00uA', '00uB'];

function req(phone: number, user?: number, ip?: number): GuardInput {
  return {
    channel: 'sms', requestType: 'mfa-verification',
    dest: { e164: phones[phone]!, country: 'FR', type: 'MOBILE', valid: true },
    ...(user === undefined ? {} : { userId: users[user]! }),
    ...(ip === undefined ? {} : { clientIp: `198.51.100.${ip}` }),
  };
}

const windowsArb = (minLength: number, maxMax: number, maxSeconds: number) => fc.uniqueArray(
  fc.record({ max: fc.integer({ min: 1, max: maxMax }), perSeconds: fc.integer({ min: 1, max: maxSeconds }) }),
  { selector: (w) => w.perSeconds, minLength, maxLength: 3 },
);

// --- the reference model -------------------------------------------------------------------

class ModelWindow {
  private readonly counts = new Map<string, { expiresAt: number; count: number }>();
  constructor(readonly rule: string, private readonly w: LimitWindow) {}

  private live(key: string, now: number) {
    const rec = this.counts.get(key);
    return rec && rec.expiresAt > now ? rec : undefined;
  }

  room(key: string, now: number): boolean {
    return (this.live(key, now)?.count ?? 0) < this.w.max;
  }

  add(key: string, now: number): void {
    const rec = this.live(key, now);
    if (rec) rec.count += 1;
    else this.counts.set(key, { expiresAt: now + this.w.perSeconds * 1_000, count: 1 });
  }
}

function modelOf(dimension: string, windows: LimitWindow[]): ModelWindow[] {
  return [...windows].sort((a, b) => a.max - b.max || a.perSeconds - b.perSeconds)
    .map((w) => new ModelWindow(`limits.${dimension}.${w.perSeconds}s`, w));
}

/** A request is counted by every window or by none; the first window without room, phone before user, is named. */
function modelCheck(phone: ModelWindow[], user: ModelWindow[], p: number, u: number, now: number): Verdict {
  const steps = [...phone.map((w) => ({ w, key: phones[p]! })), ...user.map((w) => ({ w, key: users[u]! }))];
  const full = steps.find((s) => !s.w.room(s.key, now));
  if (full) return { allow: false, rule: full.w.rule };
  for (const s of steps) s.w.add(s.key, now);
  return { allow: true };
}

// --- properties ----------------------------------------------------------------------------

test('property: over time, verdicts match the reference model of the limits', async (t) => {
  startClock(t);
  const step = fc.oneof(fc.constant(0), fc.constantFrom(1_000, 30_000, 60_000), fc.integer({ min: 0, max: 45_000 }));
  await fc.assert(fc.asyncProperty(
    windowsArb(1, 4, 120),
    windowsArb(0, 6, 300),
    fc.array(fc.record({ phone: fc.integer({ min: 0, max: 2 }), user: fc.integer({ min: 0, max: 1 }), dt: step }), { minLength: 1, maxLength: 60 }),
    async (phoneWindows, userWindows, events) => {
      t.mock.timers.setTime(START);
      const guard = createGuard(guardSchema.parse({ limits: { ...LIMITS_OFF, phone: phoneWindows, user: userWindows.length ? userWindows : false } }), { log });
      const phoneModel = modelOf('phone', phoneWindows);
      const userModel = modelOf('user', userWindows);
      let now = START;
      for (const [i, e] of events.entries()) {
        now += e.dt;
        t.mock.timers.setTime(now);
        const got = await guard.check(req(e.phone, e.user));
        const want = modelCheck(phoneModel, userModel, e.phone, e.user, now);
        assert.deepEqual(got, want, `event ${i} at +${now - START} ms`);
      }
      await guard.close();
    },
  ), { numRuns: 300 });
});

test('property: a concurrent burst admits exactly what is left of the phone limit', async (t) => {
  startClock(t);
  await fc.assert(fc.asyncProperty(
    fc.record({ max: fc.integer({ min: 1, max: 6 }), perSeconds: fc.integer({ min: 1, max: 120 }) }),
    fc.array(fc.record({
      dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60_000 })),
      burst: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 25 }),
    }), { minLength: 1, maxLength: 8 }),
    async (w, batches) => {
      t.mock.timers.setTime(START);
      const guard = createGuard(guardSchema.parse({ limits: { ...LIMITS_OFF, phone: w } }), { log });
      const windows = new Map<number, { expiresAt: number; used: number }>();
      let now = START;
      for (const b of batches) {
        now += b.dt;
        t.mock.timers.setTime(now);
        const verdicts = await Promise.all(b.burst.map((p) => guard.check(req(p))));
        for (const p of new Set(b.burst)) {
          let win = windows.get(p);
          if (!win || win.expiresAt <= now) windows.set(p, (win = { expiresAt: now + w.perSeconds * 1_000, used: 0 }));
          const asked = b.burst.filter((x) => x === p).length;
          const admitted = verdicts.filter((v, i) => b.burst[i] === p && v.allow).length;
          assert.equal(admitted, Math.min(asked, w.max - win.used), `phone ${p}`);
          win.used += admitted;
          assert.ok(win.used <= w.max);
        }
      }
      await guard.close();
    },
  ), { numRuns: 200 });
});

test('property: concurrent requests over every dimension never exceed any limit', async (t) => {
  startClock(t);
  await fc.assert(fc.asyncProperty(
    windowsArb(1, 3, 600), windowsArb(1, 4, 600), windowsArb(1, 4, 600), windowsArb(1, 5, 600), windowsArb(1, 6, 600),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.record({ phone: fc.integer({ min: 0, max: 2 }), user: fc.integer({ min: 0, max: 1 }), ip: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 60 }),
    async (phone, user, ip, prefix, global, distinct, requests) => {
      t.mock.timers.setTime(START);
      const limits = { ...LIMITS_OFF, phone, user, ip, prefix, global, distinctPerPrefix: { max: distinct, perSeconds: 600 } };
      const guard = createGuard(guardSchema.parse({ limits }), { log });
      const verdicts = await Promise.all(requests.map((r) => guard.check(req(r.phone, r.user, r.ip))));
      const admitted = requests.filter((_, i) => verdicts[i]!.allow);
      const least = (ws: LimitWindow[]) => Math.min(...ws.map((w) => w.max));
      const countBy = (f: (r: (typeof requests)[number]) => string) => {
        const m = new Map<string, number>();
        for (const r of admitted) m.set(f(r), (m.get(f(r)) ?? 0) + 1);
        return [...m.values()];
      };
      for (const n of countBy((r) => phones[r.phone]!)) assert.ok(n <= least(phone), 'phone');
      for (const n of countBy((r) => users[r.user]!)) assert.ok(n <= least(user), 'user');
      for (const n of countBy((r) => String(r.ip))) assert.ok(n <= least(ip), 'ip');
      for (const n of countBy((r) => phones[r.phone]!.slice(0, -3))) assert.ok(n <= least(prefix), 'prefix');
      assert.ok(admitted.length <= least(global), 'global');
      const rangeNumbers = new Map<string, Set<number>>();
      for (const r of admitted) {
        const range = phones[r.phone]!.slice(0, -3);
        rangeNumbers.set(range, (rangeNumbers.get(range) ?? new Set()).add(r.phone));
      }
      for (const set of rangeNumbers.values()) assert.ok(set.size <= distinct, 'distinct numbers per prefix');
      // Something is always admitted when the first request fits every limit.
      assert.ok(admitted.length >= 1);
      await guard.close();
    },
  ), { numRuns: 300 });
});

test('property: the Redis guard gives the in-memory guard\'s verdicts, request by request, over every dimension', async (t) => {
  const url = needEnv(t, 'REDIS_URL', 'start Redis and run with REDIS_URL=redis://127.0.0.1:6379');
  if (!url) return;
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const base = `byot-test:property:${randomUUID()}`;
  t.after(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}:*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });
  // Windows of a minute or more, so none ends during a run: expiry runs on Redis's clock there
  // and on Date here, and is tested on its own (test/guard/redis.test.ts).
  const long = (maxMax: number) => fc.uniqueArray(
    fc.record({ max: fc.integer({ min: 1, max: maxMax }), perSeconds: fc.integer({ min: 60, max: 600 }) }),
    { selector: (w) => w.perSeconds, minLength: 1, maxLength: 3 },
  );
  let run = 0;
  await fc.assert(fc.asyncProperty(
    long(3), long(4), long(4), long(5), long(6), long(8), fc.integer({ min: 1, max: 4 }),
    fc.array(fc.record({ phone: fc.integer({ min: 0, max: 2 }), user: fc.integer({ min: 0, max: 1 }), ip: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 40 }),
    async (phone, user, ip, prefix, country, global, distinct, requests) => {
      const limits = { ...LIMITS_OFF, phone, user, ip, prefix, country, global, distinctPerPrefix: { max: distinct, perSeconds: 600 } };
      const memory = createGuard(guardSchema.parse({ limits }), { log });
      const shared = createGuard(guardSchema.parse({ limits, store: { keyPrefix: `${base}:${run++}`, timeoutMs: 2_000 } }),
        { redis, hashKey: 'a-property-test-hash-key', log });
      for (const [i, r] of requests.entries()) {
        const want = await memory.check(req(r.phone, r.user, r.ip));
        assert.deepEqual(await shared.check(req(r.phone, r.user, r.ip)), want, `request ${i}`);
      }
      await Promise.all([memory.close(), shared.close()]);
    },
  ), { numRuns: 100 });
});
