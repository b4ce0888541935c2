import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ERROR_CODES, GatewayError } from '../core/errors.js';
import { configSchema, type RawConfig } from './schema.js';
import { providerKind, providerKindNames } from '../providers/registry.js';
import type { BaseProviderConfig } from '../providers/base.js';

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
  /** Where the configuration came from, for messages. */
  source: string;
  /** Every value `${VAR}` put into the configuration: treated as secret wherever it shows (src/admin/redact.ts). */
  environmentValues: string[];
}

type Env = Record<string, string | undefined>;
type Json = unknown;

export async function loadConfigFile(file: string, env: Env = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
  }
  return parseConfigText(text, env, file);
}

export function parseConfigText(text: string, env: Env = process.env, source = '(inline)'): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message })));
  }
  return buildConfig(doc.toJS() ?? {}, env, source);
}

/** The configuration of a run with no file: everything from the environment and defaults. */
export function configFromEnv(env: Env = process.env): Config {
  return buildConfig({}, env, '(environment)');
}

function buildConfig(doc: Json, env: Env, source: string): Config {
  const issues: ConfigIssue[] = [];
  if (!isObject(doc)) throw new ConfigError([{ path: '(root)', message: 'expected a mapping of settings' }]);
  const environmentValues = new Set<string>();
  const raw = interpolate(doc, env, [], issues, environmentValues) as Record<string, Json>;
  const { value: withDefaults, generateHookSecret } = applyEnvironmentDefaults(raw, env);
  if (issues.length > 0) throw new ConfigError(issues);

  const parsed = configSchema.safeParse(withDefaults);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, []));
  // Providers are checked by their kinds even when something else is wrong, so one run lists every problem.
  const providers = checkProviders(withDefaults.providers, issues);
  if (parsed.success) issues.push(...unknownProviders(parsed.data));
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  return { ...parsed.data, providers, generateHookSecret, source, environmentValues: [...environmentValues] };
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
    const kind = providerKind(kindName);
    if (!kind) {
      issues.push({ path: `providers.${name}.kind`, message: `unknown provider kind "${kindName}" (known: ${providerKindNames().join(', ')})` });
      continue;
    }
    const checked = kind.schema.safeParse(options);
    if (checked.success) providers[name] = checked.data;
    else issues.push(...zodIssues(checked.error, ['providers', name]));
  }
  return providers;
}

/**
 * The environment supplies what a file leaves out, so a bare `npm start` runs:
 * PORT, OKTA_HOOK_SECRET, OKTA_HOOK_HEADER, OKTA_EVENTS_SECRET, and the console provider.
 */
function applyEnvironmentDefaults(raw: Record<string, Json>, env: Env): { value: Record<string, Json>; generateHookSecret: boolean } {
  const value = { ...raw };
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
  return { value, generateHookSecret };
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` and `${VAR:-default}` in every string; a string that is only a placeholder keeps the value's YAML type. */
function interpolate(node: Json, env: Env, path: (string | number)[], issues: ConfigIssue[], used: Set<string>): Json {
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
      issues.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return '';
    });
    return whole ? scalar(replaced) : replaced;
  }
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, [...path, i], issues, used));
  if (isObject(node)) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v, env, [...path, k], issues, used)]));
  }
  return node;
}

/** A value that stood alone in the YAML keeps a number's or a boolean's type (`port: ${PORT}`); anything else stays text. */
function scalar(value: string): Json {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function zodIssues(error: z.ZodError, prefix: (string | number)[]): ConfigIssue[] {
  return error.issues.map((i) => ({
    path: formatPath([...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]),
    message: i.message,
  }));
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
