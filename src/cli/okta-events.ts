// `byot okta events …`: the Okta event hook that tells the gateway which codes were used
// (src/okta/events): register it with exactly the event types the gateway joins, have Okta verify
// it, and list, show, verify or delete it.
import { EVENT_HOOK_TYPES } from '../okta/events/event-types.js';
import {
  deleteEventHook, describeHookAuth, EVENT_HOOK_SCOPES, hookUriProblems, isActive, isVerified, registerEventHook,
  type EventHook, type OktaClient,
} from '../okta/management/index.js';
import { createOutput, headerOption, parseCommand, table, UsageError, type Output } from './common.js';
import { AUTH_HELP, clientFrom, COMMON_OPTIONS, guarded, status, type Common } from './okta-client.js';

/** Where the gateway answers the event hook by default (oktaEvents.path). */
const EVENTS_PATH = '/okta/events';
const LIST = 'byot okta events list';
const SCOPES_NOTE = `With --client-id, the service app needs the scopes ${EVENT_HOOK_SCOPES.join(' and ')}.`;

export const EVENTS_USAGE = `byot okta events — the event hook that tells the gateway which codes were used

Okta pushes System Log events to an event hook; the gateway joins them onto its hook calls
to learn which codes were typed (conversion, in byot stats and the admin page).

Usage:
  byot okta events register --org URL --url EVENTS_URL [--secret S] [--header H] [--activate]
  byot okta events list
  byot okta events show ID
  byot okta events verify ID
  byot okta events delete ID

${AUTH_HELP}
${SCOPES_NOTE}

Example:
  byot okta events register --org https://acme.okta.com --url https://byot.example.com/okta/events \\
    --secret "$OKTA_EVENTS_SECRET" --activate
`;

const REGISTER_USAGE = `byot okta events register — create the event hook and have Okta verify it

Usage:
  byot okta events register --org URL --url EVENTS_URL [options]

  --url EVENTS_URL   the gateway's public address of the event hook, https:// only,
                     e.g. https://byot.example.com${EVENTS_PATH} (oktaEvents.path)
  --name NAME        the hook's name in Okta (default "BYOT gateway events")
  --secret S         the secret Okta sends, as the gateway checks it (default $OKTA_EVENTS_SECRET:
                     oktaEvents.secrets; never the telephony hook's secret)
  --header H         the header it goes in (default Authorization, as oktaEvents.header)
  --activate         leave it ACTIVE, so Okta delivers events; without it, it is created,
                     verified and deactivated, to switch on later in the Admin Console

The hook subscribes to: ${EVENT_HOOK_TYPES.join(', ')}.
The gateway must be running at --url with the same secret: Okta verifies the hook by calling it.

${AUTH_HELP}
${SCOPES_NOTE}

Prints the new hook's id on stdout; the rest goes to stderr.
`;

const idUsage = (verb: string, what: string): string => `byot okta events ${verb} — ${what}

Usage:
  byot okta events ${verb} ID --org URL

${AUTH_HELP}
${SCOPES_NOTE}
`;

const LIST_USAGE = `byot okta events list — list the org's event hooks

Usage:
  byot okta events list --org URL [--json]

${AUTH_HELP}
${SCOPES_NOTE}
`;

