// Okta Management API client for the telephony inline hook (reference/okta-telephony-hook.md §6):
// list, create, activate, deactivate, delete and execute `/api/v1/inlineHooks`, authenticated
// with an API token (`SSWS`) or an OAuth service app (private_key_jwt client credentials, with
// DPoP when the app requires it). Credentials never appear in an error message.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { TELEPHONY_HOOK_TYPE } from './hook-request.js';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import { VERSION } from '../core/version.js';

export { TELEPHONY_HOOK_TYPE };
export const INLINE_HOOKS_PATH = '/api/v1/inlineHooks';
export const MANAGEMENT_SCOPES = ['okta.inlineHooks.manage', 'okta.inlineHooks.read'] as const;
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const USER_AGENT = `byot-gateway-cli/${VERSION}`;

// ---------------------------------------------------------------------------------------------
// The hook object (§6.4), read defensively: Okta's own examples have typos and lower-case values.

export interface HookHeader { key: string; value?: string }

export interface InlineHookChannelConfig {
  uri?: string;
  method?: string;
  headers?: HookHeader[];
  authScheme?: { type?: string; key?: string; value?: string } | null;
  authType?: string;
  clientId?: string;
  tokenUrl?: string;
  scope?: string;
  hookKeyId?: string;
  clientSecret?: string;
}

export interface InlineHook {
  id: string;
  name?: string;
  status?: 'ACTIVE' | 'INACTIVE' | string;
  type?: string;
  version?: string | null;
  channel?: { type?: string; version?: string; config?: InlineHookChannelConfig };
  created?: string;
  lastUpdated?: string;
  _links?: Record<string, unknown>;
}

/** What `POST /api/v1/inlineHooks` takes (InlineHookCreate). */
export interface InlineHookCreate {
  name: string;
  type: typeof TELEPHONY_HOOK_TYPE;
  version: '1.0.0';
  channel: {
    type: 'HTTP' | 'OAUTH';
    version: '1.0.0';
    config: InlineHookChannelConfig & { uri: string; method: 'POST'; headers: HookHeader[] };
  };
}

function asHook(raw: unknown, what: string): InlineHook {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { id?: unknown }).id !== 'string') {
    throw new OktaApiError(`Okta's answer to ${what} is not an inline hook`, { kind: 'response' });
  }
  return raw as InlineHook;
}

export function isActive(hook: InlineHook): boolean {
  return String(hook.status ?? '').toUpperCase() === 'ACTIVE';
}

export function isTelephonyHook(hook: InlineHook): boolean {
  return hook.type === TELEPHONY_HOOK_TYPE;
}

/** `header x-telephony-key`, `OAuth private_key_jwt (client 0oa…)`: how Okta authenticates to the hook. */
export function describeHookAuth(hook: InlineHook): string {
  const ch = hook.channel;
  const c = ch?.config;
  if (String(ch?.type ?? '').toUpperCase() === 'OAUTH') {
    return `OAuth ${c?.authType ?? '?'}${c?.clientId ? ` (client ${c.clientId})` : ''}`;
  }
  const scheme = c?.authScheme;
  if (scheme && String(scheme.type ?? '').toUpperCase() === 'HEADER') return `header ${scheme.key ?? '?'}`;
  return 'none';
}

// ---------------------------------------------------------------------------------------------
// Registration body and checks.

export type HookAuth =
  | { type: 'header'; header: string; secret: string }
  | { type: 'oauth'; authType: 'private_key_jwt'; clientId: string; tokenUrl: string; scope: string; hookKeyId: string }
  | { type: 'oauth'; authType: 'client_secret_post'; clientId: string; tokenUrl: string; scope: string; clientSecret: string };

export interface HookRegistration {
  name: string;
  uri: string;
  auth: HookAuth;
}

