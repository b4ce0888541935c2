// One call to Okta's Management API: credentials, a timeout, one wait on a near rate-limit reset,
// one retry with a fresh OAuth token, and Okta's error body turned into an OktaApiError.
import { VERSION } from '../../core/version.js';
import { createCredentials, readJson, type ManagementAuth } from './auth.js';
import { describeNetworkError, listed, OktaApiError, type OktaErrorCode } from './errors.js';
import { normaliseOrgUrl } from './org.js';

const USER_AGENT = `byot-gateway-cli/${VERSION}`;

export interface OktaClientOptions {
  org: string;
  auth: ManagementAuth;
  /** What the OAuth token is asked for (default the inline hook scopes); SSWS tokens carry their admin's rights. */
  scopes?: readonly string[];
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** A 429 whose reset is at most this far away is waited out and retried once (default 10 s; 0 never waits). */
  maxRateLimitWaitMs?: number;
  /** Progress for anything slow (token, rate-limit waits). */
  onProgress?: (message: string) => void;
}

export interface CallOptions {
  body?: unknown;
  /** The call in words, for messages: `listing inline hooks`. */
  what?: string;
  /** The hint of a 404: what was not found. */
  notFound?: string;
}

export interface OktaResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface OktaTransport {
  readonly org: string;
  call(method: string, path: string, opts?: CallOptions): Promise<OktaResponse>;
}

/** `error="insufficient_scope", error_description="…"` from a WWW-Authenticate header. */
function wwwAuthenticate(header: string | null): { error?: string; description?: string; scope?: string } {
  if (!header) return {};
  const field = (name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];
  return { error: field('error'), description: field('error_description'), scope: field('scope') };
}

export function rateLimitReset(res: { headers: Headers }): Date | undefined {
  const reset = Number(res.headers.get('x-rate-limit-reset'));
  return Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
}

export function createOktaTransport(opts: OktaClientOptions, defaultScopes: readonly string[]): OktaTransport {
  const org = normaliseOrgUrl(opts.org);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxWait = opts.maxRateLimitWaitMs ?? 10_000;
  const progress = opts.onProgress ?? (() => {});
  const auth = opts.auth;
  const scopes = (auth.type === 'oauth' ? auth.scopes : undefined) ?? opts.scopes ?? defaultScopes;

  async function fetchOkta(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new OktaApiError(`cannot reach ${new URL(url).origin}: ${describeNetworkError(err)}`, {
        kind: 'network', hint: 'check the org\'s address and this machine\'s network access to it', auth: auth.type,
      });
    }
  }
  const credentials = createCredentials(org, auth, scopes, { fetch: fetchOkta, progress, userAgent: USER_AGENT });

  function apiError(res: Response, body: Record<string, unknown> | undefined, what: string, notFound: string | undefined, reset?: Date): OktaApiError {
    const errorCode = typeof body?.errorCode === 'string' ? body.errorCode : undefined;
    const errorSummary = typeof body?.errorSummary === 'string' ? body.errorSummary : undefined;
    const errorId = typeof body?.errorId === 'string' ? body.errorId : undefined;
    const errorCauses = Array.isArray(body?.errorCauses)
      ? body.errorCauses.map((c) => (typeof c === 'object' && c !== null && typeof (c as { errorSummary?: unknown }).errorSummary === 'string' ? (c as { errorSummary: string }).errorSummary : JSON.stringify(c)))
      : [];
    const www = wwwAuthenticate(res.headers.get('www-authenticate'));
    const summary = errorSummary ?? www.description ?? res.statusText;
    let hint: string | undefined;
    let code: OktaErrorCode = res.status === 400 ? 'OKTA_INVALID' : 'OKTA_API';
    switch (res.status) {
      case 401:
        code = 'OKTA_UNAUTHORIZED';
        hint = auth.type === 'ssws'
          ? 'the API token is invalid, expired or revoked: create one in the Admin Console (Security › API › Tokens)'
          : 'Okta refused the access token: check that the service app is active and its key is the one registered';
        break;
      case 403:
        code = 'OKTA_FORBIDDEN';
        hint = auth.type === 'ssws'
          ? 'the administrator who created the API token may not do this; use a token of a super administrator'
          : `grant the service app the scopes ${listed(scopes)} (Okta API Scopes tab) and an administrator role that may do this`;
        if (www.error === 'insufficient_scope') hint = `the access token lacks a scope (${www.scope ?? scopes.join(' ')}): ${hint}`;
        break;
      case 404:
        code = 'OKTA_NOT_FOUND';
        hint = notFound ?? 'is this the address of an Okta org?';
        break;
      case 429:
        code = 'OKTA_RATE_LIMITED';
        hint = reset
          ? `Okta's rate limit for this endpoint resets at ${reset.toISOString()} (in ${Math.max(0, Math.ceil((reset.getTime() - Date.now()) / 1000))} s); try again then`
          : 'Okta\'s rate limit was reached; try again in a minute';
        break;
      default:
        break;
    }
    const okta = errorCode ? ` ${errorCode}` : '';
    return new OktaApiError(`${what} failed: Okta answered ${res.status}${okta}: ${summary}`, {
      kind: 'api', code, status: res.status, errorCode, errorSummary, errorCauses, errorId, rateLimitResetAt: reset, hint, auth: auth.type,
    });
  }

  return {
    org,
    async call(method, path, o = {}) {
      const url = `${org}${path}`;
      const what = o.what ?? `${method} ${path}`;
      for (let attempt = 0; ; attempt++) {
        const res = await fetchOkta(url, {
          method,
          headers: {
            accept: 'application/json',
            'user-agent': USER_AGENT,
            ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(await credentials.headers(method, url)),
          },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
        });
        const parsed = res.status === 204 ? undefined : await readJson(res);
        if (res.ok) return { status: res.status, body: parsed, headers: res.headers };
        const reset = rateLimitReset(res);
        if (res.status === 429 && attempt === 0 && maxWait > 0) {
          const wait = reset ? Math.max(0, reset.getTime() - Date.now()) + 250 : 1_000;
          if (wait <= maxWait) {
            progress(`byot: Okta's rate limit was reached; retrying in ${Math.ceil(wait / 1000)} s…`);
            await new Promise((r) => setTimeout(r, wait));
            continue;
          }
        }
        // The cached token may have been revoked or expired early: get a new one once.
        if (res.status === 401 && attempt === 0 && credentials.forget()) continue;
        throw apiError(res, parsed, what, o.notFound, reset);
      }
    },
  };
}
