// Two `byot serve` processes with a SQLite log each, sharing one Redis: the eventId is claimed in
// Redis, in the guard's own round trip (src/guard/admission-script.ts), so a repeat reaching the
// other instance is neither sent nor counted, and is answered with the first call's answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import {
  cleanupAll, deleteKeys, gatewayConfig, hookBody, kind, postHook, runId, spawnGateway, startProvider,
  tempDir, type CountingProvider, type GatewayProcess,
} from './support.js';
import { LIMITS_OFF } from '../support/guard.js';
import { needEnv } from '../support/env.js';

const redisUrl = process.env.REDIS_URL;

if (!redisUrl) {
  test('two instances with their own logs sharing Redis', (t) => {
    needEnv(t, 'REDIS_URL', 'idempotency keys in Redis not run (e.g. REDIS_URL=redis://127.0.0.1:6379)');
  });
} else {
  describe('two gateway processes with their own SQLite logs sharing Redis', () => {
    let provider: CountingProvider;
    let redis: Redis;
    const gateways: { gw: GatewayProcess; dir: string }[] = [];
    const keyPrefix = runId('claims');
    const eventIds: string[] = [];

    before(async () => {
      redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      provider = await startProvider();
      for (const name of ['a', 'b']) {
        const dir = tempDir(`scale-claims-${name}`);
        const config = gatewayConfig({
          dir, providerUrl: provider.url, redisUrl,
          guard: { numbers: { refuseInvalid: false }, limits: { ...LIMITS_OFF, phone: { max: 3, perSeconds: 600 } }, store: { keyPrefix, timeoutMs: 2_000 } },
        });
        gateways.push({ gw: await spawnGateway(name, config, dir), dir });
      }
    });

    after(async () => {
      await cleanupAll();
      await provider?.close();
      if (redis) {
        await deleteKeys(redis, `${keyPrefix}:*`);
        if (eventIds.length > 0) await redis.del(...eventIds.map((id) => `byot:idem:${id}`));
        redis.disconnect();
      }
    });

    function rows(eventId: string): { gateway: string; status: string }[] {
      return gateways.flatMap(({ gw, dir }) => {
        const db = new Database(join(dir, 'byot.sqlite'), { readonly: true, fileMustExist: true });
        try {
          return (db.prepare('SELECT status FROM hook_calls WHERE event_id = ?').all(eventId) as { status: string }[]).map((r) => ({ gateway: gw.name, status: r.status }));
        } finally {
          db.close();
        }
      });
    }

    test('20 concurrent repeats of one eventId over both: one send, one count, 20 identical answers', async () => {
      const phone = '+14155554001';
      const eventId = `dup-${runId('evt')}`;
      eventIds.push(eventId);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postHook(gateways[i % 2]!.gw.url, hookBody(phone, eventId))));
      assert.equal(provider.sends().length, 1, 'exactly one send');
      assert.equal(kind(answers[0]!), 'SUCCESSFUL');
      for (const a of answers) assert.deepEqual(a.body, answers[0]!.body);
      assert.equal(rows(eventId).length, 1, 'one row, in the log of the instance that sent');
      // The repeats counted nothing: the number's other two sends still go out.
      for (let i = 0; i < 2; i++) {
        const id = `next-${runId('evt')}`;
        eventIds.push(id);
        assert.equal(kind(await postHook(gateways[i]!.gw.url, hookBody(phone, id))), 'SUCCESSFUL');
      }
      const id = `last-${runId('evt')}`;
      eventIds.push(id);
      assert.equal(kind(await postHook(gateways[0]!.gw.url, hookBody(phone, id))), 'error', 'the fourth is over the limit');
    });

    test('a repeat of a call that counts nothing (an unusable number) is answered once too', async () => {
      const eventId = `bad-${runId('evt')}`;
      eventIds.push(eventId);
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => postHook(gateways[i % 2]!.gw.url, hookBody('+9991234567', eventId))));
      for (const a of answers) assert.deepEqual(a.body, answers[0]!.body);
      assert.equal(rows(eventId).length, 1);
    });
  });
}
