// The guard against a real Redis (REDIS_URL): shared counters across instances and processes,
// exact admission under concurrency, hashed keys, and what happens when Redis fails.
// Without REDIS_URL the tests skip, except under CI, where they fail: there they must run.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import pino from 'pino';
import { createGuard, guardSchema, type GuardConfigInput, type GuardInput, type GuardLog } from '../../src/guard/index.js';
import { keyHasher } from '../../src/guard/keys.js';
import type { Destination } from '../../src/core/domain.js';
import { LIMITS_OFF, cleanUpAfter, redisTest, uniquePrefix } from '../support/guard.js';
import { freePort, startNode } from '../support/processes.js';

const HASH_KEY = 'a-test-hash-key-of-enough-length';
const silent = pino({ level: 'silent' });

/** `n` connected clients, closed after the test; the key prefix's keys are deleted then. */
async function clients(t: TestContext, url: string, keyPrefix: string, n: number, options: RedisOptions = {}): Promise<Redis[]> {
  const list = Array.from({ length: n }, () => new Redis(url, { maxRetriesPerRequest: 1, ...options }));
  cleanUpAfter(t, keyPrefix, list);
  await Promise.all(list.map((c) => c.ping()));
  return list;
}

function config(keyPrefix: string, extra: GuardConfigInput = {}) {
  return guardSchema.parse({ ...extra, store: { ...extra.store, keyPrefix } });
}

function fr(lastDigits: number, prefix = '+33612345'): Destination {
  return { e164: `${prefix}${String(lastDigits).padStart(3, '0')}`, country: 'FR', type: 'MOBILE', valid: true };
}

function req(d: Destination, extra: Partial<GuardInput> = {}): GuardInput {
  return { channel: 'sms', requestType: 'mfa-verification', dest: d, ...extra };
}

/** A logger that keeps what it is given. */
function capture(): { log: GuardLog; lines: { level: string; msg: string; [k: string]: unknown }[] } {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => {
    lines.push(typeof obj === 'string' ? { level, msg: obj } : { level, msg: msg ?? '', ...(obj as object) });
  };
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as GuardLog };
}

/** A client for a Redis that is not there: commands fail at once, no reconnect loop. */
function deadClient(t: TestContext, port: number): Redis {
  const c = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => { /* expected: nothing listens there */ });
  t.after(() => c.disconnect());
  return c;
}

redisTest('instances sharing Redis share the counters', async (t, url) => {
  const kp = uniquePrefix();
  const [a, b] = await clients(t, url, kp, 2);
  const cfg = config(kp, { limits: { ...LIMITS_OFF, phone: { max: 1, perSeconds: 30 }, user: { max: 2, perSeconds: 60 } } });
  const one = createGuard(cfg, { redis: a!, hashKey: HASH_KEY, log: silent });
  const two = createGuard(cfg, { redis: b!, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await one.check(req(fr(1), { userId: 'u1' })), { allow: true });
  assert.deepEqual(await two.check(req(fr(1), { userId: 'u1' })), { allow: false, rule: 'limits.phone.30s' });
  assert.deepEqual(await two.check(req(fr(2), { userId: 'u1' })), { allow: true });
  assert.deepEqual(await one.check(req(fr(3), { userId: 'u1' })), { allow: false, rule: 'limits.user.60s' });
  // The refused request gave the number's slot back in Redis.
  assert.deepEqual(await one.check(req(fr(3), { userId: 'u2' })), { allow: true });
  await Promise.all([one.close(), two.close()]);
});

redisTest('createGuard wants a hash key with Redis', async (t, url) => {
  const [a] = await clients(t, url, uniquePrefix(), 1);
  assert.throws(() => createGuard(guardSchema.parse({}), { redis: a!, log: silent }), /hashKey is required with Redis/);
});

redisTest('keys hold hashes, never numbers, ranges, users or addresses', async (t, url) => {
  const kp = uniquePrefix();
  const [a] = await clients(t, url, kp, 1);
  const guard = createGuard(config(kp), { redis: a!, hashKey: HASH_KEY, log: silent });
  const d: Destination = { e164: '+447911123456', country: 'GB', type: 'MOBILE', valid: true };
  assert.deepEqual(await guard.check(req(d, { userId: '00uSECRET', login: 'jane@example.com', clientIp: '203.0.113.77' })), { allow: true });
  const keys = await a!.keys(`${kp}:*`);
  assert.equal(keys.length, 14, 'phone 3, user 2, ip 2, prefix 2, distinct 1, country 2, global 2');
  const dump = keys.join('\n') + '\n' + (await Promise.all(keys.filter((k) => k.includes(':distinct:')).map((k) => a!.smembers(k)))).flat().join('\n');
  for (const secret of ['447911123456', '447911123', '00uSECRET', 'jane', '203.0.113.77']) assert.ok(!dump.includes(secret), `${secret} in Redis`);
  const h = keyHasher(HASH_KEY);
  assert.equal(await a!.get(`${kp}:phone:30s:${h('phone', '+447911123456')}`), '1');
  assert.ok(keys.includes(`${kp}:country:3600s:GB`), 'a country code is no secret');
  const ttl = await a!.pttl(`${kp}:distinct:3600s:${h('prefix', '+447911123')}`);
  assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `distinct set expires with its window (${ttl})`);
  await guard.close();
});

