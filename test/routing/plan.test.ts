import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { CountryCode } from 'libphonenumber-js/max';
import { parseConfigText } from '../../src/config/file.js';
import { buildAdapters } from '../../src/gateway/adapters.js';
import { createRouter, splitPick, type RouteInput } from '../../src/routing/plan.js';
import { Breaker } from '../../src/delivery/breaker.js';
import { toDestination } from '../../src/core/phone.js';
import type { Channel, RequestType } from '../../src/core/domain.js';

const config = parseConfigText(`
auth: { type: header, secrets: ["a-long-enough-secret"] }
providers:
  twilio: { kind: console }
  vonage: { kind: console, countries: { deny: [CU] } }
  sinch: { kind: console, channels: [sms] }
  eu-only: { kind: console, countries: { allow: [DE, FR, GB] } }
  backup: { kind: console }
routing:
  rules:
    - name: voice-north-america
      match: { channel: voice, country: [US, CA] }
      providers: [twilio, sinch, vonage]
    - name: uk-split
      match: { country: GB, channel: sms }
      split: { twilio: 70, vonage: 30 }
      fallback: [backup]
    - name: french
      match: { locale: fr }
      providers: [eu-only, vonage]
    - name: resets
      match: { requestType: [password-reset, account-unlock], numberType: MOBILE }
      providers: [sinch, backup]
  default: [vonage, twilio, backup]
`, {});

const adapters = buildAdapters(config, pino({ level: 'silent' }));
const input = (phone: string, channel: Channel, extra: { requestType?: RequestType; locale?: string } = {}): RouteInput => ({
  channel,
  requestType: extra.requestType ?? 'mfa-verification',
  locale: extra.locale ?? 'en-US',
  dest: toDestination(phone, 'US' as CountryCode)!,
});

test('explain: which rule, why, the chain and every skipped provider with its reason', () => {
  const router = createRouter(config, adapters, new Map());
  const cases: { input: RouteInput; rule: string; matched: string[]; chain: string[]; skipped: string[] }[] = [
    { input: input('+14155550100', 'voice'), rule: 'rules[0] (voice-north-america)', matched: ['country US', 'channel voice'],
      chain: ['twilio', 'vonage'], skipped: ['sinch: does not send voice'] },
    { input: input('+16135550123', 'voice'), rule: 'rules[0] (voice-north-america)', matched: ['country CA', 'channel voice'],
      chain: ['twilio', 'vonage'], skipped: ['sinch: does not send voice'] },
    { input: input('+14155550100', 'sms'), rule: 'default', matched: [], chain: ['vonage', 'twilio', 'backup'], skipped: [] },
    { input: input('+33612345678', 'sms', { locale: 'fr-FR' }), rule: 'rules[2] (french)', matched: ['locale fr-FR'],
      chain: ['eu-only', 'vonage'], skipped: [] },
    { input: input('+14155550100', 'sms', { locale: 'fr-CA' }), rule: 'rules[2] (french)', matched: ['locale fr-CA'],
      chain: ['vonage'], skipped: ['eu-only: country US not in its allow list'] },
    { input: input('+5352345678', 'sms', { requestType: 'password-reset' }), rule: 'rules[3] (resets)', matched: ['requestType password-reset', 'numberType MOBILE'],
      chain: ['sinch', 'backup'], skipped: [] },
    { input: input('+5352345678', 'sms'), rule: 'default', matched: [], chain: ['twilio', 'backup'], skipped: ['vonage: country CU denied'] },
    { input: input('+5352345678', 'voice', { requestType: 'account-unlock' }), rule: 'rules[3] (resets)', matched: ['requestType account-unlock', 'numberType MOBILE'],
      chain: ['backup'], skipped: ['sinch: does not send voice'] },
  ];
  for (const c of cases) {
    const plan = router.plan(c.input);
    const label = `${c.input.dest.e164} ${c.input.channel} ${c.input.locale}`;
    assert.equal(plan.rule, c.rule, label);
    assert.deepEqual(plan.matched, c.matched, label);
    assert.deepEqual(plan.chain.map((a) => a.name), c.chain, label);
    assert.deepEqual(plan.steps.map((s) => s.provider), c.chain, label);
    assert.deepEqual(plan.skipped.map((s) => `${s.provider}: ${s.reason}`), c.skipped, label);
  }
});

test('a split puts its pick first, the rest of the split next, then the fallbacks, with reasons', () => {
  const plan = createRouter(config, adapters, new Map()).plan(input('+447400123456', 'sms'));
  assert.equal(plan.rule, 'rules[1] (uk-split)');
  assert.equal(plan.chain.length, 3);
  assert.equal(plan.chain[2]!.name, 'backup');
  assert.match(plan.steps[0]!.reason, /^split pick \(weight (70|30)\/100\)$/);
  assert.match(plan.steps[1]!.reason, /^rest of the split/);
  assert.equal(plan.steps[2]!.reason, 'fallback #1');
});

