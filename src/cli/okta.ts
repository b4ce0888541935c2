// `byot okta …`: sets the telephony inline hook up through Okta's Management API, so no one
// has to click through the Admin Console (register, list, activate, deactivate, delete, execute);
// `byot okta events …` does the same for the event hook (okta-events.ts).
import { CHANNELS, EXAMPLE_NUMBER, REQUEST_TYPES } from '../core/domain.js';
import {
  activateHook, deleteHook, describeHookAuth, hookUriProblems, isActive, registerTelephonyHook, TELEPHONY_HOOK_TYPE,
  type HookAuth, type InlineHook, type OktaClient,
} from '../okta/management/index.js';
import { buildTelephonyRequest, maskTelephonyRequest, readHookAnswer, type OktaRequestType } from '../okta/hook-request.js';
import { createOutput, headerOption, oneOf, parseCommand, table, UsageError, type Output } from './common.js';
import { HOOK_PATH } from '../http/paths.js';
import { describeAnswer } from './preview.js';
import { oktaEventsCommand } from './okta-events.js';
import { AUTH_HELP, clientFrom, COMMON_OPTIONS, guarded, status, type Common } from './okta-client.js';

export const OKTA_USAGE = `byot okta — manage the telephony inline hook through Okta's Management API

Usage:
  byot okta register --org URL --url HOOK_URL [--secret S] [--activate] [--replace] …
  byot okta list     [--all]
  byot okta show ID
  byot okta activate ID [--replace]
  byot okta deactivate ID
  byot okta delete ID
  byot okta execute ID [--phone NUMBER --channel sms|voice --type T]
  byot okta events register|list|show|verify|delete   the event hook that tells the gateway which codes were used

Run "byot okta SUBCOMMAND --help" for each one's options.

${AUTH_HELP}

Exit status: 0 done, 1 Okta refused or could not be reached, 2 misuse.

Examples:
  export OKTA_API_TOKEN=…            # Admin Console › Security › API › Tokens
  byot okta register --org https://acme.okta.com --url https://byot.example.com/okta/telephony \\
    --secret "$OKTA_HOOK_SECRET" --activate
  byot okta list --org https://acme.okta.com
  byot okta execute calz6lVQA77AwFeEe0g3 --org https://acme.okta.com --phone ${EXAMPLE_NUMBER}
`;

const REGISTER_USAGE = `byot okta register — create the telephony inline hook in Okta

Usage:
  byot okta register --org URL --url HOOK_URL [options]

The hook:
  --url HOOK_URL       the gateway's public address, https:// only, e.g. https://byot.example.com/okta/telephony
  --name NAME          the hook's name in Okta (default "BYOT gateway")
  --activate           leave it ACTIVE (Okta then sends every SMS and voice OTP to it); without it, the
                       new hook is deactivated at once so it can be tried with "byot okta execute" first
  --replace            deactivate the telephony hook that is active now (Okta allows one); it is
                       reactivated if the creation fails. Needs --activate.

How Okta authenticates to the gateway:
  --auth header        (default) a secret in a header, as the gateway's auth.type: header expects
    --header NAME      the header (default $OKTA_HOOK_HEADER, else Authorization)
    --secret S         the secret (default $OKTA_HOOK_SECRET: the value the gateway checks)
  --auth oauth         an OAuth 2.0 access token from a custom authorization server (auth.type: oauth)
    --hook-client-id ID   the client Okta gets tokens for
    --token-url URL       e.g. https://acme.okta.com/oauth2/default/v1/token
    --scope SCOPE         the custom scope the gateway requires
    --hook-key-id KID     private_key_jwt with this hook key (Workflow › Key Management), or
    --client-secret S     client_secret_post with this secret (default $OKTA_HOOK_CLIENT_SECRET)

${AUTH_HELP}

Prints the new hook's id on stdout; the rest goes to stderr.

Examples:
  byot okta register --org https://acme.okta.com --url https://byot.example.com/okta/telephony \\
    --header x-telephony-key --secret "$OKTA_HOOK_SECRET" --activate
  byot okta register --org https://acme.okta.com --url https://byot.example.com/okta/telephony \\
    --secret "$OKTA_HOOK_SECRET" --activate --replace
  byot okta register --org https://acme.okta.com --url https://byot.example.com/okta/telephony \\
    --auth oauth --hook-client-id 0oaj43vkrq7wKxZSI5e6 --token-url https://acme.okta.com/oauth2/default/v1/token \\
    --scope byot.hook --hook-key-id HKYj4ft1a3fjmwZg05e6 --client-id 0oa1serviceapp --private-key app.pem
`;

const LIST_USAGE = `byot okta list — list the org's telephony inline hooks

Usage:
  byot okta list --org URL [--all] [--json]

  --all   every inline hook, not only telephony ones

${AUTH_HELP}

Example:
  byot okta list --org https://acme.okta.com
`;

