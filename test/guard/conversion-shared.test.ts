// Conversion-aware blocking across instances sharing a real Redis (REDIS_URL): the blocks are
// read, started and renewed inside the admission script (one round trip per check, counted by a
// proxy in front of Redis), a blocked scope takes no counter slot, and a verification told to one
// instance reaches the instance that sent the code (pub/sub), also after a lost subscription
// (catch-up from the delivery log's verified sends), without a false block.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createGuard, guardSchema, type Guard, type GuardConfigInput, type GuardInput, type GuardLog } from '../../src/guard/index.js';
import { keyHasher } from '../../src/guard/keys.js';
import type { Destination } from '../../src/core/domain.js';
import { countProxy, type CountProxy } from '../../bench/count-proxy.js';
import { cleanupAll, eventually, privateRedis, redisServerOnPath, type PrivateRedis } from '../scale/support.js';

const log = pino({ level: 'silent' });
const HASH_KEY = 'conversion-shared-hash-key-0123456789';
const OFF = { phone: false, user: false, prefix: false, country: false, ip: false, global: false, distinctPerPrefix: false } as const;
const MIN = 60_000;
const COOLDOWN_MS = 3_600_000;
const CONVERSION: NonNullable<GuardConfigInput['conversion']> = {
  mode: 'enforce', prefixes: { dropDigits: [4], minSends: 8 }, countries: { mode: 'off' }, graceSeconds: 60, cooldownSeconds: COOLDOWN_MS / 1_000,
};
const REDIS_URL = process.env.REDIS_URL;

/** One instance: a guard on its own Redis connection and its own simulated clock. */
interface Instance {
  guard: Guard;
  redis: Redis;
  now: () => number;
  advance(ms: number): void;
}

interface InstanceOptions {
  limits?: GuardConfigInput['limits'];
  verifiedSince?: (since: number, limit: number) => Promise<string[]>;
  log?: GuardLog;
}

function instance(url: string, keyPrefix: string, extra: InstanceOptions = {}): Instance {
  let t = 1_800_000_000_000;
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  const config = guardSchema.parse({ limits: extra.limits ?? OFF, conversion: CONVERSION, store: { keyPrefix, timeoutMs: 2_000, retryAfterMs: 0 } });
  const guard = createGuard(config, {
    redis, hashKey: HASH_KEY, log: extra.log ?? log, now: () => t,
    ...(extra.verifiedSince ? { verifiedSince: extra.verifiedSince } : {}),
  });
  return { guard, redis, now: () => t, advance: (ms) => { t += ms; } };
}

async function stop(...list: Instance[]): Promise<void> {
  for (const i of list) {
    await i.guard.close();
    i.redis.disconnect();
  }
}

/** A UK mobile: +4477009 then `block` (2 digits) then `n` (4 digits). */
function gb(block: number, n: number): Destination {
  return { e164: `+4477009${String(block).padStart(2, '0')}${String(n).padStart(4, '0')}`, country: 'GB', type: 'MOBILE', valid: true };
}
const req = (dest: Destination): GuardInput => ({ channel: 'sms', requestType: 'mfa-verification', dest });
let ids = 0;

/** `count` admitted sends from `from` to numbers of one prefix; their eventIds. */
async function sends(i: Instance, block: number, count: number, from = 0): Promise<string[]> {
  const out: string[] = [];
  for (let n = from; n < from + count; n++) {
    const dest = gb(block, n);
    assert.equal((await i.guard.check(req(dest))).allow, true);
    const eventId = `shared-${process.pid}-${++ids}`;
    i.guard.recordSend({ eventId, channel: 'sms', requestType: 'mfa-verification', dest, otpExpires: new Date(i.now() + 5 * MIN) });
    out.push(eventId);
  }
  return out;
}

async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

