// Okta Management API client for the gateway's tools (README "Set up Okta in one command" and
// "Close the loop with Okta"): the modules of this folder — the call and its errors (client.ts,
// errors.ts), authentication (auth.ts: SSWS, or private_key_jwt with DPoP), inline hooks and the
// telephony hook's rules (inline-hooks.ts, telephony-hook.ts), event hooks (event-hooks.ts) and
// the System Log (system-log.ts). Credentials never appear in an error message.
import { createOktaTransport, type OktaClientOptions } from './client.js';
import { eventHooksApi, type EventHooksApi } from './event-hooks.js';
import { inlineHooksApi, MANAGEMENT_SCOPES, type InlineHooksApi } from './inline-hooks.js';
import { systemLogApi, type SystemLogApi } from './system-log.js';

export * from './auth.js';
export * from './errors.js';
export * from './org.js';
export * from './inline-hooks.js';
export * from './telephony-hook.js';
export * from './event-hooks.js';
export * from './system-log.js';
export type { OktaClientOptions } from './client.js';

export interface OktaClient extends InlineHooksApi, EventHooksApi, SystemLogApi {
  readonly org: string;
}

export function createOktaClient(opts: OktaClientOptions): OktaClient {
  const t = createOktaTransport(opts, MANAGEMENT_SCOPES);
  return { org: t.org, ...inlineHooksApi(t), ...eventHooksApi(t), ...systemLogApi(t) };
}