export async function oktaEventsCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'register': return register(rest, env);
    case 'list': return list(rest, env);
    case 'show': return withId(rest, env, idUsage('show', 'show one event hook'), async (client, id, o, v) => {
      const hook = await client.getEventHook(id);
      o.out(v.json ? `${JSON.stringify(hook, null, 2)}\n` : describe(o, hook));
      return 0;
    });
    case 'verify': return withId(rest, env, idUsage('verify', 'have Okta verify an event hook again (it calls the gateway once)'), async (client, id, o, v) => {
      o.progress(`byot: asking Okta to verify ${id}…`);
      const hook = await client.verifyEventHook(id);
      o.out(v.json ? `${JSON.stringify(hook, null, 2)}\n` : `Verified "${hook.name ?? id}" (${id}): ${status(o, hook)}\n`);
      return 0;
    });
    case 'delete': return withId(rest, env, idUsage('delete', 'delete an event hook (deactivated first, as Okta requires)'), async (client, id, o, v) => {
      const hook = await deleteEventHook(client, id, o.progress);
      o.out(v.json ? `${JSON.stringify({ deleted: id }, null, 2)}\n` : `Deleted "${hook.name ?? id}" (${id}).\n`);
      return 0;
    });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(EVENTS_USAGE);
      return sub === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown okta events subcommand "${sub}"`, EVENTS_USAGE);
  }
}

async function register(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommand(args, {
    ...COMMON_OPTIONS, url: { type: 'string' }, name: { type: 'string' }, secret: { type: 'string' }, header: { type: 'string' }, activate: { type: 'boolean' },
  }, REGISTER_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  const o = createOutput({ quiet: v.quiet });
  if (v.url === undefined) throw new UsageError(`--url is required: the gateway's public https:// address of the event hook (…${EVENTS_PATH})`, REGISTER_USAGE);
  const problems = hookUriProblems(v.url);
  if (problems.length > 0) throw new UsageError(`--url cannot be used as an Okta event hook URL: ${problems.join('; ')}`, REGISTER_USAGE);
  const name = v.name ?? 'BYOT gateway events';
  if (name.trim() === '' || name.length > 255) throw new UsageError('--name must be 1 to 255 characters', REGISTER_USAGE);
  const secret = v.secret ?? (env.OKTA_EVENTS_SECRET || undefined);
  if (secret === undefined) throw new UsageError('--secret is required (or set OKTA_EVENTS_SECRET to the gateway\'s oktaEvents secret)', REGISTER_USAGE);
  if (secret.length < 12) throw new UsageError('--secret must be at least 12 characters (the gateway refuses shorter ones)', REGISTER_USAGE);
  if (env.OKTA_HOOK_SECRET && secret === env.OKTA_HOOK_SECRET) throw new UsageError('--secret must not be the telephony hook\'s secret: give the event hook its own', REGISTER_USAGE);
  const header = v.header ?? 'Authorization';
  headerOption(header, REGISTER_USAGE);
  o.secret(secret);
  let path = '';
  try {
    path = new URL(v.url).pathname;
  } catch { /* checked above */ }
  if (path !== EVENTS_PATH) o.err(o.yellow(`warning: the gateway answers the event hook at ${EVENTS_PATH} unless oktaEvents.path says otherwise; this URL's path is ${path || '/'}\n`));

  const client = await clientFrom(v, env, o, REGISTER_USAGE, EVENT_HOOK_SCOPES);
  return guarded(o, async () => {
    const result = await registerEventHook(client, { name, uri: v.url!, header, secret }, { activate: v.activate === true, progress: o.progress });
    const { hook, verifyError } = result;
    if (v.json) {
      o.out(`${JSON.stringify({ hook, verified: isVerified(hook), ...(verifyError ? { verifyError: verifyError.message } : {}) }, null, 2)}\n`);
    } else {
      o.out(`${hook.id}\n`);
      o.err(`Created event hook "${hook.name ?? name}" (${hook.id}): ${status(o, hook)}, ${isVerified(hook) ? o.green('VERIFIED') : o.yellow('UNVERIFIED')}\n`);
      o.err(`  url     ${hook.channel?.config?.uri ?? v.url}\n  auth    ${describeHookAuth(hook)}\n  events  ${(hook.events?.items ?? []).join(', ')}\n`);
    }
    if (verifyError) {
      o.err(`byot: Okta could not verify the hook: ${verifyError.message}\n`);
      for (const c of verifyError.errorCauses) o.err(`  - ${c}\n`);
      o.err(`  Is the gateway running at ${v.url} with oktaEvents.secrets set to the same secret? Then: byot okta events verify ${hook.id}\n`);
      return 1;
    }
    if (!v.json) {
      o.err(isActive(hook)
        ? 'Okta now delivers these events to the gateway (it can take a few minutes to start).\n'
        : 'It is inactive: activate it in the Admin Console (Workflow › Event Hooks) when ready.\n');
    }
    return 0;
  }, undefined, LIST);
}

async function list(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommand(args, COMMON_OPTIONS, LIST_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  const o = createOutput({ quiet: v.quiet });
  const client = await clientFrom(v, env, o, LIST_USAGE, EVENT_HOOK_SCOPES);
  return guarded(o, async () => {
    o.progress(`byot: listing event hooks in ${client.org}…`);
    const hooks = await client.listEventHooks();
    if (v.json) {
      o.out(`${JSON.stringify(hooks, null, 2)}\n`);
      return 0;
    }
    if (hooks.length === 0) {
      o.out('No event hooks. Create one with: byot okta events register --help\n');
      return 0;
    }
    o.out(table([['ID', 'STATUS', 'VERIFIED', 'NAME', 'EVENTS', 'URL'].map((h) => o.bold(h)), ...hooks.map((h) => [
      h.id, status(o, h), isVerified(h) ? o.green('yes') : o.yellow('no'), h.name ?? '', String(h.events?.items?.length ?? 0), h.channel?.config?.uri ?? '',
    ])]));
    return 0;
  }, undefined, LIST);
}

async function withId(
  args: string[], env: NodeJS.ProcessEnv, usage: string,
  run: (client: OktaClient, id: string, o: Output, v: Common) => Promise<number>,
): Promise<number> {
  const parsed = parseCommand(args, COMMON_OPTIONS, usage, true);
  if (!parsed) return 0;
  const v = parsed.values as Common;
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? `the event hook id is required (see ${LIST})` : 'give one event hook id', usage);
  const id = parsed.positionals[0]!;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`"${id}" is not an event hook id (e.g. who8vt36qfNpCGz9H1e6)`, usage);
  const o = createOutput({ quiet: v.quiet });
  const client = await clientFrom(v, env, o, usage, EVENT_HOOK_SCOPES);
  return guarded(o, () => run(client, id, o, v), undefined, LIST);
}

function describe(o: Output, h: EventHook): string {
  return table([
    [o.dim('id'), h.id],
    [o.dim('name'), h.name ?? ''],
    [o.dim('status'), status(o, h)],
    [o.dim('verified'), isVerified(h) ? o.green('VERIFIED') : o.yellow(h.verificationStatus ?? 'UNVERIFIED')],
    [o.dim('url'), h.channel?.config?.uri ?? ''],
    [o.dim('auth'), describeHookAuth(h)],
    [o.dim('events'), (h.events?.items ?? []).join(', ')],
    [o.dim('created'), h.created ?? ''],
    [o.dim('updated'), h.lastUpdated ?? ''],
  ]);
}