describe('conversion blocks in the admission script', { skip: REDIS_URL || process.env.CI ? false : 'REDIS_URL not set' }, () => {
  const url = REDIS_URL ?? 'redis://127.0.0.1:6379';
  const keyPrefix = `byot:test:conv:${randomBytes(6).toString('hex')}`;
  let direct: Redis;
  let proxy: CountProxy;

  before(async () => {
    assert.ok(REDIS_URL, 'REDIS_URL must be set in CI');
    direct = new Redis(url, { maxRetriesPerRequest: 1 });
    const u = new URL(url);
    proxy = await countProxy('redis', { host: u.hostname, port: Number(u.port || 6379) });
  });

  after(async () => {
    await proxy?.close();
    if (direct) {
      await deleteKeys(direct, keyPrefix);
      direct.disconnect();
    }
  });

  test('one round trip per check, whether a block is started, refuses, is renewed or none is on; a blocked scope takes no slot', async () => {
    const a = instance(`redis://127.0.0.1:${proxy.port}`, keyPrefix, { limits: { ...OFF, phone: { max: 100, perSeconds: 600 } } });
    await eventually('a subscribed to verifications', 5_000, () => a.guard.listening());
    const roundTrips = async (dest: Destination) => {
      const before = proxy.count;
      const verdict = await a.guard.check(req(dest));
      return { verdict, commands: proxy.count - before };
    };

    const [fed] = await sends(a, 1, 1); // the feed is alive: one code was used
    assert.equal(a.guard.recordVerified({ eventId: fed! }), true);
    await sends(a, 2, 10); // ten codes to one prefix, never used
    a.advance(7 * MIN);

    assert.deepEqual(await roundTrips(gb(2, 50)), { verdict: { allow: false, rule: 'conversion.prefix.4' }, commands: 1 }, 'the block starts in the script');
    const [id] = (await a.guard.blocks()).map((b) => b.id);
    const key = `${keyPrefix}:block:${id}`;
    const started = JSON.parse((await direct.get(key))!);
    assert.equal(started.until, a.now() + COOLDOWN_MS);
    assert.deepEqual({ sent: started.evidence.sent, verified: started.evidence.verified, failed: started.evidence.failed }, { sent: 10, verified: 0, failed: 10 });

    assert.deepEqual(await roundTrips(gb(2, 51)), { verdict: { allow: false, rule: 'conversion.prefix.4' }, commands: 1 }, 'refused by the block');
    a.advance(2 * MIN);
    assert.deepEqual(await roundTrips(gb(2, 52)), { verdict: { allow: false, rule: 'conversion.prefix.4' }, commands: 1 }, 'refused and renewed');
    const renewed = JSON.parse((await direct.get(key))!);
    assert.equal(renewed.until, a.now() + COOLDOWN_MS, 'renewed to now + cooldown by the script');
    assert.equal(renewed.startedAt, started.startedAt);
    assert.ok((await direct.pttl(key)) > COOLDOWN_MS - MIN, 'its TTL too');

    assert.deepEqual(await roundTrips(gb(1, 60)), { verdict: { allow: true }, commands: 1 }, 'another prefix: counted in the same round trip');
    const h = keyHasher(HASH_KEY);
    assert.equal(await direct.get(`${keyPrefix}:phone:600s:${h('phone', gb(1, 60).e164)}`), '1');
    for (const n of [50, 51, 52]) {
      assert.equal(await direct.exists(`${keyPrefix}:phone:600s:${h('phone', gb(2, n).e164)}`), 0, 'a refused request took no slot');
    }

    // A lift (by another instance) is read by the same script: the scope sends and counts again.
    const b = instance(url, keyPrefix);
    b.advance(9 * MIN);
    assert.equal((await b.guard.lift(id!, 'alice'))?.lifted?.by, 'alice');
    assert.deepEqual(await roundTrips(gb(2, 53)), { verdict: { allow: true }, commands: 1 });
    assert.equal(await direct.get(`${keyPrefix}:phone:600s:${h('phone', gb(2, 53).e164)}`), '1');
    await stop(a, b);
  });

  test('a verification told to another instance is counted by the one that sent the code: no false block', async () => {
    const kp = `${keyPrefix}:relay`;
    const heard: string[] = [];
    const a = instance(url, kp, { log: { ...log, debug: (msg: unknown) => { if (typeof msg === 'string') heard.push(msg); } } as unknown as GuardLog });
    const b = instance(url, kp);
    await eventually('both subscribed to verifications', 5_000, () => a.guard.listening() && b.guard.listening());
    const converting = await sends(a, 3, 10);
    await sends(a, 4, 10); // the control: never used, so blocked once the rules can act
    // The feed runs on b: b holds none of these sends and publishes them for the others.
    for (const eventId of converting.slice(0, 8)) assert.equal(b.guard.recordVerified({ eventId }), false);
    await eventually('a counted the verifications', 5_000, () => heard.filter((m) => m.includes('processed on another instance')).length === 8);
    assert.equal(a.guard.recordVerified({ eventId: converting[0]! }), false, 'a counted it already');
    a.advance(7 * MIN);
    assert.deepEqual(await a.guard.check(req(gb(4, 99))), { allow: false, rule: 'conversion.prefix.4' }, 'a sees the feed alive');
    assert.deepEqual(await a.guard.check(req(gb(3, 99))), { allow: true }, '8 of 10 verified on b: the prefix converts');
    const [block] = await a.guard.blocks();
    assert.equal(block?.scope, '+447700904xxxx');
    assert.equal((await a.guard.blocks()).length, 1);
    await stop(a, b);
  });
});

describe('verifications after a lost subscription', { skip: redisServerOnPath() ? false : 'redis-server not on PATH' }, () => {
  let server: PrivateRedis;
  before(async () => {
    server = await privateRedis();
    await server.start();
  });
  after(cleanupAll);

  test('while unsubscribed, expired sends wait; back, the delivery log\'s verified sends are read and counted', async () => {
    const verifiedInLog: string[] = [];
    const asked: number[] = [];
    const a = instance(server.url, 'byot:test:lost', {
      verifiedSince: async (since) => {
        asked.push(since);
        return verifiedInLog;
      },
    });
    await eventually('a subscribed', 5_000, () => a.guard.listening());
    const [fed] = await sends(a, 1, 1);
    assert.equal(a.guard.recordVerified({ eventId: fed! }), true);
    const firstSendAt = a.now();
    const converting = await sends(a, 5, 10);
    await sends(a, 6, 10);

    await server.kill();
    await eventually('a knows it is not subscribed', 5_000, () => !a.guard.listening());
    // Meanwhile another instance verified 8 of a's codes and stored them; its publish was lost.
    verifiedInLog.push(...converting.slice(0, 8));
    a.advance(7 * MIN);
    // Redis is down: the fail mode (open) sends, and no expired send is taken for a failure.
    assert.equal((await a.guard.check(req(gb(6, 99)))).allow, true);
    assert.equal((await a.guard.check(req(gb(5, 99)))).allow, true);

    await server.start();
    await eventually('a subscribed again and caught up', 10_000, () => a.guard.listening());
    assert.equal(asked.length, 1, 'one read of the delivery log, after the subscription was back');
    assert.equal(asked[0], firstSendAt - 60_000, 'since a minute before its oldest pending send');
    assert.equal(a.guard.recordVerified({ eventId: converting[0]! }), false, 'counted by the catch-up');
    assert.deepEqual(await a.guard.check(req(gb(5, 98))), { allow: true }, 'the verified prefix is not blocked');
    assert.deepEqual(await a.guard.check(req(gb(6, 98))), { allow: false, rule: 'conversion.prefix.4' }, 'the unused one is');
    await stop(a);
  });
});
