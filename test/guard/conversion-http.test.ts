// Conversion blocks end to end: hook calls through POST /okta/telephony, a verification through
// the guard's recordVerified seam (the one the Okta feed calls), the block answered with
// `guard.onBlock`, listed and lifted through the admin API (audited), announced to the webhook.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminClient, ADMIN_TOKEN, startAdminGateway } from '../admin/support.js';
import { oktaRequest } from '../support/okta.js';
import type { TestGateway } from '../support/gateway.js';
import { LIMITS_OFF } from '../support/guard.js';

const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

let gw: TestGateway;
let hooks: Server;
const alerts: any[] = [];

before(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      alerts.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const port = (hooks.address() as AddressInfo).port;
  gw = await startAdminGateway({
    yaml: [
      'providers:\n  console: { kind: console }',
      'guard:',
      '  numbers: { refuseInvalid: false }',
      `  limits: ${JSON.stringify(LIMITS_OFF)}`,
      '  onBlock: FAILED',
      '  conversion:',
      '    mode: enforce',
      '    prefixes: { dropDigits: [4], minSends: 10 }',
      '    countries: { mode: off }',
      '    graceSeconds: 1',
      `alerts:\n  webhookUrl: http://127.0.0.1:${port}/alerts`,
    ].join('\n'),
  });
});

after(async () => {
  await gw?.close();
  hooks?.close();
});

const status = (res: { body: any }): string | undefined => res.body?.commands?.[0]?.value?.[0]?.status;

test('a prefix whose codes are never used is blocked, answered FAILED, listed with its evidence, lifted and announced', async () => {
  // The verification feed is alive: one code to another prefix was used.
  const feed = oktaRequest({ phoneNumber: '+12125550100' });
  assert.equal(status(await gw.hook(feed)), 'SUCCESSFUL');
  assert.equal(gw.gateway.guard.recordVerified({ eventId: feed.eventId }), true);

  // Ten unused codes: Wilson's upper bound for 0 of 10 (0.28) is below half the 0.6 floor.
  for (let n = 110; n < 120; n++) assert.equal(status(await gw.hook(oktaRequest({ phoneNumber: `+14155550${n}` }))), 'SUCCESSFUL');
  // Okta's sample code expired long ago, so each send is decided once the 1 s grace is over.
  await new Promise((r) => setTimeout(r, 1_200));

  const blocked = await gw.hook(oktaRequest({ eventId: 'blockedEvent0000000001', phoneNumber: '+14155550104' }));
  assert.equal(blocked.status, 200);
  assert.equal(status(blocked), 'FAILED', 'guard.onBlock: FAILED, although hook.onFailure is the error object');
  const row = gw.rows().find((r) => r.event_id === 'blockedEvent0000000001');
  assert.equal(row?.blocked_by, 'conversion.prefix.4');
  assert.equal(status(await gw.hook(oktaRequest({ phoneNumber: '+12125550199' }))), 'SUCCESSFUL', 'another prefix still sends');

  const admin = new AdminClient(gw.url);
  const list = await admin.get('/admin/api/blocks', bearer);
  assert.equal(list.status, 200);
  assert.equal(list.body.blocks.length, 1);
  const [block] = list.body.blocks;
  assert.equal(block.rule, 'conversion.prefix.4');
  assert.equal(block.mode, 'enforce');
  assert.equal(block.scope, '+1415555xxxx');
  assert.equal(block.country, 'US');
  assert.deepEqual({ sent: block.evidence.sent, verified: block.evidence.verified, failed: block.evidence.failed }, { sent: 10, verified: 0, failed: 10 });
  assert.equal(block.evidence.windowSeconds, 3_600);
  assert.equal(block.evidence.baseline, 0.6);
  assert.ok(block.until - block.startedAt >= 43_200_000 - 1_000, '12 h cooldown');
  assert.ok(!list.text.includes('+14155550110'), 'no number on the page');

  assert.equal((await admin.post('/admin/api/blocks/lift', { id: 'nope' }, bearer)).status, 400);
  assert.equal((await admin.post('/admin/api/blocks/lift', { id: 'conversion.prefix.4:AAAAAAAAAAAAAAAAAAAAAA' }, bearer)).status, 404);
  const lifted = await admin.post('/admin/api/blocks/lift', { id: block.id }, bearer);
  assert.equal(lifted.status, 200);
  assert.equal(lifted.body.block.lifted.by, 'token');
  assert.ok(gw.logs.some((l) => l.includes('"audit":"block.lifted"') && l.includes('"user":"token"')), 'the lift is audited');

  assert.equal(status(await gw.hook(oktaRequest({ phoneNumber: '+14155550105' }))), 'SUCCESSFUL', 'lifted: the prefix sends again');

  for (let i = 0; i < 100 && alerts.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(alerts.map((a) => a.event), ['block.started', 'block.lifted']);
  assert.equal(alerts[0].source, 'byot-gateway');
  assert.equal(alerts[0].block.id, block.id);
});
