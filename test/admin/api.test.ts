// The admin API over real HTTP against a delivery log the test fills: the Okta-style numbers match
// the rows, search by phone finds the row and never returns a full number, the Preview runs the
// real pipeline (dry or not), and no configured secret reaches the browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET, type TestGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { fakeProvider } from '../support/fake-provider.js';
import { ProviderError } from '../../src/providers/types.js';
import { maskPhone } from '../../src/core/mask.js';
import { EXPORT_MAX_ROWS } from '../../src/admin/api/export.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, API_GETS, FLAKY_STEADY_YAML as ROUTING, PAGES, loggedIn, startAdminGateway, type AdminClient } from './support.js';

/** The numbers the log is filled with; none may come back whole. */
const NUMBERS = ['+12025550143', '+12025550144', '+447700900123', '+33612345678'];

function request(phone: string, opts: { channel?: string; login?: string; userId?: string; type?: string } = {}): Record<string, any> {
  const body = oktaRequest({ phoneNumber: phone, deliveryChannel: opts.channel ?? 'SMS', requestType: `com.okta.user.telephony.${opts.type ?? 'mfa-verification'}`, preview: false });
  body.data.userProfile.login = opts.login ?? 'someone@example.com';
  body.data.userProfile.userId = opts.userId ?? '00uSOMEONE0000000000';
  return body;
}

