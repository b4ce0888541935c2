import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { smsText, voiceScript } from '../../src/delivery/messages.js';
import { smsEncoding } from '../../src/core/sms-encoding.js';

const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'pt-BR', 'nl', 'ja', 'zh', 'ko', 'ru', 'pl', 'sv', 'tr', 'ar', 'hi'];

/** The characters each non-Latin script must actually be written in. */
const SCRIPTS: Record<string, RegExp> = {
  ja: /[\p{Script=Hiragana}\p{Script=Katakana}]/u,
  zh: /\p{Script=Han}/u,
  ko: /\p{Script=Hangul}/u,
  ru: /\p{Script=Cyrillic}/u,
  ar: /\p{Script=Arabic}/u,
  hi: /\p{Script=Devanagari}/u,
};

const PAUSE: Record<string, string> = { ja: '、', zh: '、', ar: '، ' };

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('voiceScript', () => {
  const english = voiceScript('482913', 'en', { repeat: 2 }).text;

  for (const lang of LANGUAGES) {
    it(`speaks the code digit by digit in ${lang}, as often as asked`, () => {
      for (const repeat of [1, 2, 3]) {
        const { text, locale } = voiceScript('482913', lang, { repeat });
        assert.equal(locale, lang);
        const spoken = ['4', '8', '2', '9', '1', '3'].join(PAUSE[lang] ?? ', ');
        assert.equal(occurrences(text, spoken), repeat, text);
        assert.ok(!text.includes('482913'), 'the code must never be read as one number');
        assert.ok(!text.includes('{code}'), text);
      }
      if (lang !== 'en') assert.notEqual(voiceScript('482913', lang, { repeat: 2 }).text, english);
      const script = SCRIPTS[lang];
      if (script) assert.match(voiceScript('482913', lang).text, script);
    });
  }

  it('reads the code twice by default and says goodbye once', () => {
    const { text } = voiceScript('123', 'en');
    assert.equal(text, 'Your verification code is 1, 2, 3. Once again, your code is 1, 2, 3. Goodbye.');
  });

  it('says the code once for a repeat below one rather than never', () => {
    assert.equal(occurrences(voiceScript('123', 'de', { repeat: 0 }).text, '1, 2, 3'), 1);
  });

  it('writes Japanese and Chinese without spaces between sentences', () => {
    assert.equal(voiceScript('12', 'ja', { repeat: 1 }).text, '認証コードは1、2です。失礼いたします。');
    assert.equal(voiceScript('12', 'zh', { repeat: 2 }).text, '您的验证码是1、2。再说一遍，您的验证码是1、2。再见。');
  });

  it('names letters in a code as letters', () => {
    assert.match(voiceScript('a1b', 'en').text, /is A, 1, B\./);
  });

  it('gives pt-BR its own text and other Portuguese the European one', () => {
    const br = voiceScript('12', 'pt-BR');
    const pt = voiceScript('12', 'pt-PT');
    assert.equal(br.locale, 'pt-BR');
    assert.match(br.text, /^Seu código/);
    assert.equal(pt.text, voiceScript('12', 'pt').text);
    assert.equal(pt.locale, 'pt-PT');
  });

  it('falls back from a region to its language, keeping the region for the voice', () => {
    const { text, locale } = voiceScript('12', 'fr-CA');
    assert.equal(text, voiceScript('12', 'fr').text);
    assert.equal(locale, 'fr-CA');
  });

  it('reads Chinese for zh-Hant-TW', () => {
    assert.equal(voiceScript('12', 'zh-Hant-TW').text, voiceScript('12', 'zh').text);
  });

  it('falls back to English, and says so, for a language it does not have', () => {
    for (const tag of ['xx', 'xx-YY', 'constructor']) {
      const { text, locale } = voiceScript('12', tag);
      assert.equal(text, voiceScript('12', 'en').text);
      assert.equal(locale, 'en');
    }
  });
});

