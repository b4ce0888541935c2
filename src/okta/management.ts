// Okta Management API client for the gateway's tools (README "Set up Okta in one command" and
// "Close the loop with Okta"): the modules under management/ — the call and its errors (client.ts,
// errors.ts), authentication (auth.ts: SSWS, or private_key_jwt with DPoP), inline hooks and the
// telephony hook's rules (inline-hooks.ts, telephony-hook.ts), event hooks (event-hooks.ts) and
// the System Log (system-log.ts). Credentials never appear in an error message.
import { createOktaTransport, type OktaClientOptions } from './management/client.js';
import { eventHooksApi, type EventHooksApi } from './management/event-hooks.js';
import { inlineHooksApi, MANAGEMENT_SCOPES, type InlineHooksApi } from './management/inline-hooks.js';
import { systemLogApi, type SystemLogApi } from './management/system-log.js';

export * from './management/auth.js';
export * from './management/errors.js';
export * from './management/org.js';
export * from './management/inline-hooks.js';
export * from './management/telephony-hook.js';
export * from './management/event-hooks.js';
export * from './management/system-log.js';
export type { OktaClientOptions } from './management/client.js';

export interface OktaClient extends InlineHooksApi, EventHooksApi, SystemLogApi {
  readonly org: string;
}

export function createOktaClient(opts: OktaClientOptions): OktaClient {
  const t = createOktaTransport(opts, MANAGEMENT_SCOPES);
  return { org: t.org, ...inlineHooksApi(t), ...eventHooksApi(t), ...systemLogApi(t) };
}
