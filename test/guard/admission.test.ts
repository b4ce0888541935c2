// The Redis admission script against a real Redis (REDIS_URL): one round trip per check, all or
// nothing, the idempotency claim in the same step, EVALSHA falling back when Redis lost the script,
// and what a slow Redis or a stalled process does to a verdict. Without REDIS_URL the tests skip,
// except under CI, where they fail.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createGuard, guardSchema, type GuardConfigInput, type GuardInput } from '../../src/guard/index.js';
import { keyHasher } from '../../src/guard/keys.js';
import type { Destination } from '../../src/core/domain.js';
import { privateRedis, redisServerOnPath } from '../scale/support.js';
import { LIMITS_OFF, cleanUpAfter, redisTest, uniquePrefix } from '../support/guard.js';
import { skipOrFail } from '../support/env.js';

const HASH_KEY = 'an-admission-test-hash-key';
const h = keyHasher(HASH_KEY);
const silent = pino({ level: 'silent' });

/** A client whose commands are counted, and whose key prefix's keys are deleted after the test. */
async function countedClient(t: TestContext, url: string, keyPrefix: string): Promise<{ redis: Redis; sent: string[] }> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  await redis.ping();
  const sent: string[] = [];
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    sent.push(command.name);
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof redis.sendCommand;
  cleanUpAfter(t, keyPrefix, [redis]);
  return { redis, sent };
}

function config(keyPrefix: string, extra: GuardConfigInput = {}) {
  return guardSchema.parse({ ...extra, store: { timeoutMs: 2_000, ...extra.store, keyPrefix } });
}

const dest = (e164: string): Destination => ({ e164, country: 'FR', type: 'MOBILE', valid: true });
const req = (e164: string, extra: Partial<GuardInput> = {}): GuardInput => ({ channel: 'sms', requestType: 'mfa-verification', dest: dest(e164), ...extra });

redisTest('a check is one round trip, every limit of every dimension included', async (t, url) => {
  const kp = uniquePrefix();
  const { redis, sent } = await countedClient(t, url, kp);
  const guard = createGuard(config(kp), { redis, hashKey: HASH_KEY, log: silent });
  const input = req('+33612345001', { userId: '00uONE', clientIp: '198.51.100.7' });
  assert.deepEqual(await guard.check(input), { allow: true });
  sent.length = 0;
  assert.deepEqual(await guard.check(req('+33612345002', { userId: '00uTWO', clientIp: '198.51.100.8' })), { allow: true });
  assert.deepEqual(sent, ['evalsha'], 'phone 3, user 2, ip 2, prefix 2, distinct, country 2, global 2: one script');
  sent.length = 0;
  assert.deepEqual(await guard.check(input), { allow: false, rule: 'limits.phone.30s' });
  assert.deepEqual(sent, ['evalsha'], 'a refusal gives nothing back: no second round trip');
  await guard.close();
});

