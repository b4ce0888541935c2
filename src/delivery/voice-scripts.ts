// What a voice call says, per language. Keys are BCP 47 tags as normaliseLocale writes them;
// a bare language serves all its regions unless a region has its own entry (pt-BR).

/** One language's sentences. `{code}` marks where the spoken code goes, so word order stays the language's own. */
interface VoiceLines {
  first: string;
  again: string;
  goodbye: string;
  /** Between the code's characters; a comma makes speech engines pause. Default `, `. */
  pause?: string;
  /** Between sentences; empty for scripts written without spaces. Default ` `. */
  space?: string;
}

/** `en` is always there: it is where every unknown language ends up. */
export const VOICE_LINES: Readonly<Record<string, VoiceLines> & { en: VoiceLines }> = {
  en: { first: 'Your verification code is {code}.', again: 'Once again, your code is {code}.', goodbye: 'Goodbye.' },
  es: { first: 'Su código de verificación es {code}.', again: 'Repito, su código es {code}.', goodbye: 'Adiós.' },
  fr: { first: 'Votre code de vérification est {code}.', again: 'Je répète, votre code est {code}.', goodbye: 'Au revoir.' },
  // "Auf Wiederhören" is the goodbye of a telephone call.
  de: { first: 'Ihr Bestätigungscode lautet {code}.', again: 'Noch einmal, Ihr Code lautet {code}.', goodbye: 'Auf Wiederhören.' },
  it: { first: 'Il suo codice di verifica è {code}.', again: 'Ripeto, il suo codice è {code}.', goodbye: 'Arrivederci.' },
  // European Portuguese; Brazil says "seu" without the article.
  pt: { first: 'O seu código de verificação é {code}.', again: 'Repito, o seu código é {code}.', goodbye: 'Adeus.' },
  'pt-BR': { first: 'Seu código de verificação é {code}.', again: 'Repetindo, seu código é {code}.', goodbye: 'Até logo.' },
  nl: { first: 'Uw verificatiecode is {code}.', again: 'Nogmaals, uw code is {code}.', goodbye: 'Tot ziens.' },
  ja: {
    first: '認証コードは{code}です。',
    again: 'もう一度申し上げます。認証コードは{code}です。',
    goodbye: '失礼いたします。',
    pause: '、',
    space: '',
  },
  zh: { first: '您的验证码是{code}。', again: '再说一遍，您的验证码是{code}。', goodbye: '再见。', pause: '、', space: '' },
  ko: { first: '인증 코드는 {code}입니다.', again: '다시 한 번 말씀드립니다. 인증 코드는 {code}입니다.', goodbye: '감사합니다.' },
  ru: { first: 'Ваш код подтверждения: {code}.', again: 'Повторяю, ваш код: {code}.', goodbye: 'До свидания.' },
  pl: { first: 'Twój kod weryfikacyjny to {code}.', again: 'Powtarzam, twój kod to {code}.', goodbye: 'Do widzenia.' },
  sv: { first: 'Din verifieringskod är {code}.', again: 'Jag upprepar, din kod är {code}.', goodbye: 'Hej då.' },
  tr: { first: 'Doğrulama kodunuz: {code}.', again: 'Tekrar ediyorum, kodunuz: {code}.', goodbye: 'İyi günler.' },
  ar: { first: 'رمز التحقق الخاص بك هو {code}.', again: 'أكرر، رمز التحقق هو {code}.', goodbye: 'مع السلامة.', pause: '، ' },
  hi: { first: 'आपका सत्यापन कोड {code} है।', again: 'फिर से, आपका कोड {code} है।', goodbye: 'धन्यवाद।' },
};
