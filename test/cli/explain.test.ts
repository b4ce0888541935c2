import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitPick } from '../../src/routing/plan.js';
import { runCli } from '../support/cli.js';
import { explainRequest } from '../../src/cli/explain.js';
import { parseConfigText } from '../../src/config/file.js';

const dir = mkdtempSync(join(tmpdir(), 'byot-explain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = join(dir, 'byot.yaml');
writeFileSync(CONFIG, `
auth: { type: header, secrets: ["\${HOOK_SECRET}"] }
hook: { maxAttempts: 2 }
guard:
  countries: { voice: { deny: [CU] } }
providers:
  twilio: { kind: console }
  vonage: { kind: console, countries: { deny: [CU] } }
  sinch: { kind: console, channels: [sms] }
  eu-only: { kind: console, countries: { allow: [DE, FR, GB] } }
  backup: { kind: console }
  # Telnyx places calls only with a Call Control application: without one it is an SMS-only provider.
  tx: { kind: telnyx, apiKey: "\${TELNYX_KEY}", from: "+15005550006" }
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
    - name: germany
      match: { country: DE }
      providers: [tx, sinch]
  default: [vonage, twilio, backup]
`);
const ENV = { HOOK_SECRET: 'a-long-enough-secret', TELNYX_KEY: 'KEY0123' };

interface Case {
  name: string;
  args: string[];
  rule?: string;
  matched?: string[];
  chain?: string[];
  /** Providers in the chain beyond hook.maxAttempts. */
  untried?: string[];
  skipped?: string[];
  /** The guard rule that refuses it, when one does. */
  guard?: string;
  outcome: RegExp;
}

const ukPick = splitPick([['twilio', 70], ['vonage', 30]], '1:+447400123456');
const cases: Case[] = [
  { name: 'voice in the US: the rule\'s chain, the SMS-only provider skipped', args: ['--phone', '+14155550100', '--channel', 'voice'],
    rule: 'rules[0] (voice-north-america)', matched: ['country US', 'channel voice'], chain: ['twilio', 'vonage'], skipped: ['sinch: does not send voice'],
    outcome: /tries twilio, then vonage, stopping at the first that accepts/ },
  { name: 'SMS in the US: no rule, the default chain, cut at hook.maxAttempts', args: ['--phone', '+14155550100', '--channel', 'sms'],
    rule: 'default', matched: [], chain: ['vonage', 'twilio', 'backup'], untried: ['backup'], skipped: [],
    outcome: /tries vonage, then twilio,/ },
  { name: 'SMS in the UK: the weighted split\'s pick for this number, the rest, then the fallback', args: ['--phone', '+447400123456', '--channel', 'sms'],
    rule: 'rules[1] (uk-split)', matched: ['country GB', 'channel sms'], chain: [ukPick, ukPick === 'twilio' ? 'vonage' : 'twilio', 'backup'], untried: ['backup'], skipped: [],
    outcome: new RegExp(`tries ${ukPick}, then`) },
  { name: 'a French locale in France', args: ['--phone', '+33612345678', '--channel', 'sms', '--locale', 'fr-FR'],
    rule: 'rules[2] (french)', matched: ['locale fr-FR'], chain: ['eu-only', 'vonage'], skipped: [], outcome: /tries eu-only, then vonage/ },
  { name: 'a French locale in the US: the provider with an allow list is skipped', args: ['--phone', '+14155550100', '--channel', 'sms', '--locale', 'fr_CA'],
    rule: 'rules[2] (french)', matched: ['locale fr-CA'], chain: ['vonage'], skipped: ['eu-only: country US not in its allow list'], outcome: /tries vonage, within/ },
  { name: 'a denied country: the provider that denies it is skipped', args: ['--phone', '+5352345678', '--channel', 'sms'],
    rule: 'default', matched: [], chain: ['twilio', 'backup'], skipped: ['vonage: country CU denied'], outcome: /tries twilio, then backup/ },
  { name: 'request type and number type together', args: ['--phone', '+33612345678', '--channel', 'sms', '--type', 'password-reset', '--locale', 'en-GB'],
    rule: 'rules[3] (resets)', matched: ['requestType password-reset', 'numberType MOBILE'], chain: ['sinch', 'backup'], skipped: [], outcome: /tries sinch, then backup/ },
  { name: 'Okta\'s prefixed request type is accepted too', args: ['--phone', '+33612345678', '--channel', 'sms', '--type', 'com.okta.user.telephony.account-unlock'],
    rule: 'rules[3] (resets)', matched: ['requestType account-unlock', 'numberType MOBILE'], outcome: /tries sinch, then backup/ },
  { name: 'voice where only SMS providers are routed: nobody can take it', args: ['--phone', '+4915123456789', '--channel', 'voice'],
    rule: 'rules[4] (germany)', matched: ['country DE'], chain: [], skipped: ['tx: does not send voice', 'sinch: does not send voice'],
    outcome: /no provider can take this request \(no_provider\): the gateway answers with an error object, and Okta sends the code through its own provider$/ },
  { name: 'SMS in Germany: the SMS-only Telnyx provider first', args: ['--phone', '+4915123456789', '--channel', 'sms'],
    rule: 'rules[4] (germany)', chain: ['tx', 'sinch'], skipped: [], outcome: /tries tx, then sinch/ },
  { name: 'not a phone number at all', args: ['--phone', 'hello', '--channel', 'sms'], outcome: /not a phone number \(invalid_number\): no provider is called; the gateway answers with an error object/ },
  { name: 'a voice call to a country the guard denies for voice', args: ['--phone', '+5352345678', '--channel', 'voice'],
    guard: 'countries.voice', outcome: /refused by the guard \(countries\.voice\): no provider is called; the gateway answers with an error object/ },
  { name: 'a premium-rate number', args: ['--phone', '+19005550123', '--channel', 'sms'],
    guard: 'numbers.type.PREMIUM_RATE', outcome: /refused by the guard \(numbers\.type\.PREMIUM_RATE\)/ },
];

test('explain: which rule, why, the chain with each provider\'s reason, and what was skipped (table of cases)', async () => {
  const results = await Promise.all(cases.map((c) => runCli(['explain', '--config', CONFIG, ...c.args, '--json'], { env: ENV })));
  results.forEach((r, i) => {
    const c = cases[i]!;
    assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
    const e = JSON.parse(r.stdout);
    assert.match(e.outcome, c.outcome, c.name);
    if (c.guard) {
      assert.equal(e.guard.allow, false, c.name);
      assert.equal(e.guard.rule, c.guard, c.name);
      assert.equal(e.route, undefined, c.name);
      return;
    }
    if (c.rule === undefined) {
      assert.equal(e.guard, undefined, c.name);
      assert.equal(e.route, undefined, c.name);
      assert.equal(e.destination, undefined, c.name);
      return;
    }
    assert.deepEqual(e.guard, { allow: true }, c.name);
    assert.equal(e.route.rule, c.rule, c.name);
    if (c.matched) assert.deepEqual(e.route.matched, c.matched, c.name);
    if (c.chain) assert.deepEqual(e.route.chain.map((s: any) => s.provider), c.chain, c.name);
    if (c.untried) assert.deepEqual(e.route.chain.filter((s: any) => !s.tried).map((s: any) => s.provider), c.untried, c.name);
    if (c.skipped) assert.deepEqual(e.route.skipped.map((s: any) => `${s.provider}: ${s.reason}`), c.skipped, c.name);
    for (const step of e.route.chain) assert.ok(step.reason.length > 0 && step.kind.length > 0, c.name);
  });
});

test('the text form: rule, reason, numbered chain with kinds and reasons, skipped providers, outcome', async () => {
  const r = await runCli(['explain', '--config', CONFIG, '--phone', '+447400123456', '--channel', 'sms'], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  const other = ukPick === 'twilio' ? 'vonage' : 'twilio';
  assert.match(r.stdout, /^Config +.*byot\.yaml$/m);
  assert.match(r.stdout, /^Request +sms · mfa-verification · locale en-US$/m);
  assert.match(r.stdout, /^Number +\+447400123456 · GB · MOBILE · valid$/m);
  assert.match(r.stdout, /^Guard +allowed \(number and country policy/m);
  assert.match(r.stdout, /^Rule +rules\[1\] \(uk-split\)$/m);
  assert.match(r.stdout, /^Because +country GB, channel sms$/m);
  assert.match(r.stdout, new RegExp(`^Chain +1\\. +${ukPick} +\\(console\\) +split pick \\(weight ${ukPick === 'twilio' ? 70 : 30}/100\\)$`, 'm'));
  assert.match(r.stdout, new RegExp(`^ +2\\. +${other} +\\(console\\) +rest of the split`, 'm'));
  assert.match(r.stdout, /^ +3\. +backup +\(console\) +fallback #1; beyond hook\.maxAttempts \(2\): not tried$/m);
  assert.match(r.stdout, /^Outcome +tries /m);

  const skipped = await runCli(['explain', '--config', CONFIG, '--phone', '+5352345678', '--channel', 'sms'], { env: ENV });
  assert.match(skipped.stdout, /^Skipped +vonage +country CU denied$/m);
  assert.ok(!skipped.stdout.includes('\u001b['), 'no colour on a pipe');
});

test('misuse exits 2; a broken or missing configuration exits 1 naming the problem', async () => {
  const [noPhone, noChannel, badChannel, help] = await Promise.all([
    runCli(['explain', '--config', CONFIG, '--channel', 'sms'], { env: ENV }),
    runCli(['explain', '--config', CONFIG, '--phone', '+14155550100'], { env: ENV }),
    runCli(['explain', '--config', CONFIG, '--phone', '+14155550100', '--channel', 'email'], { env: ENV }),
    runCli(['explain', '--help']),
  ]);
  assert.equal(noPhone.code, 2);
  assert.match(noPhone.stderr, /--phone is required/);
  assert.equal(noChannel.code, 2);
  assert.match(noChannel.stderr, /--channel is required/);
  assert.equal(badChannel.code, 2);
  assert.match(badChannel.stderr, /--channel must be one of sms, voice/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:\n {2}byot explain/);
  assert.match(help.stdout, /Examples:/);

  const typo = join(dir, 'typo.yaml');
  writeFileSync(typo, 'auth: { type: header, secrets: ["a-long-enough-secret"] }\nprovidres: {}\n');
  const [missingEnv, missingFile, typoed] = await Promise.all([
    runCli(['explain', '--config', CONFIG, '--phone', '+14155550100', '--channel', 'sms'], { env: { HOOK_SECRET: '', TELNYX_KEY: '' } }),
    runCli(['explain', '--config', join(dir, 'absent.yaml'), '--phone', '+14155550100', '--channel', 'sms']),
    runCli(['explain', '--config', typo, '--phone', '+14155550100', '--channel', 'sms']),
  ]);
  // Explaining sends nothing, so the hook secret and the providers' keys it does not use are not demanded.
  assert.equal(missingEnv.code, 0, missingEnv.stderr);
  assert.match(missingEnv.stdout, /^Outcome +tries /m);
  assert.equal(typoed.code, 1);
  assert.match(typoed.stderr, /providres: unknown key — did you mean providers\?/);
  assert.equal(missingFile.code, 1);
  assert.match(missingFile.stderr, /cannot read .*absent\.yaml: ENOENT/);
});

test('the outcome says what Okta is answered as hook.onFailure makes it: FAILED, or an error object', async () => {
  const base = 'auth: { type: header, secrets: ["a-long-enough-secret"] }\n';
  const request = { phone: '+19005550123', channel: 'sms', requestType: 'mfa-verification', locale: 'en-US' } as const;
  const asFailed = await explainRequest(parseConfigText(`${base}hook: { onFailure: FAILED }\n`, {}), request);
  assert.match(asFailed.outcome, /: no provider is called; the gateway answers FAILED$/);
  const asError = await explainRequest(parseConfigText(base, {}), request);
  assert.match(asError.outcome, /the gateway answers with an error object, and Okta sends the code through its own provider$/);
  assert.doesNotMatch(asError.outcome, /FAILED/);
});

test('a rule with resendOnUndelivered says so; others do not', async () => {
  const config = parseConfigText(`auth: { type: header, secrets: ["a-long-enough-secret"] }
providers: { a: { kind: console }, b: { kind: console } }
routing:
  rules:
    - match: { country: CH }
      providers: [a, b]
      resendOnUndelivered: true
  default: [a, b]
`, {});
  const swiss = await explainRequest(config, { phone: '+41793026727', channel: 'sms', requestType: 'mfa-verification', locale: 'en-US' });
  assert.equal(swiss.route?.resendOnUndelivered, true);
  const elsewhere = await explainRequest(config, { phone: '+14155550100', channel: 'sms', requestType: 'mfa-verification', locale: 'en-US' });
  assert.equal(elsewhere.route?.resendOnUndelivered, false);
  writeFileSync(join(dir, 'resend.yaml'), `auth: { type: header, secrets: ["\${HOOK_SECRET}"] }
providers: { a: { kind: console }, b: { kind: console } }
routing:
  rules:
    - providers: [a, b]
      resendOnUndelivered: true
`);
  const run = await runCli(['explain', '--config', join(dir, 'resend.yaml'), '--phone', '+41793026727', '--channel', 'sms'], { env: ENV });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Resend +once, through the next provider of the chain that did not fail, if a receipt says undelivered$/m);
});