redisTest('window expiry on Redis time', async (t, url) => {
  const kp = uniquePrefix();
  const [a] = await clients(t, url, kp, 1);
  const guard = createGuard(config(kp, { limits: { ...LIMITS_OFF, phone: { max: 2, perSeconds: 1 } } }), { redis: a!, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true });
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true });
  assert.deepEqual(await guard.check(req(fr(1))), { allow: false, rule: 'limits.phone.1s' });
  await sleep(1_100);
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true });
  await guard.close();
});

redisTest('distinct numbers per prefix in Redis', async (t, url) => {
  const kp = uniquePrefix();
  const [a, b] = await clients(t, url, kp, 2);
  const cfg = config(kp, { limits: { ...LIMITS_OFF, distinctPerPrefix: { max: 2, perSeconds: 3_600 } } });
  const one = createGuard(cfg, { redis: a!, hashKey: HASH_KEY, log: silent });
  const two = createGuard(cfg, { redis: b!, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await one.check(req(fr(1))), { allow: true });
  assert.deepEqual(await two.check(req(fr(2))), { allow: true });
  assert.deepEqual(await one.check(req(fr(3))), { allow: false, rule: 'limits.distinctPerPrefix' });
  assert.deepEqual(await two.check(req(fr(1))), { allow: true }, 'a number already counted');
  assert.deepEqual(await two.check(req(fr(3, '+33612346'))), { allow: true }, 'another range');
  await Promise.all([one.close(), two.close()]);
});

async function burst(guards: ReturnType<typeof createGuard>[], total: number, input: GuardInput) {
  const verdicts = await Promise.all(Array.from({ length: total }, (_, i) => guards[i % guards.length]!.check(input)));
  assert.ok(verdicts.every((v) => !v.degraded), 'every check was counted in Redis');
  return verdicts.filter((v) => v.allow).length;
}

redisTest('300 concurrent checks for one number from 3 instances admit exactly max', async (t, url) => {
  for (const [phone, max] of [[undefined, 1], [{ max: 5, perSeconds: 60 }, 5], [[{ max: 3, perSeconds: 60 }, { max: 7, perSeconds: 600 }], 3]] as const) {
    const kp = uniquePrefix();
    const cs = await clients(t, url, kp, 3);
    // A generous timeout: this is about Redis's atomicity, not about a loaded CI machine's latency.
    const cfg = config(kp, { ...(phone === undefined ? {} : { limits: { phone } }), store: { timeoutMs: 2_000 } });
    const guards = cs.map((c) => createGuard(cfg, { redis: c, hashKey: HASH_KEY, log: silent }));
    const input = req(fr(1), { userId: '00uBURST', clientIp: '192.0.2.10' });
    assert.equal(await burst(guards, 300, input), max, `phone ${JSON.stringify(phone ?? 'defaults')}`);
    // Every refused request gave back what it took: the counters hold exactly the admitted sends.
    const h = keyHasher(HASH_KEY);
    const first = phone === undefined ? '30s' : '60s';
    assert.equal(Number(await cs[0]!.get(`${kp}:phone:${first}:${h('phone', fr(1).e164)}`)), max);
    assert.equal(Number(await cs[0]!.get(`${kp}:user:3600s:${h('user', 'id:00uBURST')}`)), max);
    assert.equal(Number(await cs[0]!.get(`${kp}:global:3600s:all`)), max);
    await Promise.all(guards.map((g) => g.close()));
  }
});

redisTest('300 concurrent checks for one number from 3 processes admit exactly max', async (t, url) => {
  const kp = uniquePrefix();
  await clients(t, url, kp, 1); // for the clean-up
  // Run from the sources (tsx) or from the build (dist/test/…).
  const guardModule = new URL(`../../src/guard/index.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).href;
  const code = `
    import { Redis } from 'ioredis';
    const { createGuard, guardSchema } = await import(${JSON.stringify(guardModule)});
    const p = JSON.parse(process.env.GUARD_TEST);
    const redis = new Redis(p.url);
    const noop = () => {};
    const guard = createGuard(guardSchema.parse(p.config), { redis, hashKey: p.hashKey, log: { debug: noop, info: noop, warn: noop, error: noop } });
    await redis.ping();
    process.stdout.write('ready\\n');
    process.stdin.once('data', async () => {
      const verdicts = await Promise.all(Array.from({ length: p.count }, () => guard.check(p.input)));
      const count = (f) => verdicts.filter(f).length;
      process.stdout.write(JSON.stringify({ admitted: count((v) => v.allow), degraded: count((v) => v.degraded) }) + '\\n');
      await guard.close();
      await redis.quit();
      process.exit(0);
    });
  `;
  const params = { url, hashKey: HASH_KEY, count: 100, config: { store: { keyPrefix: kp, timeoutMs: 2_000 }, limits: { phone: { max: 4, perSeconds: 60 } } }, input: req(fr(7)) };
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const children = Array.from({ length: 3 }, () => startNode(['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd, env: { GUARD_TEST: JSON.stringify(params) },
  }));
  t.after(() => Promise.all(children.map((c) => c.stop())));
  const lines = children.map((c) => () => c.nextLine());
  assert.deepEqual(await Promise.all(lines.map((next) => next())), ['ready', 'ready', 'ready']);
  children.forEach((c) => c.child.stdin.write('go\n'));
  const results = (await Promise.all(lines.map((next) => next()))).map((l) => JSON.parse(l) as { admitted: number; degraded: number });
  assert.deepEqual(results.map((r) => r.degraded), [0, 0, 0], 'every check was counted in Redis');
  const admitted = results.map((r) => r.admitted);
  assert.equal(admitted.reduce((a, b) => a + b, 0), 4, `admitted per process: ${admitted.join(', ')}`);
});

test('Redis down, insurance off: failMode open allows (degraded), closed refuses', async (t) => {
  const port = await freePort();
  const limits = { ...LIMITS_OFF, phone: { max: 1, perSeconds: 30 }, distinctPerPrefix: { max: 1, perSeconds: 60 } };
  const open = createGuard(config(uniquePrefix(), { limits, store: { failMode: 'open', insurance: { enabled: false } } }),
    { redis: deadClient(t, port), hashKey: HASH_KEY, log: silent });
  for (let i = 0; i < 3; i++) assert.deepEqual(await open.check(req(fr(1))), { allow: true, degraded: true });

  const closed = createGuard(config(uniquePrefix(), { limits, store: { failMode: 'closed', insurance: { enabled: false } } }),
    { redis: deadClient(t, port), hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await closed.check(req(fr(1))), { allow: false, rule: 'store.unavailable', degraded: true });
  // Policy does not depend on Redis: it still names its own rule.
  assert.deepEqual(await closed.check(req({ ...fr(1), type: 'PREMIUM_RATE' })), { allow: false, rule: 'numbers.type.PREMIUM_RATE' });
  // Allow overrides do not need the store either.
  const trusted = createGuard(config(uniquePrefix(), { limits, allow: { users: ['00uVIP'] }, store: { failMode: 'closed', insurance: { enabled: false } } }),
    { redis: deadClient(t, port), hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await trusted.check(req(fr(1), { userId: '00uVIP' })), { allow: true, allowedBy: 'allow.users' });
});

test('Redis down, insurance on: limits still hold per instance, marked degraded', async (t) => {
  const port = await freePort();
  const { log, lines } = capture();
  const guard = createGuard(config(uniquePrefix(), {
    limits: { ...LIMITS_OFF, phone: { max: 6, perSeconds: 30 }, distinctPerPrefix: { max: 6, perSeconds: 60 } },
    store: { failMode: 'closed', insurance: { instances: 3 } },
  }), { redis: deadClient(t, port), hashKey: HASH_KEY, log });
  const started = performance.now();
  // 6 per number and 6 numbers per range, shared by 3 instances: 2 each while each counts alone.
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true, degraded: true });
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true, degraded: true });
  assert.deepEqual(await guard.check(req(fr(1))), { allow: false, rule: 'limits.phone.30s', degraded: true });
  assert.deepEqual(await guard.check(req(fr(2))), { allow: true, degraded: true });
  assert.deepEqual(await guard.check(req(fr(3))), { allow: false, rule: 'limits.distinctPerPrefix', degraded: true });
  assert.ok(performance.now() - started < 100, 'an unreachable Redis costs no waiting');
  const warnings = lines.filter((l) => l.level === 'warn');
  assert.equal(warnings.length, 1, 'one warning per outage, not one per request');
  assert.match(warnings[0]!.msg, /Redis unavailable; counting limits per instance/);
  await guard.close();
});

test('a Redis that hangs costs one timeout, then the insurance answers at once', async (t) => {
  // Accepts connections and never answers.
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { sockets.forEach((s) => s.destroy()); server.close(); });
  // Connected, but its first commands (ioredis's CLIENT SETINFO) never answered: requests queue.
  const client = new Redis({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  client.on('error', () => { /* the socket is destroyed at the end */ });
  t.after(() => client.disconnect());
  await once(client, 'connect');

  const guard = createGuard(config(uniquePrefix(), {
    limits: { ...LIMITS_OFF, phone: { max: 1, perSeconds: 30 }, global: { max: 100, perSeconds: 60 } },
    store: { timeoutMs: 100, retryAfterMs: 60_000 },
  }), { redis: client, hashKey: HASH_KEY, log: silent });
  let started = performance.now();
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true, degraded: true });
  const first = performance.now() - started;
  assert.ok(first >= 95 && first < 400, `the first check waited for the timeout once (${first.toFixed(0)} ms)`);
  started = performance.now();
  assert.deepEqual(await guard.check(req(fr(1))), { allow: false, rule: 'limits.phone.30s', degraded: true });
  assert.deepEqual(await guard.check(req(fr(2))), { allow: true, degraded: true });
  assert.ok(performance.now() - started < 50, 'later checks do not wait for Redis');
  await guard.close();
});

redisTest('when Redis comes back, counting is shared again', async (t, url) => {
  const kp = uniquePrefix();
  const [live] = await clients(t, url, kp, 1);
  const late = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  t.after(() => late.quit());
  const { log, lines } = capture();
  const guard = createGuard(config(kp, { limits: { ...LIMITS_OFF, phone: { max: 1, perSeconds: 30 } }, store: { retryAfterMs: 0 } }),
    { redis: late, hashKey: HASH_KEY, log });
  assert.deepEqual(await guard.check(req(fr(1))), { allow: true, degraded: true }, 'not connected yet: counted in memory');
  // The first command started the connection (lazyConnect) and failed at once (no offline queue).
  if (late.status !== 'ready') await once(late, 'ready');
  assert.deepEqual(await guard.check(req(fr(2))), { allow: true });
  const other = createGuard(config(kp, { limits: { ...LIMITS_OFF, phone: { max: 1, perSeconds: 30 } } }), { redis: live!, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await other.check(req(fr(2))), { allow: false, rule: 'limits.phone.30s' }, 'the second send was counted in Redis');
  assert.deepEqual(lines.map((l) => `${l.level}: ${l.msg}`), [
    'warn: guard: Redis unavailable; counting limits per instance until it answers again',
    'info: guard: Redis answers again; limits are shared across instances again',
  ]);
  await Promise.all([guard.close(), other.close()]);
});
