import * as z from '../core/zod.js';
import { E164, E164_PATTERN, type Channel } from '../core/domain.js';
import { strictObject } from '../core/unknown-keys.js';
import type { ProviderAdapter, ProviderContext } from './types.js';

/** Options every provider kind accepts, whatever it talks to. */
export const baseProviderSchema = strictObject({
  kind: z.string(),
  /** Longest one attempt may take; the hook's remaining budget may cut it shorter. */
  timeoutMs: z._default(z.int().check(z.gte(50), z.lte(10_000)), 1_200),
  /** Restrict the provider to some channels (default: every channel the kind supports). */
  channels: z.optional(z.array(z.enum(['sms', 'voice'])).check(z.minLength(1))),
  /** Countries (ISO 3166-1 alpha-2) the provider may or may not be used for. */
  countries: z.optional(strictObject({
    allow: z.optional(z.array(z.string().check(z.regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code, e.g. US'))).check(z.minLength(1))),
    deny: z._default(z.array(z.string().check(z.regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code, e.g. US'))), []),
  })),
});
export type BaseProviderConfig = z.infer<typeof baseProviderSchema>;

/**
 * A string option holding an E.164 number; `message` is the issue when it does not match. With
 * `required`, a missing or non-string value gets the same message instead of zod's own.
 */
export function e164(message = 'expected E.164 number', { required = false } = {}): z.ZodMiniString {
  return (required ? z.string({ error: message }) : z.string()).check(z.regex(E164, message));
}

/** A sender pattern: the whole string is an E.164 number or matches one of `others` (written without anchors). */
export function e164Or(...others: RegExp[]): RegExp {
  return new RegExp(`^(${[E164_PATTERN, ...others.map((r) => r.source)].join('|')})$`);
}

/**
 * What configuration needs of one provider kind (twilio, console…): its name, its channels and how
 * its config is checked. Each kind's lives in options/<kind>.ts, apart from its adapter.
 */
export interface ProviderOptions<S extends z.ZodMiniType<BaseProviderConfig> = z.ZodMiniType<BaseProviderConfig>> {
  readonly kind: string;
  /** Channels the kind can deliver on. */
  readonly channels: readonly Channel[];
  readonly schema: S;
}

/**
 * A kind's options, its schema built on first use: validating a configuration builds the schemas of
 * the kinds it names, not of all ten (about 300 zod schemas, a quarter of `byot check-config`'s).
 */
export function defineOptions<S extends z.ZodMiniType<BaseProviderConfig>>(kind: string, channels: readonly Channel[], build: () => S): ProviderOptions<S> {
  let schema: S | undefined;
  return {
    kind,
    channels,
    get schema() {
      return (schema ??= build());
    },
  };
}

/** Kinds by their name: the one list of options/index.ts, and registry.ts's of their adapters. */
export function byKind<K extends ProviderOptions>(kinds: readonly K[]): ReadonlyMap<string, K> {
  return new Map(kinds.map((k) => [k.kind, k]));
}

/** One provider kind: its options, and how an adapter is built from a config they checked. */
export interface ProviderKind<S extends z.ZodMiniType<BaseProviderConfig> = z.ZodMiniType<BaseProviderConfig>> extends ProviderOptions<S> {
  create(name: string, config: z.output<S>, ctx: ProviderContext): ProviderAdapter;
}

/** A kind from its options and its adapter; the schema stays built on first use (defineOptions). */
export function defineKind<S extends z.ZodMiniType<BaseProviderConfig>>(options: ProviderOptions<S>, adapter: Pick<ProviderKind<S>, 'create'>): ProviderKind<S> {
  return {
    kind: options.kind,
    channels: options.channels,
    get schema() {
      return options.schema;
    },
    create: adapter.create,
  };
}

/** A secret path segment: the callback URL carries it because the provider signs nothing. */
export const callbackTokenSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{24,}$/, 'expected at least 24 URL-safe characters (letters, digits, _ or -)'));

/**
 * `feedback:` of the kinds whose provider takes conversion feedback: off unless asked for, since
 * some providers must enable it on the account first and the sends then carry a marker.
 */
export const feedbackOption = z._default(z.boolean({ error: 'expected true or false' }), false);

/** The channels feedback is given on: those the provider takes it for that the adapter serves; undefined when none or off. */
export function feedbackChannels(on: boolean, served: ReadonlySet<Channel>, takes: readonly Channel[]): ReadonlySet<Channel> | undefined {
  const channels = new Set(takes.filter((c) => served.has(c)));
  return on && channels.size > 0 ? channels : undefined;
}

/** The channels an adapter serves: the configured subset of what its kind supports. */
export function adapterChannels(kind: ProviderKind, config: BaseProviderConfig): ReadonlySet<Channel> {
  return new Set(config.channels ?? kind.channels);
}
