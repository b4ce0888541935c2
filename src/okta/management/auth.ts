// How the gateway's tools authenticate to Okta's Management API: an API token (`SSWS`), or an
// OAuth service app (private_key_jwt client credentials, with DPoP when the app requires it).
// The key text never reaches a message.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { loadJose } from '../../core/jose.js';
import { listed, OktaApiError, type OktaErrorCode } from './errors.js';

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

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
  const { SignJWT } = await loadJose();
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

export interface DpopKey { privateKey: KeyObject; publicJwk: Record<string, string> }

/** A DPoP proof (RFC 9449) for one request; `ath` binds it to the access token on API calls. */
export async function dpopProof(key: DpopKey, method: string, url: string, opts: { nonce?: string; accessToken?: string } = {}): Promise<string> {
  const u = new URL(url);
  const { SignJWT } = await loadJose();
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

function newDpopKey(): DpopKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { kty, n, e } = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  return { privateKey, publicJwk: { kty: kty!, n: n!, e: e! } };
}

interface AccessToken { value: string; type: 'Bearer' | 'DPoP'; expiresAt: number }

/** The Authorization (and DPoP) headers of one API call, with the OAuth token cached until near its expiry. */
export interface Credentials {
  headers(method: string, url: string): Promise<Record<string, string>>;
  /** True when a cached token was dropped, so a 401 deserves one more try. */
  forget(): boolean;
}

export function createCredentials(
  org: string,
  auth: ManagementAuth,
  scopes: readonly string[],
  deps: { fetch: (url: string, init: RequestInit) => Promise<Response>; progress: (m: string) => void; userAgent: string },
): Credentials {
  let token: AccessToken | undefined;
  let dpop: DpopKey | undefined;
  let signingKey: SigningKey | undefined;

  async function accessToken(a: Extract<ManagementAuth, { type: 'oauth' }>): Promise<AccessToken> {
    if (token && token.expiresAt > Date.now() + 30_000) return token;
    signingKey ??= loadSigningKey(a.privateKey, a.keyId);
    const tokenUrl = a.tokenUrl ?? `${org}/oauth2/v1/token`;
    deps.progress(`byot: requesting an access token for client ${a.clientId} from ${tokenUrl}…`);
    let nonce: string | undefined;
    // At most: plain, then with DPoP, then with DPoP and the server's nonce.
    for (let round = 0; round < 4; round++) {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        scope: scopes.join(' '),
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await clientAssertion(a.clientId, tokenUrl, signingKey),
      });
      const headers: Record<string, string> = {
        accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': deps.userAgent,
      };
      if (dpop) headers.dpop = await dpopProof(dpop, 'POST', tokenUrl, { nonce });
      const res = await deps.fetch(tokenUrl, { method: 'POST', headers, body: form.toString() });
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
      throw tokenError(res, body, tokenUrl, a.clientId, scopes);
    }
    throw new OktaApiError(`the token endpoint ${tokenUrl} kept refusing the DPoP proof`, { kind: 'token', code: 'OKTA_TOKEN_DPOP', auth: 'oauth' });
  }

  return {
    async headers(method, url): Promise<Record<string, string>> {
      if (auth.type === 'ssws') return { authorization: `SSWS ${auth.token}` };
      const t = await accessToken(auth);
      if (t.type === 'DPoP' && dpop) {
        return { authorization: `DPoP ${t.value}`, dpop: await dpopProof(dpop, method, url, { accessToken: t.value }) };
      }
      return { authorization: `Bearer ${t.value}` };
    },
    forget() {
      if (auth.type !== 'oauth' || !token) return false;
      token = undefined;
      return true;
    },
  };
}

export async function readJson(res: Response): Promise<Record<string, unknown> | undefined> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as unknown as Record<string, unknown>) : (typeof v === 'object' && v !== null ? v as Record<string, unknown> : undefined);
  } catch {
    return undefined;
  }
}

function tokenError(res: Response, body: Record<string, unknown> | undefined, tokenUrl: string, clientId: string, scopes: readonly string[]): OktaApiError {
  const error = typeof body?.error === 'string' ? body.error : undefined;
  const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
  // Some Okta failures (an org that does not exist, a blocked IP) answer in the Management API's form.
  const summary = description ?? (typeof body?.errorSummary === 'string' ? body.errorSummary : res.statusText);
  let hint: string | undefined;
  let code: OktaErrorCode = 'OKTA_TOKEN';
  switch (error) {
    case 'invalid_client':
      code = 'OKTA_TOKEN_INVALID_CLIENT';
      hint = `check the client id (${clientId}), that the app uses "Public key / Private key" client authentication, and that the private key (and its key id, if the app has several) matches a key registered on it`;
      break;
    case 'invalid_scope':
      code = 'OKTA_TOKEN_INVALID_SCOPE';
      hint = `grant the service app the scopes ${listed(scopes)} in its Okta API Scopes tab`;
      break;
    case 'unauthorized_client':
      code = 'OKTA_TOKEN_UNAUTHORIZED_CLIENT';
      hint = 'enable the Client Credentials grant on the service app';
      break;
    default:
      break;
  }
  return new OktaApiError(`getting an access token from ${tokenUrl} failed: ${res.status}${error ? ` ${error}` : ''}: ${summary}`, {
    kind: 'token', code, status: res.status, errorCode: error, errorSummary: summary, hint, auth: 'oauth',
  });
}
