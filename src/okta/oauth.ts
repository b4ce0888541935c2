// OAuth authentication of Okta's call: a bearer JWT from an Okta custom authorization server,
// checked against its key set (jwks.ts). Loaded by auth.ts only when OAuth is configured.
import { errors as joseErrors, jwtVerify } from 'jose';
import type { OAuthConfig } from './auth-schema.js';
import type { Authenticator } from './auth.js';
import { keySet } from './jwks.js';

export function oauthAuthenticator(config: OAuthConfig): Authenticator {
  const jwksUrl = new URL(config.jwksUrl ?? `${config.issuer.replace(/\/$/, '')}/v1/keys`);
  const keys = keySet({ url: jwksUrl, cooldownMs: config.jwksCooldownMs, timeoutMs: config.jwksTimeoutMs, graceMs: config.jwksGraceMs });
  return {
    async verify(headers) {
      const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(headers.authorization ?? '');
      if (!m?.[1]) return { ok: false, reason: 'missing bearer token' };
      try {
        const { payload } = await jwtVerify(m[1], keys.getKey, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: ['RS256'],
          clockTolerance: config.clockToleranceSec,
          requiredClaims: ['exp'],
        });
        const lifetime = lifetimeProblem(payload.iat, payload.exp!, config);
        if (lifetime) return { ok: false, reason: lifetime };
        if (config.clientId !== undefined && payload.cid !== config.clientId) return { ok: false, reason: 'token cid is not the hook client' };
        if (config.scope !== undefined) {
          const scp = Array.isArray(payload.scp) ? payload.scp : typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
          if (!scp.includes(config.scope)) return { ok: false, reason: 'token lacks the hook scope' };
        }
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: tokenRejection(err) };
      }
    },
    async warm() {
      await keys.reload();
    },
  };
}

/**
 * A token issued in the future, or valid for longer than `maxTokenLifetimeSec` (from `iat`, or from
 * now when there is none): a forged or mis-issued token, not one of Okta's.
 */
function lifetimeProblem(iat: number | undefined, exp: number, config: OAuthConfig): string | undefined {
  const now = Math.floor(Date.now() / 1000);
  if (iat !== undefined && iat > now + config.clockToleranceSec) return 'token claim iat rejected (issued in the future)';
  if (exp - (iat ?? now) > config.maxTokenLifetimeSec + (iat === undefined ? config.clockToleranceSec : 0)) {
    return `token lifetime over ${config.maxTokenLifetimeSec} s`;
  }
  return undefined;
}

function tokenRejection(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `token claim ${err.claim} rejected (${err.reason})`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'token signed by an unknown key';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (err instanceof joseErrors.JWKSTimeout) return 'key set fetch timed out';
  if (err instanceof joseErrors.JOSEError) return `token rejected (${err.code})`;
  return 'key set unavailable';
}