describe('admin API over a known delivery log', () => {
  let gw: TestGateway;
  let admin: AdminClient;
  const flaky = fakeProvider('flaky', new ProviderError('unavailable', 'HTTP 503', { providerCode: '503' }));
  const steady = fakeProvider('steady');
  let janeTransaction: string;
  const started = Date.now();

  before(async () => {
    gw = await startAdminGateway({ adapters: new Map([['flaky', flaky], ['steady', steady]]), yaml: ROUTING });
    const jane = await gw.hook(request(NUMBERS[0]!, { login: 'jane@example.com', userId: '00uJANE0000000000000' }));
    janeTransaction = jane.body.commands[0].value[0].transactionId;
    await gw.hook(request(NUMBERS[1]!, { channel: 'voice call', type: 'password-reset' }));
    await gw.hook(request(NUMBERS[2]!, { login: 'jane@example.com', userId: '00uJANE0000000000000' })); // flaky fails, steady delivers
    await gw.hook(request(NUMBERS[3]!)); // flaky alone: FAILED
    await gw.hook(request('123')); // not a number anywhere: FAILED invalid_number
    // The guard is not in this pipeline's path yet: a refused call as the hook records one.
    const store = gw.gateway.store;
    await store.claim({ eventId: 'blocked-1', receivedAt: Date.now(), requestType: 'mfa-verification', channel: 'sms', phoneMasked: maskPhone('+4915112345678'), phoneHash: 'x', country: 'DE', locale: 'en', preview: false });
    await store.complete('blocked-1', { status: 'FAILED', reason: 'blocked', blockedBy: 'velocity.phone', attempts: [], latencyMs: 2, answer: { error: { errorSummary: 'x', errorCauses: [] } } });
    await store.recordReceipt('steady', { transactionId: janeTransaction, status: 'delivered', providerStatus: 'DELIVERED', at: new Date() });
    admin = await loggedIn(gw);
  });
  after(() => gw.close());

  test('the overview numbers are the rows the test created', async () => {
    const rows = gw.rows().filter((r) => r.state === 'done');
    const ok = rows.filter((r) => r.status === 'SUCCESSFUL');
    const res = await admin.get('/admin/api/overview');
    assert.equal(res.status, 200);
    const o = res.body;
    assert.equal(o.days, 30);
    assert.deepEqual(o.total, {
      key: 'all', executions: 6, successes: 3, failures: 3,
      avgMs: Math.round(ok.reduce((s, r) => s + r.latency_ms, 0) / ok.length),
    });
    assert.equal(rows.length, 6);
    const byProvider = Object.fromEntries(o.byProvider.map((r: any) => [r.key, [r.executions, r.successes, r.failures]]));
    assert.deepEqual(byProvider, { steady: [3, 3, 0], unknown: [3, 0, 3] });
    const countries = Object.fromEntries(o.countries.map((r: any) => [r.key, r.executions]));
    assert.deepEqual(countries, { US: 2, GB: 1, FR: 1, DE: 1, unknown: 1 });
    assert.deepEqual(Object.fromEntries(o.byChannel.map((r: any) => [r.key, r.executions])), { sms: 5, voice: 1 });
    const sum = (list: any[]) => list.reduce((s, r) => s + r.executions, 0);
    assert.equal(sum(o.timeline.provider), 6);
    assert.equal(sum(o.timeline.channel), 6);
    assert.equal(o.bucketMs, 86_400_000);
    assert.ok(o.latency && o.latency.p50 <= o.latency.p90 && o.latency.p90 <= o.latency.p99);
    assert.equal(o.blockedTotal, 1);
    assert.deepEqual(o.blocks.map((b: any) => [b.rule, b.count]), [['velocity.phone', 1]]);
    // Per provider, every attempt counts: flaky failed twice (once failing over to steady), whatever the final answers say.
    const health = Object.fromEntries(o.providerHealth.map((p: any) => [p.provider, [p.attempts, p.accepted, p.failed, p.acceptedRate]]));
    assert.deepEqual(health, { steady: [3, 3, 0, 1], flaky: [2, 0, 2, 0] });
    // hook.onFailure is the default (error): the page must not say the calls were answered FAILED.
    assert.equal(o.failureAnswer, 'answers with an error object, and Okta sends the code through its own provider');

    const day = await admin.get('/admin/api/overview?days=1');
    assert.equal(day.body.bucketMs, 3_600_000);
    assert.equal(day.body.total.executions, 6);
    assert.equal((await admin.get('/admin/api/overview?days=0')).status, 400);
    assert.equal((await admin.get('/admin/api/overview?days=abc')).status, 400);
  });

  test('chart buckets fit the period: a minute for the last hours, 5 minutes up to 12 h, an hour up to 3 days, a day beyond', async () => {
    const bucket = async (q: string) => {
      const res = await admin.get(`/admin/api/overview?${q}`);
      assert.equal(res.status, 200, `${q}: ${res.text}`);
      return res.body.bucketMs;
    };
    assert.equal(await bucket('hours=1'), 60_000);
    assert.equal(await bucket('hours=3'), 60_000);
    assert.equal(await bucket('hours=12'), 300_000);
    assert.equal(await bucket('hours=24'), 3_600_000);
    assert.equal(await bucket('days=3'), 3_600_000);
    assert.equal(await bucket('days=7'), 86_400_000);
    const hour = await admin.get('/admin/api/overview?hours=1');
    assert.equal(hour.body.total.executions, 6);
    assert.equal(hour.body.untilMs - hour.body.sinceMs, 3_600_000);
    const perMinute = hour.body.timeline.channel.reduce((n: number, r: any) => n + r.executions, 0);
    assert.equal(perMinute, 6);
    for (const r of hour.body.timeline.channel) assert.equal(r.bucket % 60_000, 0);
  });

  test('a custom From/To range: only the calls inside it, and a clear 400 for a reversed, open-ended or too long one', async () => {
    const inside = await admin.get(`/admin/api/overview?from=${started - 60_000}&to=${Date.now() + 1}`);
    assert.equal(inside.status, 200);
    assert.equal(inside.body.total.executions, 6);
    assert.equal(inside.body.bucketMs, 60_000);
    const before = await admin.get(`/admin/api/overview?from=${started - 3_600_000}&to=${started - 1_000}`);
    assert.deepEqual([before.body.total.executions, before.body.blockedTotal, before.body.latency, before.body.providerHealth], [0, 0, null, []]);
    const bad = async (q: string, path: string) => {
      const res = await admin.get(`/admin/api/overview?${q}`);
      assert.equal(res.status, 400, q);
      assert.deepEqual(res.body.causes.map((c: any) => c.path), [path], q);
    };
    await bad('from=2026-12-05&to=2026-12-01', 'from');
    await bad('to=2026-12-01', 'to');
    await bad('from=2026-01-01&to=2026-06-01', 'from');
    await bad('days=7&hours=3', 'from');
    await bad('hours=73', 'hours');
    await bad('from=yesterday', 'from');
  });

  test('refusals before the pipeline (401, 400) reach the Overview, though the delivery log has none', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${gw.url}/okta/telephony`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const before = (await admin.get('/admin/api/overview')).body.refusals.total;
    assert.equal((await post({ authorization: 'wrong-secret-value' }, JSON.stringify(request(NUMBERS[0]!)))).status, 401);
    assert.equal((await post({ authorization: 'wrong-secret-value' }, JSON.stringify(request(NUMBERS[0]!)))).status, 401);
    assert.equal((await post({ authorization: SECRET }, '{"not": "closed"')).status, 400);
    const o = (await admin.get('/admin/api/overview')).body;
    assert.equal(o.refusals.total, before + 3);
    const unauthorized = o.refusals.rows.find((r: any) => r.kind === 'unauthorized');
    assert.equal(unauthorized.count, 2);
    assert.ok(o.refusals.rows.some((r: any) => r.kind === 'bad_request' && r.count >= 1));
    assert.ok(o.refusals.sinceMs <= Date.now());
    assert.equal(o.total.executions, 6, 'refusals are not executions in the delivery log');
  });

  test('search by phone finds the row however the number is typed, and never returns a full number', async () => {
    for (const typed of ['+12025550143', '+1 (202) 555-0143', '202-555-0143', '12025550143']) {
      const res = await admin.get(`/admin/api/deliveries?phone=${encodeURIComponent(typed)}`);
      assert.equal(res.status, 200, typed);
      assert.equal(res.body.rows.length, 1, typed);
      const [row] = res.body.rows;
      assert.equal(row.phoneMasked, '+1202****143');
      assert.equal(row.login, 'jane@example.com');
      assert.equal(row.phoneHash, undefined, 'the hash stays on the server');
    }
    assert.equal((await admin.get('/admin/api/deliveries?phone=%2B12025550199')).body.rows.length, 0);
    // The page posts the search, so the number stays out of URLs; the answer is the same.
    const posted = await admin.post('/admin/api/deliveries', { phone: '+1 202 555 0143', limit: '10' });
    assert.equal(posted.status, 200);
    assert.deepEqual(posted.body.rows.map((r: any) => r.phoneMasked), ['+1202****143']);
    const all = await admin.get('/admin/api/deliveries?limit=200');
    assert.equal(all.body.rows.length, 6);
    for (const text of [all.text, (await admin.get('/admin/api/providers')).text, (await admin.get('/admin/api/overview')).text]) {
      for (const n of NUMBERS) {
        assert.ok(!text.includes(n) && !text.includes(n.slice(1)) && !text.includes(n.slice(-10)), `${n} appears in an answer`);
      }
    }
  });

  test('each row carries its attempts and its delivery receipt', async () => {
    const res = await admin.get(`/admin/api/deliveries?transactionId=${encodeURIComponent(janeTransaction)}`);
    assert.equal(res.body.rows.length, 1);
    const [row] = res.body.rows;
    assert.equal(row.status, 'SUCCESSFUL');
    assert.equal(row.receiptStatus, 'delivered');
    assert.equal(row.receiptProviderStatus, 'DELIVERED');
    assert.deepEqual(row.attempts.map((a: any) => [a.provider, a.ok]), [['steady', true]]);
    const uk = (await admin.get(`/admin/api/deliveries?phone=${encodeURIComponent('+44 7700 900123')}`)).body.rows[0];
    assert.deepEqual(uk.attempts.map((a: any) => [a.provider, a.ok, a.category ?? null, a.providerCode ?? null]),
      [['flaky', false, 'unavailable', '503'], ['steady', true, null, null]]);
  });

  test('search by user id or login, outcome and dates', async () => {
    const byLogin = await admin.get('/admin/api/deliveries?user=jane%40example.com');
    assert.equal(byLogin.body.rows.length, 2);
    const byId = await admin.get('/admin/api/deliveries?user=00uJANE0000000000000');
    assert.deepEqual(byId.body.rows.map((r: any) => r.eventId), byLogin.body.rows.map((r: any) => r.eventId));
    const failed = await admin.get('/admin/api/deliveries?status=FAILED');
    assert.deepEqual(failed.body.rows.map((r: any) => r.reason).sort(), ['all_failed', 'blocked', 'invalid_number']);
    assert.equal((await admin.get(`/admin/api/deliveries?from=${Date.now() + 60_000}`)).body.rows.length, 0);
    assert.equal((await admin.get(`/admin/api/deliveries?to=${started - 60_000}`)).body.rows.length, 0);
    const today = new Date(started).toISOString().slice(0, 10);
    assert.equal((await admin.get(`/admin/api/deliveries?from=${today}`)).body.rows.length, 6);
    assert.equal((await admin.get('/admin/api/deliveries?status=MAYBE')).status, 400);
  });

  test('search by receipt: delivered, none, and a refusal of an unknown status', async () => {
    const delivered = await admin.get('/admin/api/deliveries?receipt=delivered');
    assert.deepEqual(delivered.body.rows.map((r: any) => r.transactionId), [janeTransaction]);
    assert.equal((await admin.get('/admin/api/deliveries?receipt=none')).body.rows.length, 5);
    assert.equal((await admin.get('/admin/api/deliveries?receipt=undelivered')).body.rows.length, 0);
    assert.equal((await admin.get('/admin/api/deliveries?receipt=lost')).status, 400);
    const reversed = await admin.get('/admin/api/deliveries?from=2026-12-05&to=2026-12-01');
    assert.equal(reversed.status, 400);
    assert.deepEqual(reversed.body.causes, [{ path: 'from', message: 'expected a From date on or before the To date' }]);
  });

  test('search by part of a user in any case, event id, provider, country, channel, request type and guard rule; the total', async () => {
    const ids = async (q: string) => {
      const res = await admin.get(`/admin/api/deliveries?${q}`);
      assert.equal(res.status, 200, `${q}: ${res.text}`);
      return res.body as { rows: any[]; total: number };
    };
    const jane = await ids('user=JANE%40EXAMPLE');
    assert.equal(jane.total, 2);
    assert.deepEqual(jane.rows.map((r) => r.login), ['jane@example.com', 'jane@example.com']);
    assert.equal((await ids('user=uJANE')).total, 2, 'part of the user id');
    assert.equal((await ids('user=%25')).total, 0, 'a % is a percent sign, not "anything"');
    const one = jane.rows[0];
    assert.deepEqual((await ids(`eventId=${encodeURIComponent(one.eventId)}`)).rows.map((r) => r.eventId), [one.eventId]);
    assert.equal((await ids('provider=steady')).total, 3);
    assert.equal((await ids('country=gb')).total, 1, 'the country in any case');
    assert.equal((await ids('channel=voice')).total, 1);
    assert.equal((await ids('requestType=password-reset')).total, 1);
    const blocked = await ids('rule=velocity.phone');
    assert.deepEqual(blocked.rows.map((r) => r.eventId), ['blocked-1']);
    assert.equal((await ids('status=FAILED&country=FR')).total, 1);
    const page = await ids('limit=2');
    assert.equal(page.rows.length, 2);
    assert.equal(page.total, 6, 'the total counts every page');
  });

  test('every filter is bounded: a clear 400 naming it', async () => {
    for (const [q, path] of [
      ['channel=fax', 'channel'], ['requestType=sms-login', 'requestType'], ['country=GBR', 'country'], ['country=1', 'country'],
      [`provider=${'p'.repeat(65)}`, 'provider'], ['provider=a%20b', 'provider'], ['rule=limits%3Bdrop', 'rule'], [`user=${'u'.repeat(257)}`, 'user'],
      [`eventId=${'e'.repeat(257)}`, 'eventId'], ['limit=201', 'limit'],
    ] as const) {
      for (const res of [await admin.get(`/admin/api/deliveries?${q}`), await admin.get(`/admin/api/deliveries/export?${q}`)]) {
        if (path === 'limit' && res.headers.get('content-type')?.startsWith('text/csv')) continue; // the export has no limit
        assert.equal(res.status, 400, q);
        assert.deepEqual(res.body.causes.map((c: any) => c.path), [path], q);
      }
    }
  });

  test('CSV export: the current filters, masked numbers only, formulas neutralised, the cap stated', async () => {
    const store = gw.gateway.store;
    await store.claim({ eventId: 'formula-1', receivedAt: Date.now(), requestType: 'mfa-verification', channel: 'sms', phoneMasked: maskPhone('+12025550177'), phoneHash: 'y',
      country: 'US', userId: '@SUM(1+1)', login: '=HYPERLINK("http://evil.example","x"), -2', locale: 'en', preview: false });
    const res = await admin.post('/admin/api/deliveries/export', { user: 'hyperlink' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="deliveries-\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.equal(res.headers.get('x-total-count'), '1');
    assert.equal(res.headers.get('x-export-limit'), '10000');
    const [head, row, end] = res.text.split('\r\n');
    assert.equal(head?.split(',')[0], 'received_at');
    assert.equal(end, '');
    assert.match(row ?? '', /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,formula-1,mfa-verification,sms,'\+1202\*+177,US,'@SUM\(1\+1\),"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\), -2",no,pending,/);

    const all = await admin.get('/admin/api/deliveries/export');
    assert.equal(all.headers.get('x-total-count'), String(gw.rows().length));
    const lines = all.text.trim().split('\r\n');
    assert.equal(lines.length, gw.rows().length + 1);
    for (const n of NUMBERS) assert.ok(!all.text.includes(n.slice(1)), 'no full number');
    assert.ok(!/phone_hash|answer|otp|receipt_code/i.test(lines[0]!), 'no hash, no stored answer, no code');
    const gb = await admin.get('/admin/api/deliveries/export?country=GB&status=SUCCESSFUL');
    assert.equal(gb.text.trim().split('\r\n').length, 2);
    assert.match(gb.text, /,GB,/);
    assert.equal((await admin.get('/admin/api/deliveries/export?from=2026-12-05&to=2026-12-01')).status, 400);
  });

  test('paging: limit and before walk the whole log once', async () => {
    const seen: string[] = [];
    let before: number | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await admin.get(`/admin/api/deliveries?limit=2${before === undefined ? '' : `&before=${before}`}`);
      seen.push(...page.body.rows.map((r: any) => r.eventId));
      if (page.body.next === undefined) break;
      before = page.body.next;
    }
    // Rows sharing a millisecond may be cut at a page boundary; every row seen is distinct.
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length >= 4);
  });

  test('providers: kind, channels, breaker, 30-day numbers and the last errors', async () => {
    const res = await admin.get('/admin/api/providers');
    assert.equal(res.status, 200);
    const byName = Object.fromEntries(res.body.providers.map((p: any) => [p.name, p]));
    assert.deepEqual(Object.keys(byName).sort(), ['flaky', 'steady']);
    assert.equal(byName.steady.kind, 'fake');
    assert.deepEqual(byName.steady.channels, ['sms', 'voice']);
    assert.equal(byName.steady.breaker, 'closed');
    assert.deepEqual(byName.steady.usedBy, ['default', 'rules[0] (uk)']);
    assert.deepEqual([byName.steady.summary.executions, byName.steady.summary.successes], [3, 3]);
    // Its own attempts, failovers included: not 100% because its failures were answered by another provider.
    const flaky = byName.flaky.health;
    assert.deepEqual([flaky.attempts, flaky.accepted, flaky.failed, flaky.failedBy, flaky.acceptedRate], [2, 0, 2, { unavailable: 2 }, 0]);
    const steady = byName.steady.health;
    assert.deepEqual([steady.attempts, steady.accepted, steady.receipts.delivered, steady.deliveredRate], [3, 3, 1, 1]);
    assert.equal(byName.flaky.lastErrors.length, 2);
    for (const e of byName.flaky.lastErrors) {
      assert.equal(e.category, 'unavailable');
      assert.equal(e.providerCode, '503');
    }
  });

  test('Preview: the generated request is Okta-shaped and the plan says why', async () => {
    const gen = await admin.post('/admin/api/preview/request', { requestType: 'password-reset', channel: 'voice', login: 'bob@example.com', phone: '+447700900999' });
    assert.equal(gen.status, 200);
    const r = gen.body.request;
    assert.equal(r.eventType, 'com.okta.telephony.provider');
    assert.equal(r.requestType, 'com.okta.user.telephony.password-reset');
    assert.equal(r.data.messageProfile.deliveryChannel, 'voice call');
    assert.equal(r.data.messageProfile.phoneNumber, '+447700900999');
    assert.match(r.data.messageProfile.otpCode, /^\d{6}$/);
    assert.equal(r.data.userProfile.login, 'bob@example.com');
    assert.match(r.data.context.request.url.value, /generatePreview$/);

    const plan = await admin.post('/admin/api/preview/plan', { request: r });
    assert.equal(plan.status, 200);
    assert.equal(plan.body.ok, true);
    assert.equal(plan.body.requestType, 'password-reset');
    assert.equal(plan.body.channel, 'voice');
    assert.equal(plan.body.preview, true);
    assert.equal(plan.body.destination.country, 'GB');
    assert.equal(plan.body.plan.rule, 'rules[0] (uk)');
    assert.deepEqual(plan.body.plan.matched, ['country GB']);
    assert.deepEqual(plan.body.plan.steps.map((s: any) => [s.provider, s.reason, s.breaker]), [['flaky', 'rule chain #1', 'closed'], ['steady', 'fallback #1', 'closed']]);

    assert.equal((await admin.post('/admin/api/preview/request', { channel: 'fax', phone: '+1' })).status, 400);
    assert.equal((await admin.post('/admin/api/preview/request', {})).status, 400);
  });

  test("Preview: the guard's verdict in the plan and the exact text each provider would send or speak", async () => {
    const sms = (await admin.post('/admin/api/preview/request', { channel: 'sms', phone: '+447700900999', locale: 'fr-FR' })).body.request;
    const code = sms.data.messageProfile.otpCode;
    const plan = (await admin.post('/admin/api/preview/plan', { request: sms })).body;
    assert.equal(plan.guard.allow, true);
    assert.match(plan.guard.note, /velocity limits are counted only when a code is sent/);
    // One SMS body for every provider of the chain, with the request's code in it.
    assert.deepEqual(plan.texts.map((t: any) => [t.provider, t.locale]), [['flaky', 'fr-FR'], ['steady', 'fr-FR']]);
    assert.equal(plan.texts[0].text, plan.texts[1].text);
    assert.ok(plan.texts[0].text.includes(code), plan.texts[0].text);

    const voice = (await admin.post('/admin/api/preview/request', { channel: 'voice', phone: '+447700900999', locale: 'fr-FR' })).body.request;
    const spoken = (await admin.post('/admin/api/preview/plan', { request: voice })).body.texts;
    assert.deepEqual(spoken.map((t: any) => t.provider), ['flaky', 'steady']);
    const digits = [...voice.data.messageProfile.otpCode].join(', ');
    for (const t of spoken) assert.ok(t.text.includes(digits), `the script says the code digit by digit: ${t.text}`);

    const refused = (await admin.post('/admin/api/preview/request', { channel: 'voice', phone: '+33612345678' })).body.request;
    const r = (await admin.post('/admin/api/preview/plan', { request: refused })).body;
    assert.deepEqual([r.guard.allow, r.guard.rule, r.plan, r.texts], [false, 'countries.voice', null, []]);
    const dry = (await admin.post('/admin/api/preview/send', { request: refused, dryRun: true })).body;
    assert.deepEqual([dry.outcome.status, dry.outcome.reason, dry.outcome.blockedBy], ['FAILED', 'blocked', 'countries.voice']);

    const junk = (await admin.post('/admin/api/preview/request', { phone: '123' })).body.request;
    const none = (await admin.post('/admin/api/preview/plan', { request: junk })).body;
    assert.deepEqual([none.ok, none.guard, none.plan, none.texts], [true, undefined, null, []]);
  });

  test("Preview: an edited request that Okta's contract refuses shows the causes", async () => {
    const broken = request('+12025550143');
    delete broken.data.messageProfile.phoneNumber;
    broken.data.messageProfile.otpCode = 'not a code!';
    const plan = await admin.post('/admin/api/preview/plan', { request: broken });
    assert.equal(plan.body.ok, false);
    assert.deepEqual(plan.body.causes.map((c: any) => c.location).sort(), ['data.messageProfile.otpCode', 'data.messageProfile.phoneNumber']);
    const sent = await admin.post('/admin/api/preview/send', { request: broken, dryRun: false });
    assert.equal(sent.status, 200);
    assert.equal(sent.body.httpStatus, 400);
    assert.equal(sent.body.answer.error.errorSummary, 'Invalid telephony hook request');
    assert.equal((await admin.post('/admin/api/preview/plan', { request: 'just text' })).body.ok, false);
  });

  test('Preview dry run: the answer Okta would get, nothing sent, nothing recorded', async () => {
    const before = gw.rows().length;
    const sends = steady.sent.length + flaky.sent.length;
    const gen = await admin.post('/admin/api/preview/request', { phone: '+12025550100' });
    const res = await admin.post('/admin/api/preview/send', { request: gen.body.request, dryRun: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.dryRun, true);
    assert.equal(res.body.httpStatus, 200);
    assert.deepEqual(res.body.answer.commands[0].value[0].status, 'SUCCESSFUL');
    assert.equal(res.body.answer.commands[0].value[0].transactionId, 'dry-run');
    assert.equal(res.body.plan.rule, 'default');
    assert.equal(gw.rows().length, before);
    assert.equal(steady.sent.length + flaky.sent.length, sends);
  });

  test('Preview for real: the pipeline runs under a fresh deadline, the row is marked preview, a repeat is replayed', async () => {
    const before = gw.rows().length;
    const gen = await admin.post('/admin/api/preview/request', { phone: '+447700900555', login: 'preview@example.com' });
    const res = await admin.post('/admin/api/preview/send', { request: gen.body.request, dryRun: false });
    assert.equal(res.body.httpStatus, 200);
    assert.equal(res.body.dryRun, false);
    const value = res.body.answer.commands[0].value[0];
    assert.equal(value.status, 'SUCCESSFUL');
    assert.equal(value.provider, 'STEADY');
    assert.match(value.transactionMetadata, /^attempts=flaky:unavailable,steady:ok;ms=\d+$/);
    assert.deepEqual(res.body.outcome.attempts.map((a: any) => a.provider), ['flaky', 'steady']);
    assert.ok(res.body.ms < 2_500);
    const rows = gw.rows();
    assert.equal(rows.length, before + 1);
    const row = rows.find((r) => r.event_id === gen.body.request.eventId);
    assert.equal(row?.preview, 1);
    assert.equal(row?.login, 'preview@example.com');

    const sends = steady.sent.length;
    const again = await admin.post('/admin/api/preview/send', { request: gen.body.request, dryRun: false });
    assert.equal(again.body.replayed, true);
    assert.deepEqual(again.body.answer, res.body.answer);
    assert.equal(steady.sent.length, sends);
  });
});

describe('CSV export of a large log', () => {
  let gw: TestGateway;
  after(() => gw?.close());

  test(`streams pages without a gap or a repeat and stops at the cap, saying how many matched`, async () => {
    gw = await startAdminGateway();
    const store = gw.gateway.store;
    const now = Date.now();
    const extra = 7;
    // Pairs of rows share a millisecond, so a page boundary falls inside a tie.
    for (let start = 0; start < EXPORT_MAX_ROWS + extra; start += 500) {
      await Promise.all(Array.from({ length: Math.min(500, EXPORT_MAX_ROWS + extra - start) }, (_, k) => store.claim({
        eventId: `bulk-${String(start + k).padStart(5, '0')}`, receivedAt: now - Math.floor((start + k) / 2), requestType: 'mfa-verification', channel: 'sms',
        phoneMasked: '+1202*****143', phoneHash: 'h', locale: 'en', preview: false,
      })));
    }
    const admin = await loggedIn(gw);
    const res = await admin.get('/admin/api/deliveries/export');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-total-count'), String(EXPORT_MAX_ROWS + extra));
    const ids = res.text.trim().split('\r\n').slice(1).map((l) => l.split(',')[1]!);
    assert.equal(ids.length, EXPORT_MAX_ROWS);
    assert.equal(new Set(ids).size, EXPORT_MAX_ROWS, 'no row twice');
    // Newest first: the oldest rows are the ones left out.
    assert.deepEqual(ids.slice(0, 2).sort(), ['bulk-00000', 'bulk-00001']);
    assert.ok(!ids.includes(`bulk-${EXPORT_MAX_ROWS + extra - 1}`));
  });
});

describe('admin configuration page: every secret redacted', () => {
  const secrets = {
    hook: SECRET,
    hashKey: 'test-hash-key-0123456789',
    metrics: 'metrics-secret-token-0123456789',
    twilioAuth: 'twilio-auth-token-secret-0001',
    twilioKeySecret: 'twilio-api-key-secret-0002',
    vonageSecret: 'vonage-api-secret-0003',
    vonageKey: 'vonage-key-0004',
    httpHeader: 'http-header-secret-0005',
    httpQuery: 'httpQueryKey0006secret',
    callbackToken: 'callback-token-0007-abcdefghijklmnop',
    admin: ADMIN_TOKEN,
    password: ADMIN_PASSWORD,
  };
  let gw: TestGateway;
  let admin: AdminClient;

  before(async () => {
    gw = await startAdminGateway({
      adapters: new Map([['console', fakeProvider('console')]]),
      env: { TWILIO_AUTH_TOKEN: secrets.twilioAuth },
      yaml: `metrics:
  token: ${secrets.metrics}
providers:
  console: { kind: console }
  tw:
    kind: twilio
    accountSid: AC0123456789abcdef0123456789abcdef
    authToken: \${TWILIO_AUTH_TOKEN}
    apiKeySid: SK0123456789abcdef0123456789abcdef
    apiKeySecret: ${secrets.twilioKeySecret}
    from: "+15005550006"
  vn:
    kind: vonage
    apiKey: ${secrets.vonageKey}
    apiSecret: ${secrets.vonageSecret}
    from: "+15005550007"
    channels: [sms]
  web:
    kind: http
    channels: [sms]
    callbackToken: ${secrets.callbackToken}
    receipt: { idPath: id, statusPath: status }
    sms:
      url: https://sms.example.com/send?api_key=${secrets.httpQuery}&to={{phoneDigits}}
      headers: { X-Auth-Key: ${secrets.httpHeader}, Content-Type: application/json }
      body: '{"text": "{{text}}"}'
routing:
  default: [console]`,
    });
    admin = await loggedIn(gw);
  });
  after(() => gw.close());

  test('the configuration shows its shape with [redacted] where the secrets were', async () => {
    const res = await admin.get('/admin/api/config');
    assert.equal(res.status, 200);
    const c = res.body;
    assert.deepEqual(c.auth.secrets, ['[redacted]']);
    assert.equal(c.auth.header, 'Authorization');
    assert.equal(c.store.hashKey, '[redacted]');
    assert.equal(c.metrics.token, '[redacted]');
    assert.equal(c.admin.token, '[redacted]');
    assert.deepEqual(c.admin.users, [{ username: 'alice', password: '[redacted]', role: 'admin' }]);
    assert.equal(c.providers.tw.authToken, '[redacted]');
    assert.equal(c.providers.tw.apiKeySecret, '[redacted]');
    assert.equal(c.providers.tw.accountSid, 'AC0123456789abcdef0123456789abcdef', 'identifiers stay readable');
    assert.equal(c.providers.tw.from, '+15005550006');
    assert.equal(c.providers.vn.apiSecret, '[redacted]');
    assert.equal(c.providers.web.callbackToken, '[redacted]');
    assert.equal(c.providers.web.sms.headers['X-Auth-Key'], '[redacted]');
    assert.equal(c.providers.web.sms.headers['Content-Type'], 'application/json');
    assert.equal(c.providers.web.sms.url, 'https://sms.example.com/send?api_key=[redacted]&to={{phoneDigits}}');
    assert.equal(c.hook.budgetMs, 2500);
  });

  test('no configured secret appears in any admin answer', async () => {
    const answers: string[] = [];
    for (const path of [...PAGES, '/admin/login', '/admin/assets/app.js', '/admin/assets/app.css', ...API_GETS, '/admin/api/overview?days=1']) {
      answers.push((await admin.get(path)).text);
      answers.push((await admin.get(path, { authorization: `Bearer ${ADMIN_TOKEN}` })).text);
    }
    const gen = await admin.post('/admin/api/preview/request', { phone: '+12025550123' });
    answers.push(gen.text);
    answers.push((await admin.post('/admin/api/preview/plan', { request: gen.body.request })).text);
    answers.push((await admin.post('/admin/api/preview/send', { request: gen.body.request, dryRun: true })).text);
    answers.push((await admin.post('/admin/api/preview/send', { request: gen.body.request, dryRun: false })).text);
    answers.push((await admin.post('/admin/login', { username: 'alice', password: 'wrong-password-0' })).text);
    const all = answers.join('\n');
    for (const [name, value] of Object.entries(secrets)) assert.ok(!all.includes(value), `${name} appears in an admin answer`);
    assert.ok(answers.length > 30);
  });
});