redisTest('all or nothing: a request refused by its last limit is counted by none', async (t, url) => {
  const kp = uniquePrefix();
  const { redis } = await countedClient(t, url, kp);
  const guard = createGuard(config(kp, {
    limits: { ...LIMITS_OFF, phone: { max: 5, perSeconds: 60 }, user: { max: 5, perSeconds: 60 }, distinctPerPrefix: { max: 5, perSeconds: 60 }, global: { max: 1, perSeconds: 60 } },
  }), { redis, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await guard.check(req('+33612345001', { userId: 'u1' })), { allow: true });
  assert.deepEqual(await guard.check(req('+33612345002', { userId: 'u2' })), { allow: false, rule: 'limits.global.60s' });
  assert.equal(await redis.get(`${kp}:phone:60s:${h('phone', '+33612345002')}`), null, 'the number was not counted');
  assert.equal(await redis.get(`${kp}:user:60s:${h('user', 'id:u2')}`), null, 'the user was not counted');
  assert.deepEqual(await redis.smembers(`${kp}:distinct:60s:${h('prefix', '+33612345')}`), [h('phone', '+33612345001')], 'the number is not among the distinct ones');
  assert.equal(await redis.get(`${kp}:global:60s:all`), '1');
  await guard.close();
});

redisTest('a counter left above its max (rate-limiter-flexible counted refusals) refuses; a fresh key starts its window', async (t, url) => {
  const kp = uniquePrefix();
  const { redis } = await countedClient(t, url, kp);
  const guard = createGuard(config(kp, { limits: { ...LIMITS_OFF, phone: { max: 5, perSeconds: 60 } } }), { redis, hashKey: HASH_KEY, log: silent });
  await redis.set(`${kp}:phone:60s:${h('phone', '+33612345001')}`, '7', 'PX', 60_000);
  assert.deepEqual(await guard.check(req('+33612345001')), { allow: false, rule: 'limits.phone.60s' });
  assert.deepEqual(await guard.check(req('+33612345002')), { allow: true });
  const ttl = await redis.pttl(`${kp}:phone:60s:${h('phone', '+33612345002')}`);
  assert.ok(ttl > 55_000 && ttl <= 60_000, `the window expires with its key (${ttl} ms)`);
  await guard.close();
});

redisTest('the idempotency claim is taken in the same round trip; a held claim counts nothing', async (t, url) => {
  const kp = uniquePrefix();
  const { redis, sent } = await countedClient(t, url, kp);
  const guard = createGuard(config(kp, { limits: { ...LIMITS_OFF, phone: { max: 5, perSeconds: 60 } } }), { redis, hashKey: HASH_KEY, log: silent });
  const claim = { key: `${kp}:idem:evt1`, value: 'pending', ttlMs: 60_000 };
  await guard.check(req('+33612345009')); // loads the script
  sent.length = 0;
  assert.deepEqual(await guard.check(req('+33612345001', { claim })), { allow: true });
  assert.deepEqual(sent, ['evalsha']);
  assert.equal(await redis.get(claim.key), 'pending');
  assert.deepEqual(await guard.check(req('+33612345001', { claim })), { allow: false, rule: 'claim.held', duplicate: true });
  assert.equal(await redis.get(`${kp}:phone:60s:${h('phone', '+33612345001')}`), '1', 'the repeat was not counted');
  // A request refused by policy counts nothing, but its claim is taken all the same.
  const premium = { ...req('+33612345002', { claim: { ...claim, key: `${kp}:idem:evt2` } }), dest: { ...dest('+33612345002'), type: 'PREMIUM_RATE' as const } };
  assert.deepEqual(await guard.check(premium), { allow: false, rule: 'numbers.type.PREMIUM_RATE' });
  assert.deepEqual(await guard.check(premium), { allow: false, rule: 'claim.held', duplicate: true });
  await guard.close();
});

test('EVALSHA falls back to sending the script when Redis does not have it', async (t) => {
  if (!redisServerOnPath()) {
    skipOrFail(t, 'redis-server is not on PATH: this test needs a private Redis whose scripts it can flush');
    return;
  }
  const server = await privateRedis();
  await server.start();
  t.after(() => server.kill());
  const redis = server.client();
  t.after(() => redis.disconnect());
  const guard = createGuard(config('byot-test', { limits: { ...LIMITS_OFF, phone: { max: 2, perSeconds: 60 } } }), { redis, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await guard.check(req('+33612345001')), { allow: true });
  await redis.script('FLUSH');
  assert.deepEqual(await guard.check(req('+33612345001')), { allow: true }, 'counted once, by the script sent again');
  assert.deepEqual(await guard.check(req('+33612345001')), { allow: false, rule: 'limits.phone.60s' });
  await guard.close();
});

/** A loopback proxy to Redis that holds every answer for `delayMs`. */
async function slowRedis(t: TestContext, url: string, delayMs: number): Promise<string> {
  const target = new URL(url);
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.push(client, upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => setTimeout(() => client.write(chunk), delayMs));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  return `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
}

redisTest('a late answer after a timeout: its counts are taken back when the request was refused, kept when it was sent', async (t, url) => {
  const kp = uniquePrefix();
  const { redis: direct } = await countedClient(t, url, kp);
  const slow = new Redis(await slowRedis(t, url, 400), { maxRetriesPerRequest: 1 });
  t.after(() => slow.disconnect());
  await slow.ping();
  const limits = { ...LIMITS_OFF, phone: { max: 3, perSeconds: 60 } };
  const store = (failMode: 'open' | 'closed') => ({ failMode, timeoutMs: 100, retryAfterMs: 0, insurance: { enabled: false } });
  const closed = createGuard(config(kp, { limits, store: store('closed') }), { redis: slow, hashKey: HASH_KEY, log: silent });
  const open = createGuard(config(kp, { limits, store: store('open') }), { redis: slow, hashKey: HASH_KEY, log: silent });
  await closed.check(req('+33612345009')); // loads the script
  await sleep(500);

  assert.deepEqual(await closed.check(req('+33612345001')), { allow: false, rule: 'store.unavailable', degraded: true });
  assert.deepEqual(await open.check(req('+33612345002')), { allow: true, degraded: true });
  const key = (n: string) => `${kp}:phone:60s:${h('phone', n)}`;
  await sleep(1_000); // the late answers, and the take-back's own slow round trip
  assert.equal(Number(await direct.get(key('+33612345001'))), 0, 'refused without Redis: nothing left counted');
  assert.equal(await direct.get(key('+33612345002')), '1', 'sent without Redis: the send stays counted');
  await Promise.all([closed.close(), open.close()]);
});

redisTest('a process stalled past the timeout still reads the answer that arrived meanwhile', async (t, url) => {
  const kp = uniquePrefix();
  const { redis } = await countedClient(t, url, kp);
  const guard = createGuard(config(kp, { limits: { ...LIMITS_OFF, phone: { max: 5, perSeconds: 60 } }, store: { timeoutMs: 50 } }),
    { redis, hashKey: HASH_KEY, log: silent });
  assert.deepEqual(await guard.check(req('+33612345009')), { allow: true }); // loads the script
  const verdict = guard.check(req('+33612345001'));
  // The event loop blocked for four times the timeout, as on a busy machine: Redis answered long ago.
  const until = performance.now() + 200;
  while (performance.now() < until) { /* stall */ }
  assert.deepEqual(await verdict, { allow: true }, 'counted in Redis, not degraded');
  await guard.close();
});
