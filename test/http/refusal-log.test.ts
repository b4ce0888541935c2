// Refused hook calls are logged at most once per client address and reason per minute, with a
// count (issue 13, item 5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';
import { RefusalLog } from '../../src/http/refusal-log.js';

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, any>);

test('500 wrong secrets write one line, and one more with the count at shutdown', async () => {
  const gw = await startGateway();
  const body = JSON.stringify(oktaRequest());
  for (let batch = 0; batch < 10; batch++) {
    const answers = await Promise.all(Array.from({ length: 50 }, () => gw.hook(body, { authorization: 'wrong-secret-value' })));
    for (const a of answers) assert.equal(a.status, 401);
  }
  assert.equal((await gw.hook(body, {})).status, 401, 'no header at all: another reason');
  const during = parsed(gw.logs).filter((l) => /not authenticated/.test(l.msg) || (l.msg === 'request' && l.status === 401));
  assert.deepEqual(during.map((l) => [l.msg, l.reason, l.count]), [
    ['hook call not authenticated', 'wrong Authorization value', 1],
    ['hook call not authenticated', 'missing Authorization header', 1],
  ]);
  assert.equal(during[0]!.remoteAddress, '127.0.0.1');
  await gw.close();
  const repeated = parsed(gw.logs).filter((l) => l.msg === 'hook call not authenticated (repeated)');
  assert.deepEqual(repeated.map((l) => [l.reason, l.count]), [['wrong Authorization value', 499]]);
  // The metric still counts every refusal.
  assert.match(await gw.gateway.metrics.registry.getSingleMetricAsString('byot_hook_refused_total'), /reason="credentials"\} 501$/m);
});

test('one line per address and reason per window; the repeats reported when the window ends', () => {
  const lines: string[] = [];
  const log = pino(new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }));
  let now = 0;
  const r = new RefusalLog(log, 'refused', 60_000, () => now);
  r.note('10.0.0.1', 'wrong');
  r.note('10.0.0.1', 'wrong');
  r.note('10.0.0.2', 'wrong');
  r.note('10.0.0.1', 'missing');
  now += 59_999;
  r.flush(false);
  assert.equal(lines.length, 3, 'nothing reported before the window ends');
  now += 1;
  r.note('10.0.0.1', 'wrong');
  r.flush(false);
  const out = parsed(lines).map((l) => [l.msg, l.remoteAddress, l.reason, l.count]);
  assert.deepEqual(out.slice(3), [['refused (repeated)', '10.0.0.1', 'wrong', 2]]);
  r.note('10.0.0.1', 'wrong');
  assert.equal(lines.length, 5, 'a new window starts with a line of its own');
  r.close();
  assert.equal(lines.length, 5, 'nothing left to report');
});
