// A call is spoken in a language its provider has a voice for: routing puts the providers that
// speak the user's language first within each part of a rule's chain, a provider that cannot
// says the English script with an English voice, and `pt`, `pt-PT`, `pt-BR` mean the same to all.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import type { CountryCode } from 'libphonenumber-js/max';
import { parseConfigText } from '../../src/config/file.js';
import { buildAdapters } from '../../src/gateway/adapters.js';
import { createRouter, type RouteInput } from '../../src/routing/plan.js';
import { toDestination } from '../../src/core/phone.js';
import { spokenVoice } from '../../src/delivery/spoken.js';
import { voiceScript } from '../../src/delivery/messages.js';
import { voiceFor, withVoices, type VoiceTable } from '../../src/providers/voices.js';
import { ProviderError, type ProviderAdapter } from '../../src/providers/types.js';
import { explainRequest } from '../../src/cli/explain.js';
import { fakeProvider } from '../support/fake-provider.js';
import { startGateway } from '../support/gateway.js';
import { oktaRequest } from '../support/okta.js';

const telnyxKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const config = parseConfigText(`
auth: { type: header, secrets: ["a-long-enough-secret"] }
server: { publicUrl: "https://gw.example.com" }
providers:
  tx: { kind: telnyx, apiKey: KEY0123, from: "+15550001111", connectionId: "1494404757140276705", publicKey: "${telnyxKey}" }
  tw: { kind: twilio, accountSid: AC0123456789abcdef0123456789abcdef, authToken: token, from: "+14155550100" }
  pv: { kind: plivo, authId: MAXXXXXXXXXXXXXXXXXX, authToken: token, from: "+14155550100" }
  vg: { kind: vonage, applicationId: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, privateKey: ${JSON.stringify(rsa)}, voiceFrom: "+447700900001", channels: [voice] }
  ex: { kind: eightbyeight, apiKey: key, subAccountId: acme_otp, callerId: "+6568332048" }
  sn: { kind: sinch, voice: { applicationKey: key, applicationSecret: "${Buffer.from('secret').toString('base64')}", cli: "+12025550143" } }
  ib: { kind: infobip, apiKey: key, voiceFrom: "+41793026700" }
  aw: { kind: aws, region: eu-west-1, originationIdentity: "+14155550100" }
  backup: { kind: console }
routing:
  rules:
    - name: calls
      match: { channel: voice }
      providers: [tx, tw]
      fallback: [backup]
`, {});
const adapters = buildAdapters(config, pino({ level: 'silent' }));
const router = createRouter(config, adapters, new Map());
const route = (locale: string, channel: 'sms' | 'voice' = 'voice'): RouteInput =>
  ({ channel, requestType: 'mfa-verification', locale, dest: toDestination('+14155550199', 'US' as CountryCode)! });

