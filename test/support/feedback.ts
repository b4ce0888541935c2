// Verified sends in a real delivery log, for the feedback tests: a hook call claimed and completed
// as the pipeline records it, then verified through the Okta event inbox as the processor does.
import assert from 'node:assert/strict';
import type { Channel } from '../../src/core/domain.js';
import type { OktaAnswer } from '../../src/okta/contract.js';
import type { DeliveryStore } from '../../src/store/types.js';

let seq = 0;

export interface SendOptions {
  provider?: string;
  transactionId?: string;
  channel?: Channel;
  receivedAt?: number;
  /** When Okta saw the code used; null leaves the send unverified. */
  verifiedAt?: number | null;
  /** A resend after an undelivered receipt (pipeline/resend.ts), made before the verification. */
  resend?: { provider: string; transactionId: string };
}

/** Records a successful send (and its verification); resolves to its eventId and the provider's id. */
export async function verifiedSend(store: DeliveryStore, o: SendOptions = {}): Promise<{ eventId: string; transactionId: string }> {
  const n = ++seq;
  const eventId = `evt-fb-${process.pid}-${n}`;
  const receivedAt = o.receivedAt ?? Date.now() - 60_000;
  const provider = o.provider ?? 'tw';
  const transactionId = o.transactionId ?? `SM${n.toString(16).padStart(32, '0')}`;
  assert.deepEqual(await store.claim({
    eventId, receivedAt, requestType: 'mfa-verification', channel: o.channel ?? 'sms', phoneMasked: '+1415*****99', phoneHash: 'h',
    country: 'US', userId: '00uFeedback000000001', locale: 'en', preview: false, otpExpires: receivedAt + 300_000,
  }), { claimed: true });
  const answer = { commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', provider, transactionId }] }] } as unknown as OktaAnswer;
  await store.complete(eventId, { status: 'SUCCESSFUL', provider, transactionId, attempts: [], latencyMs: 120, answer });
  if (o.resend) {
    assert.equal(await store.resends.claim(eventId, receivedAt + 10_000), 'claimed');
    await store.resends.record(eventId, { state: 'sent', ...o.resend, attempts: [] });
  }
  if (o.verifiedAt !== null) {
    const uuid = `uuid-fb-${process.pid}-${n}`;
    const at = o.verifiedAt ?? receivedAt + 30_000;
    await store.events.receive([{ uuid, published: at, eventType: 'user.authentication.auth_via_mfa', raw: '{}' }], 'hook', at);
    assert.equal((await store.events.settle(uuid, { state: 'verified', eventId, at, basis: 'factor' }, at)).newlyVerified, true);
  }
  return { eventId, transactionId };
}

/** The send's row as the admin API reads it. */
export async function rowOf(store: DeliveryStore, transactionId: string) {
  const [row] = await store.search({ transactionId });
  assert.ok(row, `no row for ${transactionId}`);
  return row;
}