/** Okta's rules for `channel.config.uri` (SPEC InlineHookChannelConfig.uri): https, at most 1024 characters, no whitespace. */
export function hookUriProblems(uri: string): string[] {
  const problems: string[] = [];
  if (/\s/.test(uri)) problems.push('it contains whitespace');
  if (uri.length > 1024) problems.push(`it is ${uri.length} characters long; Okta allows 1024`);
  if (!uri.startsWith('https://')) problems.push('Okta calls hooks over https:// only');
  else {
    try {
      const u = new URL(uri);
      if (!u.hostname) problems.push('it has no host');
      if (u.username || u.password) problems.push('it must not carry a user name or password');
      if (u.hash) problems.push('it must not have a #fragment');
    } catch {
      problems.push('it is not a valid URL');
    }
  }
  return problems;
}

export function telephonyHookBody(reg: HookRegistration): InlineHookCreate {
  const base = { uri: reg.uri, method: 'POST' as const, headers: [] as HookHeader[] };
  if (reg.auth.type === 'header') {
    return {
      name: reg.name,
      type: TELEPHONY_HOOK_TYPE,
      version: '1.0.0',
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: { ...base, authScheme: { type: 'HEADER', key: reg.auth.header, value: reg.auth.secret } },
      },
    };
  }
  const a = reg.auth;
  return {
    name: reg.name,
    type: TELEPHONY_HOOK_TYPE,
    version: '1.0.0',
    channel: {
      type: 'OAUTH',
      version: '1.0.0',
      config: {
        ...base,
        authType: a.authType,
        clientId: a.clientId,
        tokenUrl: a.tokenUrl,
        scope: a.scope,
        ...(a.authType === 'private_key_jwt' ? { hookKeyId: a.hookKeyId } : { clientSecret: a.clientSecret }),
      },
    },
  };
}

/**
 * `acme.okta.com`, `https://acme.okta.com/`, `https://acme-admin.okta.com` → `https://acme.okta.com`.
 * Plain http is accepted only for loopback addresses (local test doubles).
 */
export function normaliseOrgUrl(raw: string): string {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new Error(`"${raw}" is not an Okta org URL (e.g. https://acme.okta.com)`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new Error(`the Okta org URL must be https:// (got ${u.protocol}//)`);
  // The Admin Console's address (acme-admin.okta.com) is not where the API lives; custom domains are left alone.
  u.hostname = u.hostname.replace(/^([^.]+)-admin\.(okta|oktapreview|okta-emea|okta-gov)\.(com|mil)$/, '$1.$2.$3');
  return u.origin;
}

// ---------------------------------------------------------------------------------------------
// Errors.

export interface OktaErrorDetails {
  kind: 'network' | 'api' | 'token' | 'response';
  status?: number;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: string[];
  errorId?: string;
  /** When Okta's rate limit resets (x-rate-limit-reset). */
  rateLimitResetAt?: Date;
  /** What to do about it. */
  hint?: string;
}

/** A failed call to Okta, with Okta's own error fields; its message never contains a credential. */
export class OktaApiError extends GatewayError {
  readonly kind: OktaErrorDetails['kind'];
  readonly status?: number;
  readonly errorCode?: string;
  readonly errorSummary?: string;
  readonly errorCauses: string[];
  readonly errorId?: string;
  readonly rateLimitResetAt?: Date;
  readonly hint?: string;
  constructor(message: string, d: OktaErrorDetails) {
    super(ERROR_CODES.OKTA_API, message);
    this.kind = d.kind;
    this.status = d.status;
    this.errorCode = d.errorCode;
    this.errorSummary = d.errorSummary;
    this.errorCauses = d.errorCauses ?? [];
    this.errorId = d.errorId;
    this.rateLimitResetAt = d.rateLimitResetAt;
    this.hint = d.hint;
  }
}

/** Why a network call failed, in words an operator can act on. */
export function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code ?? (err as { code?: string } | undefined)?.code;
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused (is it running, and on that port?)';
    case 'ENOTFOUND': return 'host not found (check the address)';
    case 'EAI_AGAIN': return 'DNS lookup failed (temporary); try again';
    case 'ECONNRESET': return 'connection reset';
    case 'ETIMEDOUT': return 'timed out';
    case 'CERT_HAS_EXPIRED': return 'its TLS certificate has expired';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': return `its TLS certificate is not trusted (${code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'its TLS certificate does not match the host name';
    default: return cause?.message ?? (err instanceof Error ? err.message : String(err));
  }
}

