// Authenticates Okta's call before its body is read: the HEADER scheme (a shared secret in a
// configured header) or OAuth (a bearer JWT from an Okta custom authorization server).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig, HeaderAuthConfig, OAuthConfig } from './auth-schema.js';

/** `reason` is for the log: it never contains what the caller presented. */
export type AuthResult = { ok: true } | { ok: false; reason: string };

export interface Authenticator {
  verify(headers: IncomingHttpHeaders): Promise<AuthResult>;
  /** Fetch what verification needs ahead of the first call (the OAuth key set). */
  warm(): Promise<void>;
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  return config.type === 'header' ? headerAuthenticator(config) : oauthAuthenticator(config);
}

const digest = (v: string): Buffer => createHash('sha256').update(v).digest();

function headerAuthenticator(config: HeaderAuthConfig): Authenticator {
  const name = config.header.toLowerCase();
  // Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
  const expected = config.secrets.map(digest);
  return {
    async verify(headers) {
      const presented = headers[name];
      if (presented === undefined || presented === '') return { ok: false, reason: `missing ${config.header} header` };
      if (typeof presented !== 'string') return { ok: false, reason: `repeated ${config.header} header` };
      const got = digest(presented);
      let match = false;
      for (const e of expected) match = timingSafeEqual(got, e) || match;
      return match ? { ok: true } : { ok: false, reason: `wrong ${config.header} value` };
    },
    async warm() {},
  };
}

/**
 * OAuth's verifier (oauth.ts, with jose and the key set) is loaded when OAuth is configured, at once
 * in the background: header authentication, the default, never loads a JWT library.
 */
function oauthAuthenticator(config: OAuthConfig): Authenticator {
  const loading = import('./oauth.js').then((m) => m.oauthAuthenticator(config));
  loading.catch(() => undefined); // a failure to load shows in verify() and warm()
  return {
    async verify(headers) {
      return (await loading).verify(headers);
    },
    async warm() {
      await (await loading).warm();
    },
  };
}
