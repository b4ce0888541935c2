import type * as z from '../core/zod.js';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import { configSchema, type RawConfig } from './schema.js';
import { providerKindNames, providerOptions } from '../providers/options/index.js';
import type { BaseProviderConfig } from '../providers/base.js';
import { splitUnknownKeys } from '../core/unknown-keys.js';

export interface ConfigIssue {
  path: string;
  message: string;
}

/** Every problem found in a configuration, each named by its path. */
export class ConfigError extends GatewayError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(ERROR_CODES.CONFIG, `invalid configuration:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

export interface Config extends Omit<RawConfig, 'providers'> {
  /** Each provider's options, checked by its kind's own schema. */
  providers: Record<string, BaseProviderConfig>;
  /** True when no hook secret was configured anywhere: start-up generates one and keeps it. */
  generateHookSecret: boolean;
  /** True on the embedded defaults (no file) when BYOT_ADMIN_TOKEN is unset: start-up generates an admin token and keeps it. */
  generateAdminToken: boolean;
  /** Where the configuration came from, for messages. */
  source: string;
  /** Every value `${VAR}` put into the configuration: treated as secret wherever it shows (src/admin/redact.ts). */
  environmentValues: string[];
}

export type Env = Record<string, string | undefined>;
type Json = unknown;

// Zod compiles each object schema into a function on its first parse: a gain for a schema parsed a
// million times, a loss for the configuration, parsed once (it was half of `byot check-config`'s parse time).
const ONCE = { jitless: true } as const;

/**
 * What a command needs of the configuration. `sections`: only these top-level sections are read
 * (the others keep their defaults, unread), so `byot stats` does not need the hook secret. With
 * `unsetVariables: 'placeholder'`, an unset `${VAR}` becomes a placeholder text instead of an error,
 * for commands that never use the value (a provider's credentials in `byot explain`); it is still
 * reported where the placeholder is not a valid value.
 */
export interface LoadOptions {
  sections?: readonly (keyof RawConfig)[];
  unsetVariables?: 'error' | 'placeholder';
}

/** The configuration of a run with no file: everything from the environment and defaults. */
export function configFromEnv(env: Env = process.env): Config {
  return buildConfig({}, env, '(environment)', { embedded: true });
}

/** `doc`: the file's settings as parsed (config/file.ts), or nothing on the environment alone. */
export function buildConfig(doc: Json, env: Env, source: string, opts: LoadOptions & { embedded?: boolean }): Config {
  if (!isObject(doc)) throw new ConfigError([{ path: '(root)', message: 'expected a mapping of settings' }]);
  const unset = new Map<string, string>();
  const environmentValues = new Set<string>();
  const raw = interpolate(selectSections(doc, opts.sections), env, [], unset, opts.unsetVariables === 'placeholder', environmentValues) as Record<string, Json>;
  const { value: withDefaults, generateHookSecret, generateAdminToken } = applyEnvironmentDefaults(raw, env, opts.embedded === true);

  // Every problem in one pass: unset variables, then what the schemas find elsewhere. A problem at a
  // path whose variable is unset is that variable's, and is reported once, as the unset variable.
  const issues: ConfigIssue[] = opts.unsetVariables === 'placeholder'
    ? []
    : [...unset].map(([path, name]) => ({ path, message: `environment variable ${name} is not set` }));
  const found: ConfigIssue[] = [];
  const parsed = configSchema.safeParse(withDefaults, ONCE);
  if (!parsed.success) found.push(...zodIssues(parsed.error, []));
  // Providers are checked by their kinds even when something else is wrong, so one run lists every problem.
  const providers = checkProviders(withDefaults.providers, found);
  if (parsed.success) found.push(...unknownProviders(parsed.data));
  for (const issue of found) {
    const variable = [...unset].find(([path]) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`));
    if (!variable) issues.push(issue);
    else if (opts.unsetVariables === 'placeholder' && !issues.some((i) => i.path === variable[0])) {
      issues.push({ path: variable[0], message: `environment variable ${variable[1]} is not set` });
    }
  }
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  return { ...parsed.data, providers, generateHookSecret, generateAdminToken, source, environmentValues: [...environmentValues] };
}

/** The document with only `sections` kept; unknown top-level keys stay, so a typo there is still refused. */
function selectSections(doc: Record<string, Json>, sections: readonly string[] | undefined): Record<string, Json> {
  if (!sections) return doc;
  const known = Object.keys(configSchema.shape);
  return Object.fromEntries(Object.entries(doc).filter(([key]) => sections.includes(key) || !known.includes(key)));
}

/** Every provider name routing refers to must be configured. */
function unknownProviders(config: RawConfig): ConfigIssue[] {
  const refs: [string, string][] = [];
  config.routing.default?.forEach((name, i) => refs.push([`routing.default[${i}]`, name]));
  config.routing.rules.forEach((rule, r) => {
    rule.providers?.forEach((name, i) => refs.push([`routing.rules[${r}].providers[${i}]`, name]));
    Object.keys(rule.split ?? {}).forEach((name) => refs.push([`routing.rules[${r}].split.${name}`, name]));
    rule.fallback.forEach((name, i) => refs.push([`routing.rules[${r}].fallback[${i}]`, name]));
  });
  return refs.filter(([, name]) => !(name in config.providers)).map(([path, name]) => ({ path, message: `unknown provider "${name}"` }));
}