test('a split lands within ±5% of its weights over 10,000 numbers, and is stable per number', () => {
  const router = createRouter(config, adapters, new Map());
  const counts = new Map<string, number>();
  for (let i = 0, n = 0; i < 10_000; n++) {
    const phone = `+4474${String(n * 7919).padStart(8, '0')}`;
    const request = input(phone, 'sms');
    if (request.dest.country !== 'GB') continue;
    i++;
    const first = router.plan(request).chain[0]!.name;
    counts.set(first, (counts.get(first) ?? 0) + 1);
    if (i % 500 === 0) assert.equal(router.plan(input(phone, 'sms')).chain[0]!.name, first, 'same number, same provider');
  }
  const twilio = (counts.get('twilio') ?? 0) / 10_000;
  const vonage = (counts.get('vonage') ?? 0) / 10_000;
  assert.ok(Math.abs(twilio - 0.7) <= 0.05, `twilio got ${twilio}`);
  assert.ok(Math.abs(vonage - 0.3) <= 0.05, `vonage got ${vonage}`);

  const three: [string, number][] = [['a', 1], ['b', 2], ['c', 7]];
  const tally = { a: 0, b: 0, c: 0 } as Record<string, number>;
  for (let i = 0; i < 10_000; i++) tally[splitPick(three, `k${i}`)]!++;
  assert.ok(Math.abs(tally.a! / 10_000 - 0.1) <= 0.05 && Math.abs(tally.b! / 10_000 - 0.2) <= 0.05 && Math.abs(tally.c! / 10_000 - 0.7) <= 0.05, JSON.stringify(tally));
});

test('a provider whose breaker is open moves to the back of the chain, not out', () => {
  let now = 0;
  const twilioBreaker = new Breaker('twilio', { mode: 'consecutive', threshold: 1, window: 10, ratio: 0.5, cooldownMs: 1_000 }, undefined, () => now);
  twilioBreaker.record('normal', false, 'unavailable');
  const plan = createRouter(config, adapters, new Map([['twilio', twilioBreaker]])).plan(input('+14155550100', 'voice'));
  assert.deepEqual(plan.chain.map((a) => a.name), ['vonage', 'twilio']);
  assert.match(plan.steps[1]!.reason, /breaker open, moved to the back/);
  now = 1_000;
  assert.deepEqual(createRouter(config, adapters, new Map([['twilio', twilioBreaker]])).plan(input('+14155550100', 'voice')).chain.map((a) => a.name),
    ['twilio', 'vonage'], 'after the cooldown it is back in place for its probe');
});

test('routing config: rules refer to configured providers, and need a chain or a split', () => {
  assert.throws(() => parseConfigText(`
auth: { type: header, secrets: ["a-long-enough-secret"] }
providers: { a: { kind: console } }
routing:
  rules:
    - match: { country: ZZ, colour: red }
      providers: [a, ghost]
    - split: { a: 50 }
      fallback: [ghost2]
    - match: { channel: sms }
`, {}), (err: any) => {
    const text = err.issues.map((i: any) => `${i.path}: ${i.message}`).join('\n');
    assert.match(text, /routing\.rules\[0\]\.match\.country/);
    assert.match(text, /routing\.rules\[0\]\.match\.colour: unknown key/i);
    assert.match(text, /routing\.rules\[1\]\.split: expected at least two weighted providers/);
    assert.match(text, /routing\.rules\[2\]: expected either providers or split/);
    return true;
  });
  assert.throws(() => parseConfigText(`
auth: { type: header, secrets: ["a-long-enough-secret"] }
providers: { a: { kind: console }, b: { kind: console } }
routing:
  rules:
    - providers: [a, ghost]
    - split: { a: 50, phantom: 50 }
      fallback: [ghost2]
`, {}), (err: any) => {
    assert.deepEqual(err.issues.map((i: any) => `${i.path}: ${i.message}`), [
      'routing.rules[0].providers[1]: unknown provider "ghost"',
      'routing.rules[1].split.phantom: unknown provider "phantom"',
      'routing.rules[1].fallback[0]: unknown provider "ghost2"',
    ]);
    return true;
  });
});

test('resendOnUndelivered: off unless the matching rule says so; a boolean, nothing else', () => {
  const text = (value: string) => `
auth: { type: header, secrets: ["a-long-enough-secret"] }
providers: { a: { kind: console }, b: { kind: console } }
routing:
  rules:
    - match: { country: CH }
      providers: [a, b]
      resendOnUndelivered: ${value}
    - match: { country: FR }
      providers: [a, b]
`;
  const on = parseConfigText(text('true'), {});
  const router = createRouter(on, buildAdapters(on, pino({ level: 'silent' })), new Map());
  assert.equal(router.plan(input('+41793026727', 'sms')).resendOnUndelivered, true);
  assert.equal(router.plan(input('+33612345678', 'sms')).resendOnUndelivered, false, 'another rule: the default');
  assert.equal(router.plan(input('+14155550100', 'sms')).resendOnUndelivered, false, 'no rule: the default chain never resends');
  assert.throws(() => parseConfigText(text('"yes"'), {}), (err: any) => {
    assert.match(err.issues.map((i: any) => `${i.path}: ${i.message}`).join('\n'), /routing\.rules\[0\]\.resendOnUndelivered/);
    return true;
  });
});
