// The gateway's public paths, said once: the hook Okta calls, and where providers send receipts
// and fetch voice documents. Kept apart from the routes so the CLI can name them without loading Fastify.

/** Where Okta's telephony inline hook is pointed. */
export const HOOK_PATH = '/okta/telephony';

/** A provider's status callbacks: `/callbacks/{kind}/{name}[/{token}]`. */
export const CALLBACK_ROUTE = '/callbacks/:provider/:name';
/** A provider's voice documents (Plivo's answer XML): `/voice/{kind}/{name}`. */
export const VOICE_ROUTE = '/voice/:provider/:name';

/** The public URL of one provider's callbacks, or of its voice documents. */
export function providerUrl(publicUrl: string, route: typeof CALLBACK_ROUTE | typeof VOICE_ROUTE, kind: string, name: string): string {
  return publicUrl + route.replace(':provider', encodeURIComponent(kind)).replace(':name', encodeURIComponent(name));
}