/** `error="insufficient_scope", error_description="…"` from a WWW-Authenticate header. */
function wwwAuthenticate(header: string | null): { error?: string; description?: string; scope?: string } {
  if (!header) return {};
  const field = (name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];
  return { error: field('error'), description: field('error_description'), scope: field('scope') };
}

function rateLimitReset(res: Response): Date | undefined {
  const reset = Number(res.headers.get('x-rate-limit-reset'));
  return Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Authentication.

export type ManagementAuth =
  | { type: 'ssws'; token: string }
  | {
    type: 'oauth';
    clientId: string;
    /** The service app's private key: PEM (PKCS#8, PKCS#1 or SEC1) or a JWK, as text. */
    privateKey: string;
    /** The key's id as registered on the app (`kid`); a JWK's own `kid` is used when absent. */
    keyId?: string;
    scopes?: readonly string[];
    /** Default `{org}/oauth2/v1/token` (the org authorization server, the only one for Okta's APIs). */
    tokenUrl?: string;
  };

export interface SigningKey {
  key: KeyObject;
  alg: string;
  kid?: string;
}

/** Reads a PEM or JWK private key and picks its JWS algorithm; the key text never reaches a message. */
export function loadSigningKey(text: string, keyId?: string): SigningKey {
  const trimmed = text.trim();
  let key: KeyObject;
  let kid = keyId;
  let alg: string | undefined;
  if (trimmed.startsWith('{')) {
    let jwk: Record<string, unknown>;
    try {
      jwk = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new Error('the private key looks like JSON but is not valid JSON (expected a JWK)');
    }
    // Okta's Admin Console offers the key as {"keys":[…]} too.
    if (Array.isArray(jwk.keys) && jwk.keys.length > 0) jwk = jwk.keys[0] as Record<string, unknown>;
    if (typeof jwk.d !== 'string') throw new Error('the JWK has no private part ("d"): give the private key, not the public one');
    try {
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } catch (err) {
      throw new Error(`the JWK is not a usable private key (${(err as { code?: string }).code ?? 'invalid'})`);
    }
    kid ??= typeof jwk.kid === 'string' ? jwk.kid : undefined;
    alg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  } else if (trimmed.includes('-----BEGIN')) {
    if (/ENCRYPTED/.test(trimmed)) throw new Error('the private key is encrypted; give an unencrypted PEM or a JWK');
    try {
      key = createPrivateKey(trimmed);
    } catch (err) {
      throw new Error(`the PEM is not a usable private key (${(err as { code?: string }).code ?? 'invalid'})`);
    }
  } else {
    throw new Error('the private key is neither PEM (-----BEGIN PRIVATE KEY-----) nor a JWK ({"kty":…})');
  }
  if (!alg) {
    if (key.asymmetricKeyType === 'rsa') alg = 'RS256';
    else if (key.asymmetricKeyType === 'ec') {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      alg = curve === 'prime256v1' ? 'ES256' : curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : undefined;
    }
  }
  if (!alg) throw new Error(`the private key type (${key.asymmetricKeyType ?? 'unknown'}) is not one Okta accepts for private_key_jwt (RSA or EC)`);
  return { key, alg, kid };
}

/** The client assertion of private_key_jwt: iss = sub = client id, aud = the token endpoint, short-lived, unique jti. */
export async function clientAssertion(clientId: string, tokenUrl: string, k: SigningKey, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: k.alg, ...(k.kid ? { kid: k.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .setJti(randomUUID())
    .sign(k.key);
}

/** A DPoP proof (RFC 9449) for one request; `ath` binds it to the access token on API calls. */
export async function dpopProof(key: DpopKey, method: string, url: string, opts: { nonce?: string; accessToken?: string } = {}): Promise<string> {
  const u = new URL(url);
  return new SignJWT({
    htm: method,
    htu: `${u.origin}${u.pathname}`,
    ...(opts.nonce ? { nonce: opts.nonce } : {}),
    ...(opts.accessToken ? { ath: createHash('sha256').update(opts.accessToken).digest('base64url') } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'RS256', jwk: key.publicJwk })
    .setIssuedAt()
    .setJti(randomUUID())
    .sign(key.privateKey);
}

export interface DpopKey { privateKey: KeyObject; publicJwk: Record<string, string> }

function newDpopKey(): DpopKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { kty, n, e } = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  return { privateKey, publicJwk: { kty: kty!, n: n!, e: e! } };
}

interface AccessToken { value: string; type: 'Bearer' | 'DPoP'; expiresAt: number }

// ---------------------------------------------------------------------------------------------
// The client.

export interface OktaClientOptions {
  org: string;
  auth: ManagementAuth;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** A 429 whose reset is at most this far away is waited out and retried once (default 10 s). */
  maxRateLimitWaitMs?: number;
  /** Progress for anything slow (token, rate-limit waits). */
  onProgress?: (message: string) => void;
}

export interface OktaClient {
  readonly org: string;
  listInlineHooks(type?: string): Promise<InlineHook[]>;
  getInlineHook(id: string): Promise<InlineHook>;
  createInlineHook(body: InlineHookCreate): Promise<InlineHook>;
  activateInlineHook(id: string): Promise<InlineHook>;
  deactivateInlineHook(id: string): Promise<InlineHook>;
  /** Okta deletes INACTIVE hooks only. */
  deleteInlineHook(id: string): Promise<void>;
  /** Okta calls the hook with `body` and returns the hook's answer (400 when it does not fit the contract). */
  executeInlineHook(id: string, body: unknown): Promise<unknown>;
}

export function createOktaClient(opts: OktaClientOptions): OktaClient {
  const org = normaliseOrgUrl(opts.org);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxWait = opts.maxRateLimitWaitMs ?? 10_000;
  const progress = opts.onProgress ?? (() => {});
  const auth = opts.auth;
  let token: AccessToken | undefined;
  let dpop: DpopKey | undefined;
  let signingKey: SigningKey | undefined;

  async function fetchOkta(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new OktaApiError(`cannot reach ${new URL(url).origin}: ${describeNetworkError(err)}`, {
        kind: 'network',
        hint: 'check --org (e.g. https://acme.okta.com) and this machine\'s network access to it',
      });
    }
  }

  async function accessToken(): Promise<AccessToken> {
    if (auth.type !== 'oauth') throw new Error('unreachable');
    if (token && token.expiresAt > Date.now() + 30_000) return token;
    signingKey ??= loadSigningKey(auth.privateKey, auth.keyId);
    const tokenUrl = auth.tokenUrl ?? `${org}/oauth2/v1/token`;
    const scopes = (auth.scopes ?? MANAGEMENT_SCOPES).join(' ');
    progress(`byot: requesting an access token for client ${auth.clientId} from ${tokenUrl}…`);
    let nonce: string | undefined;
    // At most: plain, then with DPoP, then with DPoP and the server's nonce.
    for (let round = 0; round < 4; round++) {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        scope: scopes,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await clientAssertion(auth.clientId, tokenUrl, signingKey),
      });
      const headers: Record<string, string> = {
        accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT,
      };
      if (dpop) headers.dpop = await dpopProof(dpop, 'POST', tokenUrl, { nonce });
      const res = await fetchOkta(tokenUrl, { method: 'POST', headers, body: form.toString() });
      const body = await readJson(res);
      if (res.ok && typeof body?.access_token === 'string') {
        const type = String(body.token_type ?? 'Bearer').toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
        const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
        token = { value: body.access_token, type, expiresAt: Date.now() + expiresIn * 1000 };
        return token;
      }
      const error = typeof body?.error === 'string' ? body.error : undefined;
      if (error === 'invalid_dpop_proof' && !dpop) {
        // The app requires DPoP (Okta's default for new API service apps): prove possession of a fresh key.
        dpop = newDpopKey();
        continue;
      }
      if (error === 'use_dpop_nonce' && res.headers.get('dpop-nonce') && nonce === undefined) {
        dpop ??= newDpopKey();
        nonce = res.headers.get('dpop-nonce')!;
        continue;
      }
      throw tokenError(res, body, tokenUrl, auth.clientId);
    }
    throw new OktaApiError(`the token endpoint ${tokenUrl} kept refusing the DPoP proof`, { kind: 'token' });
  }

  async function authHeaders(method: string, url: string): Promise<Record<string, string>> {
    if (auth.type === 'ssws') return { authorization: `SSWS ${auth.token}` };
    const t = await accessToken();
    if (t.type === 'DPoP' && dpop) {
      return { authorization: `DPoP ${t.value}`, dpop: await dpopProof(dpop, method, url, { accessToken: t.value }) };
    }
    return { authorization: `Bearer ${t.value}` };
  }

  async function call(method: string, path: string, body?: unknown, what = `${method} ${path}`): Promise<{ status: number; body: unknown }> {
    const url = `${org}${path}`;
    for (let attempt = 0; ; attempt++) {
      const res = await fetchOkta(url, {
        method,
        headers: {
          accept: 'application/json',
          'user-agent': USER_AGENT,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(await authHeaders(method, url)),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const parsed = res.status === 204 ? undefined : await readJson(res);
      if (res.ok) return { status: res.status, body: parsed };
      const reset = rateLimitReset(res);
      if (res.status === 429 && attempt === 0) {
        const wait = reset ? Math.max(0, reset.getTime() - Date.now()) + 250 : 1_000;
        if (wait <= maxWait) {
          progress(`byot: Okta's rate limit was reached; retrying in ${Math.ceil(wait / 1000)} s…`);
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
      }
      if (res.status === 401 && auth.type === 'oauth' && attempt === 0 && token) {
        // The cached token may have been revoked or expired early: get a new one once.
        token = undefined;
        continue;
      }
      throw apiError(res, parsed, what, path, reset);
    }
  }

  function apiError(res: Response, body: Record<string, unknown> | undefined, what: string, path: string, reset?: Date): OktaApiError {
    const errorCode = typeof body?.errorCode === 'string' ? body.errorCode : undefined;
    const errorSummary = typeof body?.errorSummary === 'string' ? body.errorSummary : undefined;
    const errorId = typeof body?.errorId === 'string' ? body.errorId : undefined;
    const errorCauses = Array.isArray(body?.errorCauses)
      ? body.errorCauses.map((c) => (typeof c === 'object' && c !== null && typeof (c as { errorSummary?: unknown }).errorSummary === 'string' ? (c as { errorSummary: string }).errorSummary : JSON.stringify(c)))
      : [];
    const www = wwwAuthenticate(res.headers.get('www-authenticate'));
    const summary = errorSummary ?? www.description ?? res.statusText;
    let hint: string | undefined;
    switch (res.status) {
      case 401:
        hint = auth.type === 'ssws'
          ? 'the API token is invalid, expired or revoked: create one in the Admin Console (Security › API › Tokens) and pass it with --token or OKTA_API_TOKEN'
          : 'Okta refused the access token: check that the service app is active and its key is the one registered';
        break;
      case 403:
        hint = auth.type === 'ssws'
          ? 'the administrator who created the API token may not manage inline hooks; use a token of a super administrator'
          : `grant the service app the scopes ${MANAGEMENT_SCOPES.join(' and ')} (Okta API Scopes tab) and an administrator role that may manage inline hooks`;
        if (www.error === 'insufficient_scope') hint = `the access token lacks a scope (${www.scope ?? MANAGEMENT_SCOPES.join(' ')}): ${hint}`;
        break;
      case 404:
        hint = /\/inlineHooks\/[^/]+/.test(path) ? 'no inline hook with that id in this org: see `byot okta list`' : 'is --org the address of an Okta org?';
        break;
      case 429:
        hint = reset
          ? `Okta's rate limit for this endpoint resets at ${reset.toISOString()} (in ${Math.max(0, Math.ceil((reset.getTime() - Date.now()) / 1000))} s); try again then`
          : 'Okta\'s rate limit was reached; try again in a minute';
        break;
      default:
        break;
    }
    const code = errorCode ? ` ${errorCode}` : '';
    return new OktaApiError(`${what} failed: Okta answered ${res.status}${code}: ${summary}`, {
      kind: 'api', status: res.status, errorCode, errorSummary, errorCauses, errorId, rateLimitResetAt: reset, hint,
    });
  }

  return {
    org,
    async listInlineHooks(type) {
      const { body } = await call('GET', `${INLINE_HOOKS_PATH}${type ? `?type=${encodeURIComponent(type)}` : ''}`, undefined, 'listing inline hooks');
      if (!Array.isArray(body)) throw new OktaApiError('Okta\'s answer to listing inline hooks is not a list', { kind: 'response' });
      return body.map((h) => asHook(h, 'listing inline hooks'));
    },
    async getInlineHook(id) {
      return asHook((await call('GET', hookPath(id), undefined, `reading inline hook ${id}`)).body, 'reading a hook');
    },
    async createInlineHook(body) {
      return asHook((await call('POST', INLINE_HOOKS_PATH, body, 'creating the inline hook')).body, 'creating a hook');
    },
    async activateInlineHook(id) {
      return asHook((await call('POST', `${hookPath(id)}/lifecycle/activate`, undefined, `activating inline hook ${id}`)).body, 'activating a hook');
    },
    async deactivateInlineHook(id) {
      return asHook((await call('POST', `${hookPath(id)}/lifecycle/deactivate`, undefined, `deactivating inline hook ${id}`)).body, 'deactivating a hook');
    },
    async deleteInlineHook(id) {
      await call('DELETE', hookPath(id), undefined, `deleting inline hook ${id}`);
    },
    async executeInlineHook(id, body) {
      return (await call('POST', `${hookPath(id)}/execute`, body, `executing inline hook ${id}`)).body;
    },
  };
}

function hookPath(id: string): string {
  return `${INLINE_HOOKS_PATH}/${encodeURIComponent(id)}`;
}

async function readJson(res: Response): Promise<Record<string, unknown> | undefined> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as unknown as Record<string, unknown>) : (typeof v === 'object' && v !== null ? v as Record<string, unknown> : undefined);
  } catch {
    return undefined;
  }
}

function tokenError(res: Response, body: Record<string, unknown> | undefined, tokenUrl: string, clientId: string): OktaApiError {
  const error = typeof body?.error === 'string' ? body.error : undefined;
  const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
  // Some Okta failures (an org that does not exist, a blocked IP) answer in the Management API's form.
  const summary = description ?? (typeof body?.errorSummary === 'string' ? body.errorSummary : res.statusText);
  let hint: string | undefined;
  switch (error) {
    case 'invalid_client':
      hint = `check the client id (${clientId}), that the app uses "Public key / Private key" client authentication, and that --private-key (and --key-id, if it has several keys) matches a key registered on it`;
      break;
    case 'invalid_scope':
      hint = `grant the service app the scopes ${MANAGEMENT_SCOPES.join(' and ')} in its Okta API Scopes tab`;
      break;
    case 'unauthorized_client':
      hint = 'enable the Client Credentials grant on the service app';
      break;
    default:
      break;
  }
  return new OktaApiError(`getting an access token from ${tokenUrl} failed: ${res.status}${error ? ` ${error}` : ''}: ${summary}`, {
    kind: 'token', status: res.status, errorCode: error, errorSummary: summary, hint,
  });
}

// ---------------------------------------------------------------------------------------------
// The rules around the telephony hook: one active per org; delete only when inactive.

/** Another telephony hook is ACTIVE and `replace` was not asked for. */
export class ActiveHookConflict extends GatewayError {
  constructor(readonly active: InlineHook[]) {
    super(ERROR_CODES.OKTA_ACTIVE_HOOK, `Okta allows one active telephony inline hook per org, and ${active.map((h) => `"${h.name ?? h.id}" (${h.id})`).join(', ')} ${active.length > 1 ? 'are' : 'is'} active`);
  }
}

export interface RegisterResult {
  hook: InlineHook;
  /** Telephony hooks deactivated to make room (with `replace`). */
  deactivated: InlineHook[];
}

/**
 * Creates the telephony hook. Okta creates hooks ACTIVE and allows one active telephony hook,
 * so: another active one stops everything before anything is created, unless `replace`, which
 * deactivates it first (and reactivates it if the creation then fails). Without `activate`,
 * the new hook is deactivated at once, to be tested with execute and switched on later.
 */
export async function registerTelephonyHook(
  client: OktaClient,
  reg: HookRegistration,
  opts: { activate: boolean; replace: boolean; progress?: (m: string) => void },
): Promise<RegisterResult> {
  const progress = opts.progress ?? (() => {});
  const problems = hookUriProblems(reg.uri);
  if (problems.length > 0) throw new Error(`the hook URL cannot be used: ${problems.join('; ')}`);
  progress(`byot: looking for telephony hooks in ${client.org}…`);
  const existing = await client.listInlineHooks(TELEPHONY_HOOK_TYPE);
  const active = existing.filter((h) => isTelephonyHook(h) && isActive(h));
  if (active.length > 0 && !opts.replace) throw new ActiveHookConflict(active);

  const deactivated: InlineHook[] = [];
  for (const h of active) {
    progress(`byot: deactivating telephony hook "${h.name ?? h.id}" (${h.id})…`);
    deactivated.push(await client.deactivateInlineHook(h.id));
  }
  let hook: InlineHook;
  try {
    progress(`byot: creating telephony hook "${reg.name}" for ${reg.uri}…`);
    hook = await client.createInlineHook(telephonyHookBody(reg));
  } catch (err) {
    // Put the previous hook back, so a failed replacement does not leave the org without one.
    const stranded: string[] = [];
    for (const h of deactivated) {
      try {
        progress(`byot: creation failed; reactivating "${h.name ?? h.id}" (${h.id})…`);
        await client.activateInlineHook(h.id);
      } catch {
        stranded.push(h.id);
      }
    }
    if (stranded.length > 0 && err instanceof OktaApiError) {
      throw new OktaApiError(`${err.message} (and the previous hook ${stranded.join(', ')} stayed inactive)`, {
        ...err, errorCauses: err.errorCauses,
        hint: `${err.hint ? `${err.hint}; ` : ''}reactivate the previous hook with: byot okta activate ${stranded[0]}`,
      });
    }
    throw err;
  }
  if (!opts.activate && isActive(hook)) {
    progress(`byot: deactivating the new hook (use --activate to leave it active)…`);
    hook = await client.deactivateInlineHook(hook.id);
  } else if (opts.activate && !isActive(hook)) {
    hook = await client.activateInlineHook(hook.id);
  }
  return { hook, deactivated };
}

/** Activates a hook; for a telephony hook, another active one must be deactivated first (`replace`). */
export async function activateHook(client: OktaClient, id: string, opts: { replace: boolean; progress?: (m: string) => void }): Promise<RegisterResult> {
  const progress = opts.progress ?? (() => {});
  const target = await client.getInlineHook(id);
  const deactivated: InlineHook[] = [];
  if (isTelephonyHook(target)) {
    const others = (await client.listInlineHooks(TELEPHONY_HOOK_TYPE)).filter((h) => h.id !== target.id && isTelephonyHook(h) && isActive(h));
    if (others.length > 0 && !opts.replace) throw new ActiveHookConflict(others);
    for (const h of others) {
      progress(`byot: deactivating telephony hook "${h.name ?? h.id}" (${h.id})…`);
      deactivated.push(await client.deactivateInlineHook(h.id));
    }
  }
  if (isActive(target)) return { hook: target, deactivated };
  progress(`byot: activating ${id}…`);
  return { hook: await client.activateInlineHook(id), deactivated };
}

/** Deletes a hook, deactivating it first (Okta deletes INACTIVE hooks only). */
export async function deleteHook(client: OktaClient, id: string, progress: (m: string) => void = () => {}): Promise<InlineHook> {
  const hook = await client.getInlineHook(id);
  if (isActive(hook)) {
    progress(`byot: deactivating ${id} before deleting it…`);
    await client.deactivateInlineHook(id);
  }
  progress(`byot: deleting ${id}…`);
  await client.deleteInlineHook(id);
  return hook;
}
