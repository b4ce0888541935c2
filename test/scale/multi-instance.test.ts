// Three `byot serve` processes behind an imaginary load balancer, sharing one Redis (limits) and
// one PostgreSQL (delivery log, whose row per eventId is the shared claim): the limits hold exactly
// across instances, and a repeated eventId sends once whichever instance each repeat reaches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSharedRun, gatewayConfig, hookBody, kind, openSharedRun, postHook, recipients, runId, sharedServices,
  spawnGateway, tally, tempDir, type CountingProvider, type GatewayProcess, type HookAnswer, type SharedRun,
} from './support.js';
import { LIMITS_OFF } from '../support/guard.js';

const PHONE_MAX = 5;
const PREFIX_MAX = 7;

const services = sharedServices('three instances sharing Redis and PostgreSQL', 'multi-instance limits, idempotency and delivery log');
if (services) {
  describe('three gateway processes sharing Redis and PostgreSQL', () => {
    let run: SharedRun | undefined;
    let provider: CountingProvider;
    let gateways: GatewayProcess[] = [];
    const eventIds = new Set<string>();

    before(async () => {
      run = await openSharedRun(services, 'scale');
      provider = run.provider;
      const { schema, keyPrefix } = run;
      const dir = tempDir('scale-multi');
      const config = gatewayConfig({
        dir,
        providerUrl: provider.url,
        storeUrl: schema.url,
        redisUrl: services.redisUrl,
        guard: {
          // 555 numbers are fictitious; the policy has tests of its own.
          numbers: { refuseInvalid: false },
          limits: { ...LIMITS_OFF, phone: { max: PHONE_MAX, perSeconds: 600 }, prefix: { max: PREFIX_MAX, perSeconds: 600 } },
          // A generous timeout: these tests are about exact limits across instances, which hold
          // while Redis answers. A timeout is the documented degraded mode (each instance counts a
          // share of each limit), which a busy machine must not turn on by being slow to answer.
          store: { keyPrefix, timeoutMs: 2_000, insurance: { instances: 3 } },
        },
      });
      gateways = await Promise.all(['a', 'b', 'c'].map((name) => spawnGateway(name, config, dir)));
      // A service in production is warm: open the pools and compile the hot path before measuring.
      // One number and one prefix per request, so nothing here counts against the tests' numbers.
      for (let round = 0; round < 3; round++) {
        await burst(Array.from({ length: 30 }, (_, i) => hookBody(`+1415${600 + round * 30 + i}0000`)));
      }
    });

    after(() => closeSharedRun(run, [...eventIds].map((id) => `byot:idem:${id}`)));

    /** Sends every body at once, round-robin over the three instances. */
    async function burst(bodies: Record<string, any>[]): Promise<HookAnswer[]> {
      for (const b of bodies) eventIds.add(String(b.eventId));
      return Promise.all(bodies.map((b, i) => postHook(gateways[i % gateways.length]!.url, b)));
    }

    /** Every check was counted in Redis: no instance fell back to counting its share alone. */
    function assertNeverDegraded(): void {
      for (const g of gateways) assert.doesNotMatch(g.logs(), /guard: Redis unavailable/, `${g.name} counted without Redis`);
    }

    // How fast the answers come is the benchmark's business (bench/scale-out.ts), not a test's: a
    // busy machine may be slow, and must still count exactly.
    function assertAllAnswered(answers: HookAnswer[]): void {
      assert.deepEqual(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.error ?? ''}`), [], 'every answer is HTTP 200');
    }

    async function rows(ids: string[]): Promise<{ event_id: string; status: string; blocked_by: string | null; transaction_id: string | null }[]> {
      return run!.schema.query('SELECT event_id, status, blocked_by, transaction_id FROM {schema}.hook_calls WHERE event_id = ANY($1)', [ids]);
    }

    test(`300 concurrent requests for one number over 3 instances: exactly ${PHONE_MAX} sent`, async (t) => {
      const phone = '+14155551234';
      const answers = await burst(Array.from({ length: 300 }, () => hookBody(phone)));
      t.diagnostic(`answers: ${JSON.stringify(tally(answers))}; slowest ${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms`);
      assertAllAnswered(answers);
      assertNeverDegraded();
      assert.equal(recipients(provider).filter((to) => to === phone).length, PHONE_MAX, 'sends that reached the provider');
      assert.deepEqual(tally(answers), { SUCCESSFUL: PHONE_MAX, error: 300 - PHONE_MAX });
      for (const a of answers.filter((x) => kind(x) === 'error')) {
        assert.equal(a.body.error.errorCauses[0].reason, 'DELIVERY_FAILED');
        assert.doesNotMatch(JSON.stringify(a.body), /limits|phone\.600/, 'the answer does not name the rule');
      }
      const winners = answers.filter((a) => kind(a) === 'SUCCESSFUL');
      t.diagnostic(`admitted by instance: ${JSON.stringify(Object.fromEntries(['a', 'b', 'c'].map((n, i) =>
        [n, answers.filter((a, j) => j % 3 === i && kind(a) === 'SUCCESSFUL').length])))}`);

      const logged = await rows(answers.map((a) => a.eventId));
      assert.equal(logged.length, 300, 'one delivery-log row per call, in the shared PostgreSQL');
      const byStatus = tallyRows(logged);
      assert.deepEqual(byStatus, { 'SUCCESSFUL': PHONE_MAX, 'FAILED limits.phone.600s': 300 - PHONE_MAX });
      const txByEvent = new Map(logged.map((r) => [r.event_id, r.transaction_id]));
      for (const w of winners) assert.equal(txByEvent.get(w.eventId), w.body.commands[0].value[0].transactionId);
    });

    test(`300 distinct numbers of one prefix over 3 instances: exactly ${PREFIX_MAX} sent`, async (t) => {
      const phones = Array.from({ length: 300 }, (_, i) => `+14155552${String(i).padStart(3, '0')}`);
      const before = provider.sends().length;
      const answers = await burst(phones.map((p) => hookBody(p)));
      t.diagnostic(`answers: ${JSON.stringify(tally(answers))}; slowest ${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms`);
      assertAllAnswered(answers);
      assertNeverDegraded();
      const sent = recipients(provider).slice(before);
      assert.equal(sent.length, PREFIX_MAX, 'sends that reached the provider');
      assert.ok(sent.every((to) => to.startsWith('+14155552')), sent.join(' '));
      assert.equal(new Set(sent).size, PREFIX_MAX, 'to distinct numbers');
      assert.deepEqual(tally(answers), { SUCCESSFUL: PREFIX_MAX, error: 300 - PREFIX_MAX });
      assert.deepEqual(tallyRows(await rows(answers.map((a) => a.eventId))), { 'SUCCESSFUL': PREFIX_MAX, 'FAILED limits.prefix.600s': 300 - PREFIX_MAX });
    });

    test('50 concurrent repeats of one eventId over 3 instances: one send, 50 identical answers', async (t) => {
      const phone = '+14155553001';
      const eventId = `dup-${runId('evt')}`;
      const before = provider.sends().length;
      const answers = await burst(Array.from({ length: 50 }, () => hookBody(phone, eventId)));
      t.diagnostic(`answers: ${JSON.stringify(tally(answers))}; slowest ${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms`);
      assertAllAnswered(answers);
      assert.equal(provider.sends().length - before, 1, 'exactly one send');
      assert.equal(kind(answers[0]!), 'SUCCESSFUL');
      for (const a of answers) assert.deepEqual(a.body, answers[0]!.body);
      const logged = await rows([eventId]);
      assert.equal(logged.length, 1);
      assert.equal(logged[0]!.transaction_id, answers[0]!.body.commands[0].value[0].transactionId);
    });
  });
}

function tallyRows(rows: { status: string; blocked_by: string | null }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const k = r.blocked_by ? `${r.status} ${r.blocked_by}` : r.status;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
