// What to type about a failed Okta call: the CLI's own words (flags, commands) added to the
// Management API client's hint, which speaks only of Okta (src/okta/management/errors.ts).
import type { OktaApiError } from '../okta/management/index.js';

/** The hint for the operator at the terminal, with the flags and commands that fix it. */
export function cliHint(err: OktaApiError, list = 'byot okta list'): string | undefined {
  const join = (...parts: (string | undefined)[]): string | undefined => parts.filter(Boolean).join('; ') || undefined;
  let hint: string | undefined;
  switch (err.code) {
    case 'OKTA_NETWORK':
      hint = 'check --org (e.g. https://acme.okta.com) and this machine\'s network access to it';
      break;
    case 'OKTA_UNAUTHORIZED':
      hint = err.auth === 'ssws' ? join(err.hint, 'pass it with --token or OKTA_API_TOKEN') : err.hint;
      break;
    case 'OKTA_TOKEN_INVALID_CLIENT':
      hint = join(err.hint, '--client-id, --private-key and --key-id say which');
      break;
    case 'OKTA_NOT_FOUND':
      hint = err.hint?.startsWith('no ') ? `${err.hint}: see \`${list}\`` : 'is --org the address of an Okta org?';
      break;
    default:
      hint = err.hint;
  }
  return err.stranded.length > 0 ? join(hint, `reactivate the previous hook with: byot okta activate ${err.stranded[0]}`) : hint;
}