describe('voices that speak the user\'s language', () => {
  it('puts the provider with a Korean voice first, and says the English script on the one without', () => {
    const plan = router.plan(route('ko-KR'));
    assert.deepEqual(plan.steps.map((s) => s.provider), ['tw', 'tx', 'backup']);
    assert.deepEqual(plan.steps.map((s) => s.voice), [
      { locale: 'ko-KR', language: 'ko-KR', voice: 'Polly.Seoyeon' },
      { locale: 'en', language: 'en-US', voice: 'AWS.Polly.Joanna-Neural' },
      // A fallback stays a fallback, though it speaks the language.
      { locale: 'ko-KR', language: 'ko-KR', voice: 'default' },
    ]);
    assert.match(plan.steps[1]!.reason, /^rule chain #1; cannot speak ko-KR, says the English script with an English voice$/);
  });

  it('keeps the rule\'s order when every provider speaks the language, and shows no voice for SMS', () => {
    const plan = router.plan(route('fr-FR'));
    assert.deepEqual(plan.steps.map((s) => [s.provider, s.voice?.voice]), [['tx', 'AWS.Polly.Lea-Neural'], ['tw', 'Polly.Celine'], ['backup', 'default']]);
    assert.ok(router.plan(route('fr-FR', 'sms')).steps.every((s) => s.voice === undefined));
  });

  it('explain shows the language and voice of each attempt', async () => {
    const e = await explainRequest(config, { phone: '+14155550199', channel: 'voice', requestType: 'mfa-verification', locale: 'ko_KR' }, { adapters });
    assert.deepEqual(e.route?.chain.map((c) => [c.provider, c.voice?.language, c.voice?.voice]),
      [['tw', 'ko-KR', 'Polly.Seoyeon'], ['tx', 'en-US', 'AWS.Polly.Joanna-Neural'], ['backup', 'ko-KR', 'default']]);
  });

  it('resolves pt, pt-PT and pt-BR the same way for every provider and for the scripts', () => {
    const kinds = [...adapters.values()].filter((a) => a.voices !== undefined);
    assert.equal(kinds.length, 8);
    for (const a of kinds) {
      const pt = spokenVoice(a, 'pt');
      assert.deepEqual(spokenVoice(a, 'pt-PT'), { ...pt, locale: 'pt-PT' }, `${a.kind}: pt-PT is pt`);
      assert.match(pt.language, /^pt(-pt)?$/i, `${a.kind}: pt is European Portuguese`);
      const br = voiceFor(a.voices!, 'pt-BR');
      if (br) assert.match(br.language, /^pt-br$/i, `${a.kind}: pt-BR is Brazilian`);
    }
    assert.equal(voiceScript('482913', 'pt-PT').text, voiceScript('482913', 'pt').text);
    assert.notEqual(voiceScript('482913', 'pt-BR').text, voiceScript('482913', 'pt').text);
  });

  it('lets a configured voice add a language or serve all regions of one', () => {
    const table: VoiceTable = { en: { language: 'en-US', voice: 'A' }, fr: { language: 'fr-FR', voice: 'B' }, 'fr-CA': { language: 'fr-CA', voice: 'C' } };
    const merged = withVoices(table, { fr: 'X', ko: 'Y' });
    assert.deepEqual([merged.fr, merged['fr-CA'], merged.ko], [{ language: 'fr-FR', voice: 'X' }, { language: 'fr-CA', voice: 'X' }, { language: 'ko', voice: 'Y' }]);
    assert.deepEqual(withVoices(table, { 'fr-CA': 'Z', fr: 'X' })['fr-CA'], { language: 'fr-CA', voice: 'Z' });
  });

  it('sends each attempt the script in the language it speaks', async () => {
    const korean = Object.assign(fakeProvider('korean', new ProviderError('unavailable', 'HTTP 503')), {
      voices: { en: { language: 'en-US', voice: 'E' }, ko: { language: 'ko-KR', voice: 'K' } } as VoiceTable,
    });
    const english = Object.assign(fakeProvider('english'), { voices: { en: { language: 'en-US', voice: 'E' } } as VoiceTable });
    const gw = await startGateway({
      adapters: new Map<string, ProviderAdapter>([['english', english], ['korean', korean]]),
      yaml: 'providers:\n  english: { kind: console }\n  korean: { kind: console }\nrouting:\n  default: [english, korean]',
    });
    try {
      await gw.hook(oktaRequest({ otpCode: '482913', deliveryChannel: 'voice call', locale: 'ko-KR', phoneNumber: '+14155550199' }));
    } finally {
      await gw.close();
    }
    // The Korean speaker was tried first though listed second; when it failed, the other said the English script.
    assert.equal(korean.sent.length, 1);
    assert.equal(korean.sent[0]!.locale, 'ko-KR');
    assert.match(korean.sent[0]!.text, /^인증 코드는 4, 8, 2, 9, 1, 3입니다\./);
    assert.equal(english.sent[0]!.locale, 'en');
    assert.match(english.sent[0]!.text, /^Your verification code is 4, 8, 2, 9, 1, 3\./);
  });
});