const ID_USAGE = (verb: string, what: string, extra = '', example = '') => `byot okta ${verb} — ${what}

Usage:
  byot okta ${verb} ID --org URL${extra ? ` ${extra}` : ''}

${AUTH_HELP}

Example:
  byot okta ${verb} calz6lVQA77AwFeEe0g3 --org https://acme.okta.com${example}
`;

const SHOW_USAGE = ID_USAGE('show', 'show one inline hook');
const ACTIVATE_USAGE = `${ID_USAGE('activate', 'activate an inline hook', '[--replace]', ' --replace').trimEnd()}

  --replace   deactivate the telephony hook that is active now first (Okta allows one)
`;
const DEACTIVATE_USAGE = ID_USAGE('deactivate', 'deactivate an inline hook (Okta then delivers OTPs with its own providers, if any)');
const DELETE_USAGE = ID_USAGE('delete', 'delete an inline hook (deactivated first, as Okta requires)');
const EXECUTE_USAGE = `byot okta execute — have Okta call the hook with a test request and show the answer

Okta sends the request to the hook's URL with the hook's authentication, exactly as in a
sign-in, so this checks the whole path: Okta → network → gateway → provider. A real SMS or
call goes out.

Usage:
  byot okta execute ID --org URL [--phone NUMBER] [--channel sms|voice] [--type T] [--locale L] [--login L] [--code C]

  --phone NUMBER  the number to deliver to (default +12025550123, a fictional number)
  --channel C     sms | voice (default sms)
  --type T        mfa-verification (default) | pre-enrollment | account-unlock | password-reset
  --locale L      as Okta sends it (default EN-US)
  --login L       the user's login (default test.user@example.com)
  --code C        the passcode (default a random 6-digit code)

${AUTH_HELP}

Example:
  byot okta execute calz6lVQA77AwFeEe0g3 --org https://acme.okta.com --phone ${EXAMPLE_NUMBER} --channel voice
`;

