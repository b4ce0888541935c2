// Roles and the audit log over real HTTP: a read-only login (and a read-only token) sees every
// page and API, runs dry Previews, but is refused real sends and block lifts with 403
// BYOT_ERR_FORBIDDEN; logins, failed logins, logouts and real sends are in GET /admin/api/audit,
// newest first and paged, without a password, a code or a full number.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { adminSchema } from '../../src/admin/schema.js';
import { auditor } from '../../src/admin/audit.js';
import { createLogger } from '../../src/telemetry/log.js';
import type { AuditLog } from '../../src/store/types.js';
import { ADMIN_PASSWORD, ADMIN_TOKEN, ADMIN_USER, API_GETS, AdminClient, PAGES } from './support.js';

const VIEWER = 'bob';
const VIEWER_PASSWORD = 'bobs-own-long-password';
const AUDITOR = 'carol';
const PHONE = '+447700900123';

describe('admin roles', () => {
  test('the role of a user and of the token: admin by default, read-only or its alias viewer, nothing else', () => {
    const parsed = adminSchema.parse({
      token: ADMIN_TOKEN, tokenRole: 'viewer',
      users: [{ username: 'a', password: ADMIN_PASSWORD }, { username: 'b', password: ADMIN_PASSWORD, role: 'read-only' }, { username: 'c', password: ADMIN_PASSWORD, role: 'viewer' }],
    });
    assert.equal(parsed.tokenRole, 'read-only');
    assert.deepEqual(parsed.users.map((u) => u.role), ['admin', 'read-only', 'read-only']);
    assert.equal(adminSchema.parse({ token: ADMIN_TOKEN }).tokenRole, 'admin');
    assert.equal(adminSchema.parse({}).auditRetentionDays, 365);
    assert.equal(adminSchema.safeParse({ users: [{ username: 'a', password: ADMIN_PASSWORD, role: 'root' }] }).success, false);
  });

  test('an audit entry the database refuses is logged as an error; the action it records stands', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString('utf8')); cb(); } }));
    const broken: AuditLog = { record: () => Promise.reject(new Error('disk full')), list: async () => [], prune: async () => 0 };
    await auditor(broken, logger, () => 0)({ actor: ADMIN_USER, action: 'logout', address: '127.0.0.1', detail: '' });
    assert.ok(lines.some((l) => l.includes('"audit":"logout"') && l.includes('could not write the entry') && l.includes('disk full')), lines.join(''));
  });

  describe('over HTTP', () => {
    let gw: TestGateway;
    /** The code in the request sent for real. */
    let sentCode = '';
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const login = async (username: string, password: string): Promise<AdminClient> => {
      const c = new AdminClient(gw.url);
      const res = await c.login(username, password);
      assert.equal(res.status, 200, res.text);
      return c;
    };
    const previewRequest = async (c: AdminClient): Promise<Record<string, any>> =>
      (await c.post('/admin/api/preview/request', { phone: PHONE, channel: 'sms', requestType: 'mfa-verification' })).body.request;

    before(async () => {
      gw = await startGateway({
        yaml: [
          'providers:\n  console: { kind: console }',
          'admin:',
          `  token: ${ADMIN_TOKEN}`,
          '  tokenRole: read-only',
          '  users:',
          `    - { username: ${ADMIN_USER}, password: "\${ADMIN_PW}" }`,
          `    - { username: ${VIEWER}, password: "\${VIEWER_PW}", role: viewer }`,
          `    - { username: ${AUDITOR}, password: "\${VIEWER_PW}", role: read-only }`,
        ].join('\n'),
        env: { ADMIN_PW: ADMIN_PASSWORD, VIEWER_PW: VIEWER_PASSWORD },
      });
    });
    after(() => gw?.close());

    test('a read-only login sees every page and API, runs a dry Preview, and is refused a real send and a lift (403)', async () => {
      const bob = await login(VIEWER, VIEWER_PASSWORD);
      const session = await bob.get('/admin/api/session');
      assert.equal(session.body.role, 'read-only');
      for (const path of PAGES) assert.equal((await bob.get(path)).status, 200, path);
      for (const path of API_GETS) assert.equal((await bob.get(path)).status, 200, path);

      const request = await previewRequest(bob);
      const dry = await bob.post('/admin/api/preview/send', { request, dryRun: true });
      assert.equal(dry.status, 200, dry.text);
      assert.equal(dry.body.dryRun, true);

      const real = await bob.post('/admin/api/preview/send', { request, dryRun: false });
      assert.equal(real.status, 403);
      assert.equal(real.body.code, 'BYOT_ERR_FORBIDDEN');
      assert.match(real.body.error, /read-only/);
      assert.equal(gw.rows().length, 0, 'nothing was sent or recorded');

      const lift = await bob.post('/admin/api/blocks/lift', { id: 'conversion.prefix.4:AAAAAAAAAAAAAAAAAAAAAA' });
      assert.equal(lift.status, 403, 'refused before it is looked up');
      assert.equal(lift.body.code, 'BYOT_ERR_FORBIDDEN');
    });

    test('the read-only token is refused a real send; an admin login sends', async () => {
      const client = new AdminClient(gw.url);
      assert.equal((await client.get('/admin/api/session', bearer)).body.role, 'read-only');
      const alice = await login(ADMIN_USER, ADMIN_PASSWORD);
      assert.equal((await alice.get('/admin/api/session')).body.role, 'admin');
      const request = await previewRequest(alice);
      sentCode = String(request.data.messageProfile.otpCode);
      const refused = await client.post('/admin/api/preview/send', { request, dryRun: false }, bearer);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'BYOT_ERR_FORBIDDEN');
      const sent = await alice.post('/admin/api/preview/send', { request, dryRun: false });
      assert.equal(sent.status, 200, sent.text);
      assert.equal(sent.body.outcome.status, 'SUCCESSFUL');
      assert.equal(gw.rows().length, 1);
      const lift = await alice.post('/admin/api/blocks/lift', { id: 'conversion.prefix.4:AAAAAAAAAAAAAAAAAAAAAA' });
      assert.equal(lift.status, 404, 'an admin gets past the role check; there is no such block');
      assert.equal(lift.body.code, 'BYOT_ERR_NOT_FOUND');
    });

    test('the audit log: logins, failed logins, logouts and real sends, newest first, paged; no secret, code or number', async () => {
      const wrong = new AdminClient(gw.url);
      assert.equal((await wrong.login(ADMIN_USER, 'not-alices-password')).status, 401);
      // A password typed into the user-name field is not kept.
      assert.equal((await wrong.login(VIEWER_PASSWORD, 'whatever-else-typed')).status, 401);
      assert.equal((await wrong.post('/admin/login', { token: 'not-the-admin-token-at-all-000' })).status, 401);
      const carol = await login(AUDITOR, VIEWER_PASSWORD);
      assert.equal((await carol.post('/admin/logout')).status, 200);
      const alice = await login(ADMIN_USER, ADMIN_PASSWORD);

      const res = await alice.get('/admin/api/audit?limit=200');
      assert.equal(res.status, 200, res.text);
      const entries: any[] = res.body.entries;
      const rows = entries.map((e) => [e.action, e.actor, e.detail]);
      // Newest first: the last login above, then carol's logout and login, then the failures.
      assert.deepEqual(rows.slice(0, 6), [
        ['login', ADMIN_USER, 'with a password, role admin'],
        ['logout', AUDITOR, ''],
        ['login', AUDITOR, 'with a password, role read-only'],
        ['login.failed', 'token', 'wrong token'],
        ['login.failed', '(unknown)', 'wrong user name or password'],
        ['login.failed', ADMIN_USER, 'wrong user name or password'],
      ]);
      const sent = entries.find((e) => e.action === 'preview.sent');
      assert.ok(sent, 'the real send of the previous test is audited');
      assert.equal(sent.actor, ADMIN_USER);
      assert.equal(sent.detail, 'mfa-verification sms to +4477*****123: SUCCESSFUL via console');
      assert.equal(entries.filter((e) => e.action === 'preview.sent').length, 1, 'dry runs and refused sends are not sends');
      for (const e of entries) {
        assert.equal(e.address, '127.0.0.1');
        assert.ok(e.at > 0 && e.at <= Date.now());
      }
      for (const secret of [ADMIN_PASSWORD, VIEWER_PASSWORD, ADMIN_TOKEN, PHONE, '7700900123', 'not-alices-password']) {
        assert.ok(!res.text.includes(secret), `the audit log holds no ${secret}`);
      }

      // Paging: two at a time, to the end, the same entries.
      const paged: any[] = [];
      let next: number | undefined;
      do {
        const page = await alice.get(`/admin/api/audit?limit=2${next ? `&before=${next}` : ''}`);
        assert.equal(page.status, 200);
        paged.push(...page.body.entries);
        next = page.body.next;
      } while (next !== undefined);
      assert.deepEqual(paged.map((e) => e.id), entries.map((e) => e.id));
      assert.equal((await alice.get('/admin/api/audit?limit=0')).status, 400);
      assert.equal((await alice.get('/admin/api/audit?before=abc')).status, 400);
    });

    test('entries older than admin.auditRetentionDays are pruned when the admin page starts', async () => {
      const old = { actor: ADMIN_USER, action: 'login' as const, address: '127.0.0.1', detail: 'long ago' };
      await gw.gateway.store.audit.record({ ...old, at: Date.now() - 400 * 86_400_000 });
      await gw.gateway.store.audit.record({ ...old, at: Date.now() - 300 * 86_400_000, detail: 'within the year' });
      // A second instance on the same delivery log (as behind a load balancer) starts, and prunes.
      const second = await startGateway({
        yaml: `store:\n  path: ${gw.config.store.path}\n  hashKey: test-hash-key-0123456789\nproviders:\n  console: { kind: console }\nadmin:\n  token: ${ADMIN_TOKEN}`,
      });
      try {
        const details = async () => (await gw.gateway.store.audit.list({ limit: 200 })).map((e) => e.detail);
        for (const end = Date.now() + 10_000; (await details()).includes('long ago');) {
          if (Date.now() > end) throw new Error('the old entry was not pruned');
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok((await details()).includes('within the year'));
      } finally {
        await second.close();
      }
    });

    test('the audit log is in the delivery log\'s database, and holds no code', async () => {
      const entries = await gw.gateway.store.audit.list({ limit: 200 });
      assert.ok(entries.some((e) => e.action === 'preview.sent'));
      assert.match(sentCode, /^\d{4,}$/);
      assert.ok(!JSON.stringify(entries).includes(sentCode), 'no code');
    });
  });
});
