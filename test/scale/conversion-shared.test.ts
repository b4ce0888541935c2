// Conversion-aware blocking on two `byot serve` processes behind an imaginary load balancer,
// sharing one Redis and one PostgreSQL: the codes are sent through instance A, Okta's event hook
// delivers their verifications (real LogEvent shapes, test/fixtures/okta) to instance B, and A —
// which counted the sends — counts them verified: the converting prefix keeps sending, the prefix
// whose codes were never used is blocked (which A can only do once verifications reach it at all).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSharedRun, eventually, gatewayConfig, kind, openSharedRun, postHook, sharedServices, sleep,
  spawnGateway, tempDir, type GatewayProcess, type PgSchema, type SharedRun,
} from './support.js';
import { LIMITS_OFF } from '../support/guard.js';
import { oktaRequest } from '../support/okta.js';
import { delivery, logEvent } from '../support/okta-events.js';

const EVENTS_SECRET = 'scale-events-secret-0123456789';
/** Each code's validity: short, so the unused ones are decided within the test. */
const CODE_LIFE_MS = 3_000;

const services = sharedServices('conversion counted across two instances', 'shared conversion');
if (services) {
  describe('conversion counted by the instance that sent the code', () => {
    let run: SharedRun | undefined;
    let schema: PgSchema;
    let a: GatewayProcess;
    let b: GatewayProcess;

    before(async () => {
      run = await openSharedRun(services, 'conv');
      schema = run.schema;
      const { provider, keyPrefix } = run;
      const dir = tempDir('scale-conversion');
      const config = {
        ...gatewayConfig({
          dir, providerUrl: provider.url, storeUrl: schema.url, redisUrl: services.redisUrl, logLevel: 'debug',
          guard: {
            numbers: { refuseInvalid: false },
            limits: LIMITS_OFF,
            onBlock: 'FAILED',
            store: { keyPrefix, timeoutMs: 2_000 },
            conversion: { mode: 'enforce', prefixes: { dropDigits: [4], minSends: 8 }, countries: { mode: 'off' }, graceSeconds: 1 },
          },
        }),
        oktaEvents: { secrets: [EVENTS_SECRET], processIntervalMs: 200 },
      };
      // B first: its event processor takes the lease in the shared log, so B processes what Okta delivers.
      b = await spawnGateway('b', config, dir);
      await eventually('B holds the event processor\'s lease', 10_000, async () =>
        (await schema.query('SELECT 1 FROM {schema}.okta_leases')).length === 1);
      a = await spawnGateway('a', config, dir);
    });

    after(() => closeSharedRun(run));

    /** A real sign-in's hook call for `userId`, its code alive for CODE_LIFE_MS. */
    function signIn(phone: string, userId: string): Record<string, any> {
      const body = oktaRequest({ preview: false, phoneNumber: phone, deliveryChannel: 'SMS', requestType: 'com.okta.user.telephony.mfa-verification' });
      body.data.messageProfile.otpExpires = new Date(Date.now() + CODE_LIFE_MS).toISOString();
      body.data.userProfile.userId = userId;
      return body;
    }

    const heard = (g: GatewayProcess): number => g.logs().split('\n').filter((l) => l.includes('counted a verification processed on another instance')).length;

    test('codes sent through A and verified through B count as verified on A: no false block', async () => {
      const converting = Array.from({ length: 10 }, (_, i) => ({ phone: `+1212555${String(100 + i).padStart(4, '0')}`, userId: `00uconv${String(i).padStart(13, '0')}` }));
      const unused = Array.from({ length: 10 }, (_, i) => ({ phone: `+1312555${String(100 + i).padStart(4, '0')}`, userId: `00uunus${String(i).padStart(13, '0')}` }));
      for (const s of [...converting, ...unused]) assert.equal(kind(await postHook(a.url, signIn(s.phone, s.userId))), 'SUCCESSFUL');
      const sentAt = Date.now();

      // Okta's event hook reaches B: eight of the ten codes of the first prefix were used.
      const used = converting.slice(0, 8);
      const res = await fetch(`${b.url}/okta/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: EVENTS_SECRET },
        body: JSON.stringify(delivery(used.map((s) => logEvent({ userId: s.userId, published: new Date() })))),
      });
      assert.equal(res.status, 200);
      await eventually('B verified the eight sends in the delivery log', 20_000, async () =>
        (await schema.query<{ n: string }>('SELECT COUNT(*) AS n FROM {schema}.hook_calls WHERE verified_at IS NOT NULL'))[0]!.n === '8');
      await eventually('A counted the eight verifications B published', 20_000, () => heard(a) === 8);
      assert.equal(heard(b), 0, 'B sent none of them');

      // Once every code has expired (and the 1 s grace), A decides the unused ones.
      const decidedAt = sentAt + CODE_LIFE_MS + 1_000;
      if (Date.now() < decidedAt + 100) await sleep(decidedAt + 100 - Date.now());
      const control = await postHook(a.url, signIn('+13125550199', '00uunus0000000000099'));
      assert.equal(kind(control), 'FAILED', 'the prefix whose codes were never used is blocked: A knows the feed is alive');
      const again = await postHook(a.url, signIn('+12125550199', '00uconv0000000000099'));
      assert.equal(kind(again), 'SUCCESSFUL', '8 of 10 verified through B: the prefix converts');
      const rows = await schema.query<{ event_id: string; blocked_by: string | null }>('SELECT event_id, blocked_by FROM {schema}.hook_calls WHERE event_id = $1 OR event_id = $2',
        [control.eventId, again.eventId]);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.event_id, r.blocked_by])), { [control.eventId]: 'conversion.prefix.4', [again.eventId]: null });
      // B shares the block through Redis (it holds no evidence of its own).
      assert.equal(kind(await postHook(b.url, signIn('+13125550198', '00uunus0000000000098'))), 'FAILED');
      assert.equal(kind(await postHook(b.url, signIn('+12125550198', '00uconv0000000000098'))), 'SUCCESSFUL');
      assert.ok(!a.logs().includes('+12125550100') && !b.logs().includes('+12125550100'), 'no number in the logs');
    });
  });
}
