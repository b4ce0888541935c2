// Okta's event hook objects and `/api/v1/eventHooks` (test/fixtures/okta/event-hook-api.json): list,
// read, create, activate, deactivate, verify and delete, and the registration of the gateway's
// hook with exactly the event types it joins (src/okta/events/event-types.ts).
import { EVENT_HOOK_TYPES } from '../events/event-types.js';
import { OktaApiError } from './errors.js';
import { hookUriProblems, isActive, type HookHeader } from './inline-hooks.js';
import type { OktaTransport } from './client.js';

export const EVENT_HOOKS_PATH = '/api/v1/eventHooks';
export const EVENT_HOOK_SCOPES = ['okta.eventHooks.manage', 'okta.eventHooks.read'] as const;

export interface EventHook {
  id: string;
  name?: string;
  status?: 'ACTIVE' | 'INACTIVE' | string;
  verificationStatus?: 'VERIFIED' | 'UNVERIFIED' | string;
  description?: string | null;
  events?: { type?: string; items?: string[]; filter?: unknown };
  channel?: { type?: string; version?: string; config?: { uri?: string; method?: string; headers?: HookHeader[]; authScheme?: { type?: string; key?: string } | null } };
  created?: string;
  lastUpdated?: string;
  createdBy?: string;
  _links?: Record<string, unknown>;
}

/** What `POST /api/v1/eventHooks` takes (the spec's CreateAnEventHook example). */
export interface EventHookCreate {
  name: string;
  events: { type: 'EVENT_TYPE'; items: string[] };
  channel: {
    type: 'HTTP';
    version: '1.0.0';
    config: { uri: string; headers: HookHeader[]; authScheme: { type: 'HEADER'; key: string; value: string } };
  };
}

export interface EventHookRegistration {
  name: string;
  uri: string;
  /** The header Okta puts the secret in (default Authorization). */
  header: string;
  secret: string;
}

export function eventHookBody(reg: EventHookRegistration): EventHookCreate {
  return {
    name: reg.name,
    events: { type: 'EVENT_TYPE', items: [...EVENT_HOOK_TYPES] },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: { uri: reg.uri, headers: [], authScheme: { type: 'HEADER', key: reg.header, value: reg.secret } },
    },
  };
}

export function isVerified(hook: EventHook): boolean {
  return String(hook.verificationStatus ?? '').toUpperCase() === 'VERIFIED';
}

function asEventHook(raw: unknown, what: string): EventHook {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { id?: unknown }).id !== 'string') {
    throw new OktaApiError(`Okta's answer to ${what} is not an event hook`, { kind: 'response' });
  }
  return raw as EventHook;
}

export interface EventHooksApi {
  listEventHooks(): Promise<EventHook[]>;
  getEventHook(id: string): Promise<EventHook>;
  createEventHook(body: EventHookCreate): Promise<EventHook>;
  activateEventHook(id: string): Promise<EventHook>;
  deactivateEventHook(id: string): Promise<EventHook>;
  /** Okta sends the one-time verification GET to the hook and answers 400 when it fails. */
  verifyEventHook(id: string): Promise<EventHook>;
  /** Okta deletes INACTIVE hooks only. */
  deleteEventHook(id: string): Promise<void>;
}

const NOT_FOUND = 'no event hook with that id in this org';
const hookPath = (id: string): string => `${EVENT_HOOKS_PATH}/${encodeURIComponent(id)}`;

export function eventHooksApi(t: OktaTransport): EventHooksApi {
  const one = async (method: string, path: string, what: string, body?: unknown): Promise<EventHook> =>
    asEventHook((await t.call(method, path, { body, what, notFound: NOT_FOUND })).body, what);
  return {
    async listEventHooks() {
      const { body } = await t.call('GET', EVENT_HOOKS_PATH, { what: 'listing event hooks' });
      if (!Array.isArray(body)) throw new OktaApiError('Okta\'s answer to listing event hooks is not a list', { kind: 'response' });
      return body.map((h) => asEventHook(h, 'listing event hooks'));
    },
    getEventHook: (id) => one('GET', hookPath(id), `reading event hook ${id}`),
    createEventHook: (body) => one('POST', EVENT_HOOKS_PATH, 'creating the event hook', body),
    activateEventHook: (id) => one('POST', `${hookPath(id)}/lifecycle/activate`, `activating event hook ${id}`),
    deactivateEventHook: (id) => one('POST', `${hookPath(id)}/lifecycle/deactivate`, `deactivating event hook ${id}`),
    verifyEventHook: (id) => one('POST', `${hookPath(id)}/lifecycle/verify`, `verifying event hook ${id}`),
    async deleteEventHook(id) {
      await t.call('DELETE', hookPath(id), { what: `deleting event hook ${id}`, notFound: NOT_FOUND });
    },
  };
}

export interface EventHookRegisterResult {
  hook: EventHook;
  /** Set when Okta's verification call failed: the hook exists, unverified, and receives nothing. */
  verifyError?: OktaApiError;
}

type Client = EventHooksApi & { readonly org: string };

/**
 * Creates the event hook (Okta creates it ACTIVE and UNVERIFIED), has Okta verify it (the gateway
 * must be reachable at `uri` and configured with the same secret), then leaves it active only
 * with `activate`. A failed verification is returned, not thrown: the hook exists and can be
 * verified again once the gateway answers.
 */
export async function registerEventHook(
  client: Client,
  reg: EventHookRegistration,
  opts: { activate: boolean; progress?: (m: string) => void },
): Promise<EventHookRegisterResult> {
  const progress = opts.progress ?? (() => {});
  const problems = hookUriProblems(reg.uri);
  if (problems.length > 0) throw new Error(`the event hook URL cannot be used: ${problems.join('; ')}`);
  progress(`byot: creating event hook "${reg.name}" for ${reg.uri} (${EVENT_HOOK_TYPES.length} event types)…`);
  let hook = await client.createEventHook(eventHookBody(reg));
  let verifyError: OktaApiError | undefined;
  if (!isActive(hook)) hook = await client.activateEventHook(hook.id);
  try {
    progress(`byot: asking Okta to verify ${hook.id} (Okta calls the gateway once)…`);
    hook = await client.verifyEventHook(hook.id);
  } catch (err) {
    if (!(err instanceof OktaApiError)) throw err;
    verifyError = err;
  }
  if (!opts.activate && isActive(hook)) {
    progress('byot: deactivating the new event hook (Okta creates hooks active)…');
    hook = await client.deactivateEventHook(hook.id);
  }
  return { hook, ...(verifyError ? { verifyError } : {}) };
}

/** Deletes an event hook, deactivating it first (Okta deletes INACTIVE hooks only). */
export async function deleteEventHook(client: Client, id: string, progress: (m: string) => void = () => {}): Promise<EventHook> {
  const hook = await client.getEventHook(id);
  if (isActive(hook)) {
    progress(`byot: deactivating ${id} before deleting it…`);
    await client.deactivateEventHook(id);
  }
  progress(`byot: deleting ${id}…`);
  await client.deleteEventHook(id);
  return hook;
}
