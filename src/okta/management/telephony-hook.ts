// The rules around the telephony hook: Okta allows one active per org, creates hooks ACTIVE, and
// deletes only inactive ones.
import { GatewayError } from '../../core/errors.js';
import { OktaApiError } from './errors.js';
import {
  hookUriProblems, isActive, isTelephonyHook, telephonyHookBody, TELEPHONY_HOOK_TYPE,
  type HookRegistration, type InlineHook, type InlineHooksApi,
} from './inline-hooks.js';

type Client = InlineHooksApi & { readonly org: string };

/** Another telephony hook is ACTIVE and `replace` was not asked for. */
export class ActiveHookConflict extends GatewayError {
  constructor(readonly active: InlineHook[]) {
    super('OKTA_ACTIVE_HOOK_CONFLICT', `Okta allows one active telephony inline hook per org, and ${active.map((h) => `"${h.name ?? h.id}" (${h.id})`).join(', ')} ${active.length > 1 ? 'are' : 'is'} active`);
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
  client: Client,
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
      throw new OktaApiError(`${err.message} (and the previous hook ${stranded.join(', ')} stayed inactive)`, { ...err.details(), stranded });
    }
    throw err;
  }
  if (!opts.activate && isActive(hook)) {
    progress('byot: deactivating the new hook (Okta creates hooks active)…');
    hook = await client.deactivateInlineHook(hook.id);
  } else if (opts.activate && !isActive(hook)) {
    hook = await client.activateInlineHook(hook.id);
  }
  return { hook, deactivated };
}

/** Activates a hook; for a telephony hook, another active one must be deactivated first (`replace`). */
export async function activateHook(client: Client, id: string, opts: { replace: boolean; progress?: (m: string) => void }): Promise<RegisterResult> {
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
export async function deleteHook(client: Client, id: string, progress: (m: string) => void = () => {}): Promise<InlineHook> {
  const hook = await client.getInlineHook(id);
  if (isActive(hook)) {
    progress(`byot: deactivating ${id} before deleting it…`);
    await client.deactivateInlineHook(id);
  }
  progress(`byot: deleting ${id}…`);
  await client.deleteInlineHook(id);
  return hook;
}
