// A gateway whose guard blocks a number prefix on conversion, and the traffic that gets it blocked:
// shared by the end-to-end test of blocking (test/guard/conversion-http.test.ts) and the admin
// page's Blocks page in a browser (test/admin/a11y.test.ts).
import assert from 'node:assert/strict';
import { oktaRequest } from './okta.js';
import type { TestGateway } from './gateway.js';

const OFF = ['phone', 'user', 'prefix', 'country', 'ip', 'global', 'distinctPerPrefix'].map((l) => `${l}: false`).join(', ');

/**
 * `guard:` YAML: velocity limits off, conversion blocking enforced on 4-digit prefixes after 10
 * sends, answered FAILED, each send decided 1 s after it (Okta's sample code expired long ago).
 */
export const CONVERSION_GUARD_YAML = [
  'guard:',
  '  numbers: { refuseInvalid: false }',
  `  limits: { ${OFF} }`,
  '  onBlock: FAILED',
  '  conversion:',
  '    mode: enforce',
  '    prefixes: { dropDigits: [4], minSends: 10 }',
  '    countries: { mode: off }',
  '    graceSeconds: 1',
].join('\n');

/** The status in a hook answer. */
export const hookStatus = (res: { body: any }): string | undefined => res.body?.commands?.[0]?.value?.[0]?.status;

/**
 * Sends what gets +1415555xxxx blocked under CONVERSION_GUARD_YAML: one used code elsewhere (the
 * verification feed is alive), ten unused codes to the prefix, the 1 s grace; then one more call to
 * the prefix, which the block refuses, with `eventId`.
 */
export async function blockPrefix(gw: TestGateway, eventId = 'blockedEvent0000000001'): Promise<{ status: number; body: any }> {
  const feed = oktaRequest({ phoneNumber: '+12125550100' });
  assert.equal(hookStatus(await gw.hook(feed)), 'SUCCESSFUL');
  assert.equal(gw.gateway.guard.recordVerified({ eventId: feed.eventId }), true);
  // Wilson's upper bound for 0 of 10 (0.28) is below half the 0.6 floor.
  for (let n = 110; n < 120; n++) assert.equal(hookStatus(await gw.hook(oktaRequest({ phoneNumber: `+14155550${n}` }))), 'SUCCESSFUL');
  await new Promise((r) => setTimeout(r, 1_200));
  return gw.hook(oktaRequest({ eventId, phoneNumber: '+14155550104' }));
}