export async function oktaCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'register': return register(rest, env);
    case 'list': return list(rest, env);
    case 'show': return withId(rest, env, SHOW_USAGE, {}, async (client, id, o, v) => {
      const hook = await client.getInlineHook(id);
      o.out(v.json ? `${JSON.stringify(hook, null, 2)}\n` : describeHook(o, hook));
      return 0;
    });
    case 'activate': return withId(rest, env, ACTIVATE_USAGE, { replace: { type: 'boolean' } }, async (client, id, o, v) => {
      const result = await activateHook(client, id, { replace: v.replace === true, progress: o.progress });
      for (const h of result.deactivated) o.err(`Deactivated "${h.name ?? h.id}" (${h.id}).\n`);
      o.out(v.json ? `${JSON.stringify(result, null, 2)}\n` : `Activated "${result.hook.name ?? id}" (${id}): ${status(o, result.hook)}\n`);
      return 0;
    });
    case 'deactivate': return withId(rest, env, DEACTIVATE_USAGE, {}, async (client, id, o, v) => {
      const hook = await client.deactivateInlineHook(id);
      o.out(v.json ? `${JSON.stringify(hook, null, 2)}\n` : `Deactivated "${hook.name ?? id}" (${id}): ${status(o, hook)}\n`);
      if (hook.type === TELEPHONY_HOOK_TYPE) o.err('No telephony hook is active now unless another one is: Okta sends OTPs through its own providers, if the org has any.\n');
      return 0;
    });
    case 'delete': return withId(rest, env, DELETE_USAGE, {}, async (client, id, o, v) => {
      const hook = await deleteHook(client, id, o.progress);
      if (isActive(hook)) o.err(`"${hook.name ?? id}" was active; it was deactivated first.\n`);
      o.out(v.json ? `${JSON.stringify({ deleted: id }, null, 2)}\n` : `Deleted "${hook.name ?? id}" (${id}).\n`);
      return 0;
    });
    case 'execute': return execute(rest, env);
    case 'events': return oktaEventsCommand(rest, env);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(OKTA_USAGE);
      return sub === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown okta subcommand "${sub}"`, OKTA_USAGE);
  }
}

async function register(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommand(args, {
    ...COMMON_OPTIONS,
    url: { type: 'string' },
    name: { type: 'string' },
    auth: { type: 'string' },
    header: { type: 'string' },
    secret: { type: 'string' },
    'hook-client-id': { type: 'string' },
    'token-url': { type: 'string' },
    scope: { type: 'string' },
    'hook-key-id': { type: 'string' },
    'client-secret': { type: 'string' },
    activate: { type: 'boolean' },
    replace: { type: 'boolean' },
  }, REGISTER_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  const o = createOutput({ quiet: v.quiet });

  // Everything is checked before Okta is called.
  if (v.url === undefined) throw new UsageError('--url is required: the gateway\'s public https:// address', REGISTER_USAGE);
  const problems = hookUriProblems(v.url);
  if (problems.length > 0) throw new UsageError(`--url cannot be used as an Okta hook URL: ${problems.join('; ')}`, REGISTER_USAGE);
  if (v.replace && !v.activate) {
    throw new UsageError('--replace switches Okta to the new hook, so it needs --activate (without it Okta would be left with no active hook)', REGISTER_USAGE);
  }
  const name = v.name ?? 'BYOT gateway';
  if (name.trim() === '' || name.length > 255) throw new UsageError('--name must be 1 to 255 characters', REGISTER_USAGE);
  const authType = oneOf(v.auth, 'auth', ['header', 'oauth'] as const, REGISTER_USAGE) ?? 'header';
  let hookAuth: HookAuth;
  if (authType === 'header') {
    for (const flag of ['hook-client-id', 'token-url', 'scope', 'hook-key-id', 'client-secret'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} belongs to --auth oauth`, REGISTER_USAGE);
    }
    const secret = v.secret ?? (env.OKTA_HOOK_SECRET || undefined);
    if (secret === undefined) throw new UsageError('--secret is required with --auth header (or set OKTA_HOOK_SECRET to the gateway\'s secret)', REGISTER_USAGE);
    if (secret.length < 12) throw new UsageError('--secret must be at least 12 characters (the gateway refuses shorter ones)', REGISTER_USAGE);
    const header = v.header ?? (env.OKTA_HOOK_HEADER || 'Authorization');
    headerOption(header, REGISTER_USAGE);
    o.secret(secret);
    hookAuth = { type: 'header', header, secret };
  } else {
    if (v.secret !== undefined || v.header !== undefined) throw new UsageError('--secret and --header belong to --auth header', REGISTER_USAGE);
    const missing = (['hook-client-id', 'token-url', 'scope'] as const).filter((f) => v[f] === undefined);
    if (missing.length > 0) throw new UsageError(`--auth oauth needs ${missing.map((f) => `--${f}`).join(', ')}`, REGISTER_USAGE);
    const clientSecret = v['client-secret'] ?? (v['hook-key-id'] === undefined ? env.OKTA_HOOK_CLIENT_SECRET || undefined : undefined);
    if ((v['hook-key-id'] === undefined) === (clientSecret === undefined)) {
      throw new UsageError('--auth oauth needs exactly one of --hook-key-id (private_key_jwt) or --client-secret (client_secret_post)', REGISTER_USAGE);
    }
    if (!/^https:\/\/\S+$/.test(v['token-url']!)) throw new UsageError('--token-url must be an https:// URL', REGISTER_USAGE);
    const common = { type: 'oauth' as const, clientId: v['hook-client-id']!, tokenUrl: v['token-url']!, scope: v.scope! };
    o.secret(clientSecret);
    hookAuth = v['hook-key-id'] !== undefined
      ? { ...common, authType: 'private_key_jwt', hookKeyId: v['hook-key-id'] }
      : { ...common, authType: 'client_secret_post', clientSecret: clientSecret! };
  }
  let path = '';
  try {
    path = new URL(v.url).pathname;
  } catch { /* checked above */ }
  if (path !== HOOK_PATH) o.err(o.yellow(`warning: the gateway answers Okta at ${HOOK_PATH}; this URL's path is ${path || '/'}\n`));

  const client = await clientFrom(v, env, o, REGISTER_USAGE);
  return guarded(o, async () => {
    const result = await registerTelephonyHook(client, { name, uri: v.url!, auth: hookAuth }, {
      activate: v.activate === true, replace: v.replace === true, progress: o.progress,
    });
    const { hook } = result;
    if (v.json) {
      o.out(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    o.out(`${hook.id}\n`);
    for (const h of result.deactivated) o.err(`Deactivated the previous telephony hook "${h.name ?? h.id}" (${h.id}).\n`);
    o.err(`Created telephony hook "${hook.name ?? name}" (${hook.id}): ${status(o, hook)}\n`);
    o.err(`  url   ${hook.channel?.config?.uri ?? v.url}\n  auth  ${describeHookAuth(hook)}\n`);
    o.err(isActive(hook)
      ? 'Okta now sends every SMS and voice passcode to the gateway.\n'
      : `It is inactive: try it with "byot okta execute ${hook.id} --phone +…", then "byot okta activate ${hook.id}".\n`);
    return 0;
  }, '--activate --replace');
}

async function list(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommand(args, { ...COMMON_OPTIONS, all: { type: 'boolean' } }, LIST_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  const o = createOutput({ quiet: v.quiet });
  const client = await clientFrom(v, env, o, LIST_USAGE);
  return guarded(o, async () => {
    o.progress(`byot: listing inline hooks in ${client.org}…`);
    const hooks = await client.listInlineHooks(v.all ? undefined : TELEPHONY_HOOK_TYPE);
    if (v.json) {
      o.out(`${JSON.stringify(hooks, null, 2)}\n`);
      return 0;
    }
    if (hooks.length === 0) {
      o.out(v.all ? 'No inline hooks.\n' : 'No telephony inline hooks. Create one with: byot okta register --help\n');
      return 0;
    }
    const header = ['ID', 'STATUS', 'NAME', ...(v.all ? ['TYPE'] : []), 'AUTH', 'URL'].map((h) => o.bold(h));
    o.out(table([header, ...hooks.map((h) => [
      h.id, status(o, h), h.name ?? '', ...(v.all ? [h.type ?? ''] : []), describeHookAuth(h), h.channel?.config?.uri ?? '',
    ])]));
    return 0;
  });
}

async function withId(
  args: string[], env: NodeJS.ProcessEnv, usage: string, extra: Record<string, { type: 'boolean' | 'string' }>,
  run: (client: OktaClient, id: string, o: Output, v: Common & Record<string, unknown>) => Promise<number>,
): Promise<number> {
  const parsed = parseCommand(args, { ...COMMON_OPTIONS, ...extra }, usage, true);
  if (!parsed) return 0;
  const v = parsed.values as Common & Record<string, unknown>;
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? 'the hook id is required (see byot okta list)' : 'give one hook id', usage);
  const id = parsed.positionals[0]!;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`"${id}" is not an inline hook id (e.g. calz6lVQA77AwFeEe0g3)`, usage);
  const o = createOutput({ quiet: v.quiet });
  const client = await clientFrom(v, env, o, usage);
  return guarded(o, () => run(client, id, o, v));
}

