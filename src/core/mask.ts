import { createHmac } from 'node:crypto';

/** `+447700900123` → `+4477*****123`: enough to recognise a number, not to dial it. */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  if (digits.length <= 6) return '+' + '*'.repeat(digits.length);
  const head = digits.length >= 10 ? 4 : 2;
  return '+' + digits.slice(0, head) + '*'.repeat(digits.length - head - 3) + digits.slice(-3);
}

/** `jane.doe@example.com` → `j***@example.com`. */
export function maskLogin(login: string): string {
  const at = login.lastIndexOf('@');
  const local = at >= 0 ? login.slice(0, at) : login;
  const domain = at >= 0 ? login.slice(at) : '';
  return (local.slice(0, 1) || '*') + '***' + domain;
}

/** Every digit replaced, so a text that carries a passcode can be printed. */
export function maskDigits(text: string): string {
  return text.replace(/\d/g, '*');
}

/** Keyed hash of a number: lets the log be searched by phone without storing it. */
export function phoneHash(e164: string, key: string): string {
  return createHmac('sha256', key).update(e164).digest('base64url');
}