describe('smsText', () => {
  const okta = { otp: '482913', smsText: 'Votre code est 482913', locale: 'fr-FR' };

  it("sends Okta's text as it came", () => {
    assert.equal(smsText(okta), 'Votre code est 482913');
    assert.equal(smsText(okta, { de: 'Ihr Code: {{code}}' }), 'Votre code est 482913');
  });

  it("prefers a template for the request's locale or language over Okta's text", () => {
    assert.equal(smsText(okta, { 'fr-FR': 'Code ACME : {{code}}', fr: 'non' }), 'Code ACME : 482913');
    assert.equal(smsText({ ...okta, locale: 'fr-CA' }, { fr: 'Code : {{ code }}. {{code}}' }), 'Code : 482913. 482913');
  });

  it("keeps Okta's text over the English template for another language", () => {
    assert.equal(smsText(okta, { en: 'Code: {{code}}' }), 'Votre code est 482913');
  });

  it('uses the English template, then a default sentence, when Okta sent no text', () => {
    const bare = { otp: '482913', locale: 'xx' };
    assert.equal(smsText(bare, { en: 'ACME code {{code}}' }), 'ACME code 482913');
    assert.equal(smsText(bare), 'Your verification code is 482913.');
    assert.equal(smsText(bare, { constructor: 'no' }), 'Your verification code is 482913.');
  });
});

describe('smsEncoding', () => {
  it('fits 160 GSM-7 characters in one segment, 161 in two', () => {
    assert.deepEqual(smsEncoding('a'.repeat(160)), { encoding: 'GSM-7', units: 160, segments: 1 });
    assert.deepEqual(smsEncoding('a'.repeat(161)), { encoding: 'GSM-7', units: 161, segments: 2 });
  });

  it('fits 153 GSM-7 septets in each part of a multipart message', () => {
    assert.equal(smsEncoding('a'.repeat(306)).segments, 2);
    assert.equal(smsEncoding('a'.repeat(307)).segments, 3);
    assert.equal(smsEncoding('a'.repeat(459)).segments, 3);
  });

  it('counts extension-table characters as two septets', () => {
    assert.deepEqual(smsEncoding('€[]{}'), { encoding: 'GSM-7', units: 10, segments: 1 });
    assert.equal(smsEncoding('^~|\\\f').units, 10);
    assert.deepEqual(smsEncoding(`${'a'.repeat(158)}€`), { encoding: 'GSM-7', units: 160, segments: 1 });
    assert.deepEqual(smsEncoding(`${'a'.repeat(159)}€`), { encoding: 'GSM-7', units: 161, segments: 2 });
  });

  it('never splits an escape pair across parts', () => {
    // 306 septets would be two parts of 153, but the € cannot start at septet 153.
    assert.equal(smsEncoding(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments, 3);
  });

  it('keeps the accented letters and Greek capitals of the basic table in GSM-7', () => {
    const specials = '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n';
    assert.deepEqual(smsEncoding(specials), { encoding: 'GSM-7', units: 44, segments: 1 });
    assert.equal(smsEncoding('Votre code de vérification est 482913').encoding, 'GSM-7');
  });

  it('switches to UCS-2 for one character outside GSM 03.38', () => {
    for (const c of ['ç', '`', 'ё', '€\u200b', 'Ā']) assert.equal(smsEncoding(`code ${c}`).encoding, 'UCS-2', c);
    assert.deepEqual(smsEncoding('Ваш код 4829'), { encoding: 'UCS-2', units: 12, segments: 1 });
  });

  it('counts an emoji as two UTF-16 units', () => {
    assert.deepEqual(smsEncoding('😀'), { encoding: 'UCS-2', units: 2, segments: 1 });
    assert.deepEqual(smsEncoding(`${'ж'.repeat(69)}😀`), { encoding: 'UCS-2', units: 71, segments: 2 });
  });

  it('fits 70 UCS-2 units in one segment, 71 in two, 67 in each part', () => {
    assert.deepEqual(smsEncoding('ж'.repeat(70)), { encoding: 'UCS-2', units: 70, segments: 1 });
    assert.deepEqual(smsEncoding('ж'.repeat(71)), { encoding: 'UCS-2', units: 71, segments: 2 });
    assert.equal(smsEncoding('ж'.repeat(134)).segments, 2);
    assert.equal(smsEncoding('ж'.repeat(135)).segments, 3);
  });

  it('never splits a surrogate pair across parts', () => {
    assert.equal(smsEncoding(`${'ж'.repeat(66)}😀${'ж'.repeat(66)}`).segments, 3);
  });
});