async function execute(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return withId(args, env, EXECUTE_USAGE, {
    phone: { type: 'string' }, channel: { type: 'string' }, type: { type: 'string' },
    locale: { type: 'string' }, login: { type: 'string' }, code: { type: 'string' },
  }, async (client, id, o, v) => {
    const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
    const channel = oneOf(str('channel'), 'channel', CHANNELS, EXECUTE_USAGE) ?? 'sms';
    const requestType = oneOf(str('type')?.replace(/^com\.okta\.user\.telephony\./, ''), 'type', REQUEST_TYPES as readonly OktaRequestType[], EXECUTE_USAGE) ?? 'mfa-verification';
    const code = str('code');
    if (code !== undefined && !/^[0-9A-Za-z]{1,32}$/.test(code)) throw new UsageError('--code must be letters and digits', EXECUTE_USAGE);
    const request = buildTelephonyRequest({
      phone: str('phone') ?? '+12025550123', channel, requestType, locale: str('locale'), login: str('login'), code,
      // The Preview tab's context path, so the gateway logs the call as a test, as it does Okta's own Preview.
      org: client.org, hookId: id,
    });
    o.progress(`byot: asking Okta to call hook ${id} with a ${requestType} ${channel} request…`);
    const started = performance.now();
    const answer = await client.executeInlineHook(id, request);
    const ms = Math.round(performance.now() - started);
    if (v.json) {
      o.out(`${JSON.stringify({ request: maskTelephonyRequest(request), response: answer ?? null, httpStatus: 200, ms }, null, 2)}\n`);
    } else {
      o.out(table([[o.dim('hook'), id], [o.dim('request'), `${request.requestType} · ${request.data.messageProfile.deliveryChannel} · ${request.data.messageProfile.phoneNumber}`], [o.dim('answer'), `through Okta in ${ms} ms`]]));
      o.out('\n');
      o.out(describeAnswer(o, { status: 200, body: answer, ms }));
    }
    const a = readHookAnswer(answer);
    return a.kind === 'action' && (a.status === 'SUCCESSFUL' || a.status === 'PENDING') ? 0 : 1;
  });
}

function describeHook(o: Output, h: InlineHook): string {
  const c = h.channel?.config;
  return table([
    [o.dim('id'), h.id],
    [o.dim('name'), h.name ?? ''],
    [o.dim('status'), status(o, h)],
    [o.dim('type'), h.type ?? ''],
    [o.dim('url'), c?.uri ?? ''],
    [o.dim('auth'), describeHookAuth(h)],
    ...(c?.tokenUrl ? [[o.dim('token url'), c.tokenUrl]] : []),
    ...(c?.scope ? [[o.dim('scope'), c.scope]] : []),
    ...((c?.headers ?? []).length > 0 ? [[o.dim('headers'), (c!.headers ?? []).map((x) => x.key).join(', ')]] : []),
    [o.dim('created'), h.created ?? ''],
    [o.dim('updated'), h.lastUpdated ?? ''],
  ]);
}
