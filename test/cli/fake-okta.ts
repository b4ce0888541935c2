// A loopback stand-in for Okta's Management API as far as the telephony hook needs it (README "Set
// up Okta in one command"): /api/v1/inlineHooks with Okta's JSON shapes and error
// bodies, SSWS and OAuth (private_key_jwt, optionally DPoP-bound) authentication, the
// one-active-telephony-hook rule, and /execute, which calls the hook as Okta does.
import type { ServerResponse } from 'node:http';
import { createHash, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { json, startMock, type MockServer, type RecordedRequest } from '../support/mock-http.js';
import { fixture } from '../support/okta-events.js';

export const TELEPHONY = 'com.okta.telephony.provider';
export const SCOPES = ['okta.inlineHooks.manage', 'okta.inlineHooks.read'];
export const EVENT_SCOPES = ['okta.eventHooks.manage', 'okta.eventHooks.read', 'okta.logs.read'];

/** Okta's catalog says which event types a hook may subscribe to (test/fixtures/okta/event-types.json). */
const ELIGIBLE = new Set<string>(fixture('event-types.json').eventTypes.filter((e: any) => e.tags.includes('event-hook-eligible')).map((e: any) => e.id));

export interface StoredEventHook {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  events: { type: string; items: string[] };
  channel: { type: string; version: string; config: Record<string, any> };
  created: string;
  lastUpdated: string;
}

/** What `GET /api/v1/logs` answers next: its LogEvents, or a failure. */
export type LogsFault = { status: 429; resetInSec: number } | { status: 500 } | { hang: true };

export interface StoredHook {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  type: string;
  version: string;
  channel: { type: string; version: string; config: Record<string, any> };
  created: string;
  lastUpdated: string;
}

export interface ServiceApp {
  clientId: string;
  publicKey: KeyObject;
  /** Scopes granted to the app (default both inline hook scopes). */
  granted?: string[];
  /** Okta's default for new API service apps: tokens only with a DPoP proof, and a nonce. */
  requireDpop?: boolean;
}

interface Issued { scopes: string[]; jkt?: string }

export interface FakeOkta {
  url: string;
  requests: RecordedRequest[];
  hooks: Map<string, StoredHook>;
  /** API tokens Okta accepts, with the scopes they carry (an admin's token: everything). */
  apiTokens: Map<string, string[]>;
  apps: ServiceApp[];
  /** Where /execute sends the hook request (Okta would use the hook's https uri). */
  executeTarget?: string;
  /** The next `count` calls under /api answer 429 with a reset `resetInSec` from now. */
  rateLimit(count: number, resetInSec: number): void;
  /** The assertion jtis seen, to refuse replays. */
  jtis: Set<string>;
  addHook(h: Partial<StoredHook> & { name: string }): StoredHook;
  /** Requests to the Management API only (method and path). */
  calls(): string[];
  eventHooks: Map<string, StoredEventHook>;
  /** Where an event hook's verification GET goes (Okta would use its https uri). */
  verifyTarget?: string;
  /** The System Log: LogEvents in `published` order; /api/v1/logs pages through them. */
  logEvents: Record<string, any>[];
  /** Answers of the next /api/v1/logs calls, before the events are served again. */
  logFaults: LogsFault[];
  close(): Promise<void>;
}

const errorId = (): string => `oae${randomBytes(11).toString('base64url')}`;

/** Okta's error body (E-codes as Okta uses them). */
function oktaError(res: ServerResponse, status: number, errorCode: string, errorSummary: string, causes: string[] = [], headers: Record<string, string> = {}): void {
  json(res, status, { errorCode, errorSummary, errorLink: errorCode, errorId: errorId(), errorCauses: causes.map((c) => ({ errorSummary: c })) }, headers);
}

export async function startFakeOkta(opts: { apiToken?: string; apps?: ServiceApp[] } = {}): Promise<FakeOkta> {
  const hooks = new Map<string, StoredHook>();
  const apps = opts.apps ?? [];
  // An API token carries its administrator's rights: every scope.
  const apiTokens = new Map<string, string[]>(opts.apiToken ? [[opts.apiToken, [...SCOPES, ...EVENT_SCOPES]]] : []);
  const eventHooks = new Map<string, StoredEventHook>();
  const accessTokens = new Map<string, Issued>();
  const nonces = new Set<string>();
  const jtis = new Set<string>();
  let limited = { count: 0, resetInSec: 0 };


  const view = (h: StoredHook): Record<string, any> => {
    const base = `${mock.url}/api/v1/inlineHooks/${h.id}`;
    const config = { ...h.channel.config };
    // Write-only fields are never returned.
    if (config.authScheme) config.authScheme = { type: config.authScheme.type, key: config.authScheme.key };
    delete config.clientSecret;
    if (h.channel.type === 'OAUTH') config.authScheme = null;
    return {
      id: h.id, name: h.name, status: h.status, type: h.type,
      // The spec's telephony example returns version null.
      version: null,
      channel: { type: h.channel.type, version: h.channel.version, config },
      created: h.created, lastUpdated: h.lastUpdated,
      _links: {
        self: { href: base },
        execute: { href: `${base}/execute`, hints: { allow: ['POST'] } },
        [h.status === 'ACTIVE' ? 'deactivate' : 'activate']: { href: `${base}/lifecycle/${h.status === 'ACTIVE' ? 'deactivate' : 'activate'}`, hints: { allow: ['POST'] } },
      },
    };
  };

  const addHook = (h: Partial<StoredHook> & { name: string }): StoredHook => {
    const now = new Date().toISOString();
    const hook: StoredHook = {
      id: `cal${randomBytes(12).toString('hex').slice(0, 17)}`,
      status: 'ACTIVE',
      type: TELEPHONY,
      version: '1.0.0',
      channel: { type: 'HTTP', version: '1.0.0', config: { uri: 'https://old.example.com/okta/telephony', method: 'POST', headers: [], authScheme: { type: 'HEADER', key: 'Authorization', value: 'old-secret-0123456789' } } },
      created: now,
      lastUpdated: now,
      ...h,
    };
    hooks.set(hook.id, hook);
    return hook;
  };

  /** The scopes of the caller, or undefined after answering 401. */
  async function authenticate(req: RecordedRequest, res: ServerResponse, path: string): Promise<string[] | undefined> {
    const authz = String(req.headers.authorization ?? '');
    const sswsMatch = /^SSWS (.+)$/.exec(authz);
    if (sswsMatch && apiTokens.has(sswsMatch[1]!)) return apiTokens.get(sswsMatch[1]!);
    const bearer = /^Bearer (.+)$/.exec(authz);
    if (bearer) {
      const t = accessTokens.get(bearer[1]!);
      if (t && !t.jkt) return t.scopes;
    }
    const dpop = /^DPoP (.+)$/.exec(authz);
    if (dpop) {
      const t = accessTokens.get(dpop[1]!);
      if (t?.jkt) {
        try {
          const proof = String(req.headers.dpop ?? '');
          const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', maxTokenAge: 60 });
          const ath = createHash('sha256').update(dpop[1]!).digest('base64url');
          if (payload.htm === req.method && payload.htu === `${mock.url}${path}` && payload.ath === ath
            && await calculateJwkThumbprint(protectedHeader.jwk as JWK) === t.jkt) return t.scopes;
        } catch { /* falls through to 401 */ }
      }
    }
    oktaError(res, 401, 'E0000011', 'Invalid token provided');
    return undefined;
  }

  async function token(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(req.body);
    const fail = (status: number, error: string, description: string, headers: Record<string, string> = {}) =>
      json(res, status, { error, error_description: description }, headers);
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return fail(400, 'invalid_request', 'Content-Type must be form-urlencoded.');
    if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'The authorization grant type is not supported.');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return fail(401, 'invalid_client', 'client_assertion_type is invalid.');
    const assertion = form.get('client_assertion') ?? '';
    let clientId: string | undefined;
    try {
      clientId = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()).iss;
    } catch { /* below */ }
    const app = apps.find((a) => a.clientId === clientId);
    if (!app) return fail(401, 'invalid_client', 'The client_id is not valid.');
    try {
      const { payload } = await jwtVerify(assertion, app.publicKey, {
        issuer: app.clientId, subject: app.clientId, audience: `${mock.url}/oauth2/v1/token`, requiredClaims: ['exp', 'jti'],
      });
      if (payload.exp! - (payload.iat ?? Math.floor(Date.now() / 1000)) > 3600) return fail(401, 'invalid_client', 'The client_assertion token has an expiration too far into the future.');
      if (jtis.has(payload.jti!)) return fail(401, 'invalid_client', 'The client_assertion token has already been used.');
      jtis.add(payload.jti!);
    } catch {
      return fail(401, 'invalid_client', 'The client_assertion signature is invalid.');
    }
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const granted = app.granted ?? SCOPES;
    const missing = requested.filter((s) => !granted.includes(s));
    if (requested.length === 0 || missing.length > 0) return fail(400, 'invalid_scope', `The following scopes were requested, but not granted: ${missing.join(', ')}`);
    let jkt: string | undefined;
    if (app.requireDpop) {
      const proof = req.headers.dpop;
      if (typeof proof !== 'string') return fail(400, 'invalid_dpop_proof', 'The DPoP proof JWT header is missing.');
      try {
        const header = decodeProtectedHeader(proof);
        const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', maxTokenAge: 60 });
        if (payload.htm !== 'POST' || payload.htu !== `${mock.url}/oauth2/v1/token`) return fail(400, 'invalid_dpop_proof', 'The DPoP proof htm or htu is wrong.');
        if (typeof payload.nonce !== 'string' || !nonces.has(payload.nonce)) {
          const nonce = randomUUID();
          nonces.add(nonce);
          return fail(400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof.', { 'dpop-nonce': nonce });
        }
        jkt = await calculateJwkThumbprint(header.jwk as JWK);
      } catch {
        return fail(400, 'invalid_dpop_proof', 'The DPoP proof JWT is invalid.');
      }
    }
    const accessToken = randomBytes(24).toString('base64url');
    accessTokens.set(accessToken, { scopes: requested, jkt });
    json(res, 200, { token_type: jkt ? 'DPoP' : 'Bearer', expires_in: 3600, access_token: accessToken, scope: requested.join(' ') });
  }

  function validate(body: any): string[] {
    const causes: string[] = [];
    if (typeof body?.name !== 'string' || body.name === '') causes.push('name: The field cannot be left blank');
    if (typeof body?.type !== 'string') causes.push('type: The field cannot be left blank');
    if (body?.version !== '1.0.0') causes.push('version: Invalid version');
    const ch = body?.channel;
    if (!ch || !['HTTP', 'OAUTH'].includes(ch.type)) causes.push('channel.type: must be HTTP or OAUTH');
    const c = ch?.config ?? {};
    if (typeof c.uri !== 'string' || !/^https:\/\/\S+$/.test(c.uri) || c.uri.length > 1024) causes.push('channel.config.uri: Invalid URI. The URI must use HTTPS, have no whitespace and be at most 1024 characters');
    if (c.method !== 'POST') causes.push('channel.config.method: must be POST');
    if (!Array.isArray(c.headers)) causes.push('channel.config.headers: must be an array');
    if (ch?.type === 'HTTP' && (c.authScheme?.type !== 'HEADER' || !c.authScheme.key || !c.authScheme.value)) causes.push('channel.config.authScheme: A telephony inline hook must include authScheme');
    if (ch?.type === 'OAUTH') {
      if (!['private_key_jwt', 'client_secret_post'].includes(c.authType)) causes.push('channel.config.authType: must be private_key_jwt or client_secret_post');
      for (const f of ['clientId', 'tokenUrl', 'scope']) if (typeof c[f] !== 'string') causes.push(`channel.config.${f}: The field cannot be left blank`);
      if (c.authType === 'private_key_jwt' && typeof c.hookKeyId !== 'string') causes.push('channel.config.hookKeyId: The field cannot be left blank');
      if (c.authType === 'client_secret_post' && typeof c.clientSecret !== 'string') causes.push('channel.config.clientSecret: The field cannot be left blank');
    }
    return causes;
  }

  const activeTelephony = (except?: string): StoredHook | undefined =>
    [...hooks.values()].find((h) => h.type === TELEPHONY && h.status === 'ACTIVE' && h.id !== except);

  async function execute(hook: StoredHook, req: RecordedRequest, res: ServerResponse): Promise<void> {
    const c = hook.channel.config;
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    for (const h of c.headers ?? []) headers[h.key] = h.value;
    if (c.authScheme) headers[c.authScheme.key] = c.authScheme.value;
    try {
      const answer = await fetch(fake.executeTarget ?? c.uri, { method: 'POST', headers, body: req.body, signal: AbortSignal.timeout(3_000) });
      const text = await answer.text();
      let body: any;
      try { body = JSON.parse(text); } catch { body = undefined; }
      if (answer.status !== 200 || (!body?.commands && !body?.error)) {
        return oktaError(res, 400, 'E0000001', 'Api validation failed: executeInlineHook',
          [`The inline hook responded with HTTP ${answer.status}${body ? '' : ' and a body that is not JSON'}`]);
      }
      json(res, 200, body);
    } catch {
      oktaError(res, 400, 'E0000001', 'Api validation failed: executeInlineHook', ['The inline hook could not be reached or timed out']);
    }
  }

  const eventHookView = (h: StoredEventHook): Record<string, any> => {
    const base = `${mock.url}/api/v1/eventHooks/${h.id}`;
    const config: Record<string, any> = { ...h.channel.config, method: 'POST' };
    // The secret is write-only.
    if (config.authScheme) config.authScheme = { type: config.authScheme.type, key: config.authScheme.key };
    return {
      id: h.id, status: h.status, verificationStatus: h.verificationStatus, name: h.name, description: null,
      created: h.created, createdBy: '00u7xut94qEWYx5ss1e5', lastUpdated: h.lastUpdated,
      events: { ...h.events, filter: null },
      channel: { type: h.channel.type, version: h.channel.version, config },
      _links: {
        self: { href: base },
        verify: { href: `${base}/lifecycle/verify`, hints: { allow: ['POST'] } },
        [h.status === 'ACTIVE' ? 'deactivate' : 'activate']: { href: `${base}/lifecycle/${h.status === 'ACTIVE' ? 'deactivate' : 'activate'}`, hints: { allow: ['POST'] } },
      },
    };
  };

  async function verifyEventHook(h: StoredEventHook, res: ServerResponse): Promise<void> {
    const c = h.channel.config;
    const challenge = randomBytes(16).toString('base64url');
    const headers: Record<string, string> = { 'x-okta-verification-challenge': challenge };
    for (const x of c.headers ?? []) headers[x.key] = x.value;
    if (c.authScheme) headers[c.authScheme.key] = c.authScheme.value;
    try {
      const answer = await fetch(fake.verifyTarget ?? c.uri, { headers, signal: AbortSignal.timeout(3_000) });
      const body = await answer.json().catch(() => undefined) as { verification?: string } | undefined;
      if (answer.status === 200 && body?.verification === challenge) {
        h.verificationStatus = 'VERIFIED';
        h.lastUpdated = new Date().toISOString();
        return json(res, 200, eventHookView(h));
      }
      return oktaError(res, 400, 'E0000001', 'Api validation failed: verifyEventHook', [`Verification failed: the endpoint answered HTTP ${answer.status}${body?.verification === undefined ? ' without the verification value' : ' with another value'}`]);
    } catch {
      oktaError(res, 400, 'E0000001', 'Api validation failed: verifyEventHook', ['Verification failed: the endpoint could not be reached or timed out']);
    }
  }

  async function eventHooksRoute(req: RecordedRequest, res: ServerResponse, path: string): Promise<void> {
    const m = /^\/api\/v1\/eventHooks(?:\/([^/]+))?(\/lifecycle\/(?:activate|deactivate|verify))?$/.exec(path);
    if (!m) return oktaError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    const [, id, action] = m;
    if (!id) {
      if (req.method === 'GET') return json(res, 200, [...eventHooks.values()].map(eventHookView));
      if (req.method !== 'POST') return oktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      let body: any;
      try { body = JSON.parse(req.body); } catch { return oktaError(res, 400, 'E0000003', 'The request body was not well-formed.'); }
      const causes: string[] = [];
      if (typeof body?.name !== 'string' || body.name === '') causes.push('name: The field cannot be left blank');
      if (body?.events?.type !== 'EVENT_TYPE' || !Array.isArray(body.events.items) || body.events.items.length === 0) causes.push('events: at least one event type is required');
      for (const t of body?.events?.items ?? []) if (!ELIGIBLE.has(t)) causes.push(`events.items: ${t} is not an event hook eligible event type`);
      if (body?.channel?.type !== 'HTTP' || body.channel.version !== '1.0.0') causes.push('channel: type HTTP and version 1.0.0 are required');
      const c = body?.channel?.config ?? {};
      if (typeof c.uri !== 'string' || !/^https:\/\/\S+$/.test(c.uri)) causes.push('channel.config.uri: The URI must use HTTPS');
      if (causes.length > 0) return oktaError(res, 400, 'E0000001', `Api validation failed: ${causes[0]!.split(':')[0]}`, causes);
      const now = new Date().toISOString();
      const hook: StoredEventHook = {
        id: `who${randomBytes(12).toString('hex').slice(0, 17)}`, name: body.name, status: 'ACTIVE', verificationStatus: 'UNVERIFIED',
        events: { type: 'EVENT_TYPE', items: body.events.items }, channel: body.channel, created: now, lastUpdated: now,
      };
      eventHooks.set(hook.id, hook);
      return json(res, 200, eventHookView(hook));
    }
    const hook = eventHooks.get(id);
    if (!hook) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${id} (EventHook)`);
    const touch = (status: StoredEventHook['status']): void => { hook.status = status; hook.lastUpdated = new Date().toISOString(); };
    if (action === '/lifecycle/activate' && req.method === 'POST') { touch('ACTIVE'); return json(res, 200, eventHookView(hook)); }
    if (action === '/lifecycle/deactivate' && req.method === 'POST') { touch('INACTIVE'); return json(res, 200, eventHookView(hook)); }
    if (action === '/lifecycle/verify' && req.method === 'POST') return verifyEventHook(hook, res);
    if (!action && req.method === 'GET') return json(res, 200, eventHookView(hook));
    if (!action && req.method === 'DELETE') {
      if (hook.status === 'ACTIVE') return oktaError(res, 400, 'E0000001', 'Api validation failed: status', ['Only inactive event hooks can be deleted']);
      eventHooks.delete(id);
      res.statusCode = 204;
      return void res.end();
    }
    return oktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method');
  }

  /** `GET /api/v1/logs`: ascending by published, `since`, `filter` (eventType eq "…" or …), `limit`, and `after` paging by the Link header. */
  async function logsRoute(req: RecordedRequest, res: ServerResponse, url: URL): Promise<void> {
    const fault = fake.logFaults.shift();
    if (fault && 'hang' in fault) return new Promise(() => undefined);
    if (fault?.status === 429) {
      return oktaError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.', [], {
        'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + fault.resetInSec),
      });
    }
    if (fault?.status === 500) return oktaError(res, 500, 'E0000009', 'Internal Server Error');
    const types = [...(url.searchParams.get('filter') ?? '').matchAll(/eventType eq "([^"]+)"/g)].map((x) => x[1]);
    const since = Date.parse(url.searchParams.get('since') ?? '1970-01-01T00:00:00Z');
    const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100));
    const after = url.searchParams.get('after');
    const matching = fake.logEvents.filter((e) => Date.parse(e.published) >= since && (types.length === 0 || types.includes(e.eventType)));
    const start = after ? matching.findIndex((e) => e.uuid === after) + 1 : 0;
    const page = matching.slice(start, start + limit);
    // Okta's polling contract: a next link on every page, the last one included, to resume from.
    const last = page.at(-1)?.uuid ?? after;
    const next = new URL(`${mock.url}/api/v1/logs`);
    for (const [k, v] of url.searchParams) if (k !== 'after') next.searchParams.set(k, v);
    if (last) next.searchParams.set('after', last);
    json(res, 200, page, { link: `<${mock.url}${url.pathname}${url.search}>; rel="self", <${next.toString()}>; rel="next"` });
  }

  const mock: MockServer = await startMock(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    if (path === '/oauth2/v1/token' && req.method === 'POST') return token(req, res);
    const area = path.startsWith('/api/v1/inlineHooks') ? 'inlineHooks' : path.startsWith('/api/v1/eventHooks') ? 'eventHooks' : path === '/api/v1/logs' ? 'logs' : undefined;
    if (!area) return oktaError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    if (limited.count > 0) {
      limited.count--;
      const reset = Math.floor(Date.now() / 1000) + limited.resetInSec;
      return oktaError(res, 429, 'E0000047', 'API call exceeded rate limit due to too many requests.', [], {
        'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset),
      });
    }
    const scopes = await authenticate(req, res, path);
    if (!scopes) return;
    const write = req.method !== 'GET';
    const needed = area === 'logs' ? 'okta.logs.read' : `okta.${area}.${write ? 'manage' : 'read'}`;
    if (!scopes.includes(needed)) {
      return oktaError(res, 403, 'E0000006', 'You do not have permission to perform the requested action', [], {
        'www-authenticate': `Bearer authorization_uri="${mock.url}/oauth2/v1/authorize", realm="IdpError", scope="${needed}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${path}"`,
      });
    }
    if (area === 'eventHooks') return eventHooksRoute(req, res, path);
    if (area === 'logs') return logsRoute(req, res, url);
    const m = /^\/api\/v1\/inlineHooks(?:\/([^/]+))?(\/lifecycle\/activate|\/lifecycle\/deactivate|\/execute)?$/.exec(path);
    if (!m) return oktaError(res, 404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    const [, id, action] = m;
    if (!id) {
      if (req.method === 'GET') {
        const type = url.searchParams.get('type');
        return json(res, 200, [...hooks.values()].filter((h) => !type || h.type === type).map(view));
      }
      if (req.method === 'POST') {
        let body: any;
        try { body = JSON.parse(req.body); } catch { return oktaError(res, 400, 'E0000003', 'The request body was not well-formed.'); }
        const causes = validate(body);
        if (causes.length > 0) return oktaError(res, 400, 'E0000001', `Api validation failed: ${causes[0]!.split(':')[0]}`, causes);
        if (body.type === TELEPHONY && activeTelephony()) {
          return oktaError(res, 400, 'E0000001', 'Api validation failed: status', ['Only one active telephony inline hook is allowed per org']);
        }
        const hook = addHook({ name: body.name, type: body.type, version: body.version, channel: body.channel });
        return json(res, 200, view(hook));
      }
      return oktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method');
    }
    const hook = hooks.get(id);
    if (!hook) return oktaError(res, 404, 'E0000007', `Not found: Resource not found: ${id} (InlineHook)`);
    const touch = (status: StoredHook['status']): void => { hook.status = status; hook.lastUpdated = new Date().toISOString(); };
    if (action === '/lifecycle/activate' && req.method === 'POST') {
      if (hook.type === TELEPHONY && activeTelephony(hook.id)) {
        return oktaError(res, 400, 'E0000001', 'Api validation failed: status', ['Only one active telephony inline hook is allowed per org']);
      }
      touch('ACTIVE');
      return json(res, 200, view(hook));
    }
    if (action === '/lifecycle/deactivate' && req.method === 'POST') {
      touch('INACTIVE');
      return json(res, 200, view(hook));
    }
    if (action === '/execute' && req.method === 'POST') return execute(hook, req, res);
    if (!action && req.method === 'GET') return json(res, 200, view(hook));
    if (!action && req.method === 'DELETE') {
      if (hook.status === 'ACTIVE') return oktaError(res, 400, 'E0000001', 'Api validation failed: status', ['Only inactive inline hooks can be deleted']);
      hooks.delete(id);
      res.statusCode = 204;
      return void res.end();
    }
    return oktaError(res, 405, 'E0000022', 'The endpoint does not support the provided HTTP method');
  });

  const fake: FakeOkta = {
    url: mock.url,
    requests: mock.requests,
    hooks,
    apiTokens,
    apps,
    jtis,
    rateLimit(count, resetInSec) { limited = { count, resetInSec }; },
    addHook,
    eventHooks,
    logEvents: [],
    logFaults: [],
    calls: () => mock.requests.filter((r) => r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`),
    close: () => mock.close(),
  };
  return fake;
}
