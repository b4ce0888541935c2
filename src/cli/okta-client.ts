// The pieces every `byot okta …` subcommand shares: the org and credential options, the client
// built from them, and the way Okta's failures are printed (exit 1 with Okta's own words).
import { readFile } from 'node:fs/promises';
import {
  ActiveHookConflict, createOktaClient, normaliseOrgUrl, OktaApiError, type ManagementAuth, type OktaClient,
} from '../okta/management/index.js';
import { CommandError, intOption, UsageError, type Output } from './common.js';
import { cliHint } from './okta-errors.js';

export const AUTH_HELP = `Okta org and credentials (every subcommand):
  --org URL            the Okta org, e.g. https://acme.okta.com (default $OKTA_ORG_URL)
  --token TOKEN        an API token, sent as "Authorization: SSWS …" (default $OKTA_API_TOKEN)
  --client-id ID       or an OAuth service app's client id (default $OKTA_CLIENT_ID) …
  --private-key FILE   … and its private key, PEM or JWK (default $OKTA_PRIVATE_KEY, the key itself);
                       the app needs the scopes okta.inlineHooks.manage and okta.inlineHooks.read
  --key-id KID         the key's id on the app, when it has several (default the JWK's kid)
  --timeout SECONDS    per call to Okta (default 30)
  --json               print Okta's objects as JSON
  --quiet              no progress lines on stderr`;

export const COMMON_OPTIONS = {
  org: { type: 'string' },
  token: { type: 'string' },
  'client-id': { type: 'string' },
  'private-key': { type: 'string' },
  'key-id': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

export interface Common {
  org?: string;
  token?: string;
  'client-id'?: string;
  'private-key'?: string;
  'key-id'?: string;
  timeout?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The client from --org and the credentials; every credential is registered with the output's redaction. */
export async function clientFrom(v: Common, env: NodeJS.ProcessEnv, o: Output, usage: string, scopes?: readonly string[]): Promise<OktaClient> {
  const orgRaw = v.org ?? (env.OKTA_ORG_URL || undefined);
  if (!orgRaw) throw new UsageError('--org is required (or set OKTA_ORG_URL), e.g. --org https://acme.okta.com', usage);
  let org: string;
  try {
    org = normaliseOrgUrl(orgRaw);
  } catch (err) {
    throw new UsageError(`--org: ${(err as Error).message}`, usage);
  }
  if (v.token !== undefined && (v['client-id'] !== undefined || v['private-key'] !== undefined)) {
    throw new UsageError('give either --token or --client-id with --private-key, not both', usage);
  }
  let auth: ManagementAuth;
  const clientId = v['client-id'] ?? (v.token === undefined ? env.OKTA_CLIENT_ID || undefined : undefined);
  if (v.token !== undefined || (clientId === undefined && v['private-key'] === undefined && env.OKTA_API_TOKEN)) {
    const token = v.token ?? env.OKTA_API_TOKEN!;
    if (token.trim() === '') throw new UsageError('the API token is empty', usage);
    if (!/^[\x21-\x7e]+$/.test(token.trim().replace(/^SSWS\s+/i, ''))) throw new UsageError('the API token has characters an API token cannot have (spaces, control characters or non-ASCII)', usage);
    auth = { type: 'ssws', token: token.trim().replace(/^SSWS\s+/i, '') };
    o.secret(auth.token);
  } else if (clientId !== undefined || v['private-key'] !== undefined) {
    if (clientId === undefined) throw new UsageError('--private-key needs --client-id (the service app\'s client id)', usage);
    let key = env.OKTA_PRIVATE_KEY || undefined;
    if (v['private-key'] !== undefined) {
      try {
        key = await readFile(v['private-key'], 'utf8');
      } catch (err) {
        throw new CommandError(`cannot read the private key ${v['private-key']}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
    if (key === undefined) throw new UsageError('--client-id needs --private-key FILE (or OKTA_PRIVATE_KEY)', usage);
    o.secret(key.trim());
    auth = { type: 'oauth', clientId, privateKey: key, keyId: v['key-id'] };
  } else {
    throw new UsageError('Okta credentials are required: --token (or OKTA_API_TOKEN), or --client-id and --private-key (an OAuth service app)', usage);
  }
  const timeoutMs = intOption(v.timeout, 'timeout', 30, 1, 300, usage) * 1000;
  return createOktaClient({ org, auth, timeoutMs, onProgress: o.progress, scopes });
}

/** Runs Okta calls and turns their failures into exit 1 with Okta's own words. */
export async function guarded(o: Output, run: () => Promise<number>, replaceWith = '--replace', listCommand = 'byot okta list'): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ActiveHookConflict) {
      o.err(`byot: ${err.message}.\n`);
      for (const h of err.active) o.err(`  ${h.id}  ${h.name ?? ''}  ${h.channel?.config?.uri ?? ''}\n`);
      o.err(`Nothing was changed. To switch Okta over, run again with ${replaceWith} (the active one is deactivated first),\nor deactivate it yourself: byot okta deactivate ID\n`);
      return 1;
    }
    if (err instanceof OktaApiError) {
      o.err(`byot: ${err.message}\n`);
      for (const c of err.errorCauses) o.err(`  - ${c}\n`);
      const hint = cliHint(err, listCommand);
      if (hint) o.err(`  ${hint}\n`);
      if (err.errorId) o.err(o.dim(`  (Okta errorId ${err.errorId})\n`));
      return 1;
    }
    if (err instanceof UsageError || err instanceof CommandError) throw err;
    // Anything else is still printed through the output, which blanks every credential it was given.
    o.err(`byot: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export function status(o: Output, hook: { status?: string }): string {
  const s = String(hook.status ?? '?');
  return s.toUpperCase() === 'ACTIVE' ? o.green(s) : o.yellow(s);
}