function checkProviders(raw: Json, issues: ConfigIssue[]): Record<string, BaseProviderConfig> {
  const providers: Record<string, BaseProviderConfig> = {};
  if (!isObject(raw)) return providers;
  for (const [name, options] of Object.entries(raw)) {
    const kindName = isObject(options) ? options.kind : undefined;
    if (typeof kindName !== 'string') continue; // the main schema reports it
    const kind = providerOptions(kindName);
    if (!kind) {
      issues.push({ path: `providers.${name}.kind`, message: `unknown provider kind "${kindName}" (known: ${providerKindNames().join(', ')})` });
      continue;
    }
    const checked = kind.schema.safeParse(options, ONCE);
    if (checked.success) providers[name] = checked.data;
    else issues.push(...zodIssues(checked.error, ['providers', name]));
  }
  return providers;
}

/**
 * The environment supplies what a file leaves out, so a bare `npm start` runs:
 * PORT, OKTA_HOOK_SECRET, OKTA_HOOK_HEADER, OKTA_EVENTS_SECRET, BYOT_ADMIN_TOKEN, and the console provider.
 */
function applyEnvironmentDefaults(raw: Record<string, Json>, env: Env, embedded: boolean): { value: Record<string, Json>; generateHookSecret: boolean; generateAdminToken: boolean } {
  const value = { ...raw };
  // The admin page is on from the first start: BYOT_ADMIN_TOKEN, else (no file at all) a generated token.
  const admin = isObject(value.admin) ? { ...value.admin } : {};
  if (admin.token === undefined && env.BYOT_ADMIN_TOKEN) admin.token = env.BYOT_ADMIN_TOKEN;
  const generateAdminToken = embedded && admin.token === undefined && admin.users === undefined;
  if (value.admin !== undefined || admin.token !== undefined) value.admin = admin;

  const server = isObject(value.server) ? { ...value.server } : {};
  if (server.port === undefined && env.PORT !== undefined && env.PORT !== '') server.port = Number(env.PORT);
  value.server = server;

  let generateHookSecret = false;
  if (value.auth === undefined) {
    const secret = env.OKTA_HOOK_SECRET;
    generateHookSecret = secret === undefined || secret === '';
    value.auth = {
      type: 'header',
      header: env.OKTA_HOOK_HEADER || 'Authorization',
      // A placeholder that passes validation; start-up replaces it with the generated secret.
      secrets: generateHookSecret ? ['(generated at start-up)'] : [secret],
    };
  }
  // The event hook's own secret (never the telephony hook's), when the file gives none.
  const events = isObject(value.oktaEvents) ? value.oktaEvents : {};
  if (events.secrets === undefined && env.OKTA_EVENTS_SECRET) value.oktaEvents = { ...events, secrets: [env.OKTA_EVENTS_SECRET] };
  if (value.providers === undefined) {
    value.providers = { console: { kind: 'console' } };
    // The console provider delivers nowhere, so a number no carrier would accept costs nothing;
    // this keeps Okta's own sample request (phone 9876543210) working on a fresh install.
    if (value.guard === undefined) value.guard = { numbers: { refuseInvalid: false } };
  }
  return { value, generateHookSecret, generateAdminToken };
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string; a string that is only a placeholder keeps
 * the value's YAML type. Unset variables are noted in `unset` (path → name); with `placeholder`, the
 * value becomes a text naming the variable, long enough to pass the usual length checks.
 */
function interpolate(node: Json, env: Env, path: (string | number)[], unset: Map<string, string>, placeholder: boolean, used: Set<string>): Json {
  if (typeof node === 'string') {
    let whole = false;
    const replaced = node.replace(PLACEHOLDER, (match, name: string, fallback: string | undefined) => {
      whole = match === node;
      const v = env[name];
      if (v !== undefined && v !== '') {
        used.add(v);
        return v;
      }
      if (fallback !== undefined) return fallback;
      unset.set(formatPath(path), name);
      return placeholder ? `(environment variable ${name} is not set)` : '';
    });
    return whole ? scalar(replaced) : replaced;
  }
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, [...path, i], unset, placeholder, used));
  if (isObject(node)) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v, env, [...path, k], unset, placeholder, used)]));
  }
  return node;
}

/** A value that stood alone in the YAML keeps a number's or a boolean's type (`port: ${PORT}`); anything else stays text. */
function scalar(value: string): Json {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function zodIssues(error: z.core.$ZodError, prefix: (string | number)[]): ConfigIssue[] {
  return error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // One line per unknown key, named by its own path: `auth.hedaer: unknown key — did you mean header?`
    const unknown = splitUnknownKeys(i);
    if (unknown) return unknown.map((u) => ({ path: formatPath([...path, u.key]), message: u.message }));
    return [{ path: formatPath(path), message: i.message }];
  });
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
