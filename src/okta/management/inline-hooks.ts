// Okta's inline hook objects (the Management API's `InlineHook`) and `/api/v1/inlineHooks`:
// list, read, create, activate, deactivate, delete and execute. Hook objects are read
// defensively: Okta's own examples have typos and lower-case values.
import { TELEPHONY_HOOK_TYPE } from '../hook-request.js';
import { OktaApiError } from './errors.js';
import type { OktaTransport } from './client.js';

export { TELEPHONY_HOOK_TYPE };
export const INLINE_HOOKS_PATH = '/api/v1/inlineHooks';
export const MANAGEMENT_SCOPES = ['okta.inlineHooks.manage', 'okta.inlineHooks.read'] as const;

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

/** ACTIVE, whatever the case Okta wrote it in (inline and event hooks alike). */
export function isActive(hook: { status?: string }): boolean {
  return String(hook.status ?? '').toUpperCase() === 'ACTIVE';
}

export function isTelephonyHook(hook: InlineHook): boolean {
  return hook.type === TELEPHONY_HOOK_TYPE;
}

/** `header x-telephony-key`, `OAuth private_key_jwt (client 0oa…)`: how Okta authenticates to the hook. */
export function describeHookAuth(hook: Pick<InlineHook, 'channel'> & { id?: string }): string {
  const ch = hook.channel;
  const c = ch?.config;
  if (String(ch?.type ?? '').toUpperCase() === 'OAUTH') {
    return `OAuth ${c?.authType ?? '?'}${c?.clientId ? ` (client ${c.clientId})` : ''}`;
  }
  const scheme = c?.authScheme;
  if (scheme && String(scheme.type ?? '').toUpperCase() === 'HEADER') return `header ${scheme.key ?? '?'}`;
  return 'none';
}

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

export interface InlineHooksApi {
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

const NOT_FOUND = 'no inline hook with that id in this org';

function hookPath(id: string): string {
  return `${INLINE_HOOKS_PATH}/${encodeURIComponent(id)}`;
}

export function inlineHooksApi(t: OktaTransport): InlineHooksApi {
  const one = async (method: string, path: string, what: string, answer: string, body?: unknown): Promise<InlineHook> =>
    asHook((await t.call(method, path, { body, what, notFound: NOT_FOUND })).body, answer);
  return {
    async listInlineHooks(type) {
      const { body } = await t.call('GET', `${INLINE_HOOKS_PATH}${type ? `?type=${encodeURIComponent(type)}` : ''}`, { what: 'listing inline hooks' });
      if (!Array.isArray(body)) throw new OktaApiError('Okta\'s answer to listing inline hooks is not a list', { kind: 'response' });
      return body.map((h) => asHook(h, 'listing inline hooks'));
    },
    getInlineHook: (id) => one('GET', hookPath(id), `reading inline hook ${id}`, 'reading a hook'),
    createInlineHook: (body) => one('POST', INLINE_HOOKS_PATH, 'creating the inline hook', 'creating a hook', body),
    activateInlineHook: (id) => one('POST', `${hookPath(id)}/lifecycle/activate`, `activating inline hook ${id}`, 'activating a hook'),
    deactivateInlineHook: (id) => one('POST', `${hookPath(id)}/lifecycle/deactivate`, `deactivating inline hook ${id}`, 'deactivating a hook'),
    async deleteInlineHook(id) {
      await t.call('DELETE', hookPath(id), { what: `deleting inline hook ${id}`, notFound: NOT_FOUND });
    },
    async executeInlineHook(id, body) {
      return (await t.call('POST', `${hookPath(id)}/execute`, { body, what: `executing inline hook ${id}`, notFound: NOT_FOUND })).body;
    },
  };
}
