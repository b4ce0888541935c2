import type { OtpRequest } from '../domain.js';

/** The SMS body: Okta's own text (code already in it) when it sent one. */
export function smsText(req: OtpRequest): string {
  return req.smsText ?? `Your verification code is ${req.otp}.`;
}

/** The code spoken one character at a time, commas giving the speech engine its pauses. */
export function spokenCode(code: string): string {
  return code.split('').join(', ');
}

/** What a voice call says: the code, spoken slowly, twice. */
export function voiceScript(req: OtpRequest): string {
  const code = spokenCode(req.otp);
  return `Your verification code is ${code}. Again, your code is ${code}.`;
}
