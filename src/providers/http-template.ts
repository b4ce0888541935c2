// A generic adapter for any HTTP gateway without a kind of its own: per channel, a request template
// (url, method, headers, body with {{placeholders}}) and where to read the id and the errors in the answer.
import * as z from 'zod';
import type { ErrorCategory } from '../core/domain.js';
import { strictObject } from '../core/unknown-keys.js';
import { baseProviderSchema, type ProviderKind } from './base.js';
import { categoryForStatus, httpCall, providerAgent, statusError, type ProviderPool } from './http.js';
import { callbackTokenSchema, tokenCallbackUrl, verifyPathToken } from './verify.js';
import {
  ProviderError,
  type CallbackRequest, type DeliveryReceipt, type OutboundMessage, type ProviderAdapter, type ReceiptStatus, type SendResult,
} from './types.js';

const CATEGORIES = ['invalid_number', 'region_blocked', 'insufficient_funds', 'rate_limited', 'auth', 'unavailable', 'timeout', 'rejected'] as const satisfies readonly ErrorCategory[];
const category = z.enum(CATEGORIES, { error: `expected one of ${CATEGORIES.join(', ')}` });

/** The value at a dot path (`data.id`, `messages.0.id`) as a string; undefined when absent, null, empty or not a scalar. */
export function stringAt(root: unknown, path: string): string | undefined {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'string') return node === '' ? undefined : node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  return undefined;
}

const PLACEHOLDERS = ['phone', 'phoneDigits', 'text', 'code', 'locale', 'reference', 'callbackUrl'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
type Values = Record<Placeholder, string>;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

// Sample values for checking templates at load time: quotes, a backslash and a leading zero catch
// JSON templates that forgot to quote a placeholder.
const SAMPLE: Values = {
  phone: '+15550100', phoneDigits: '15550100', text: 'Say "1\\2"', code: '012345', locale: 'en-US', reference: 'evt', callbackUrl: 'https://gw.example/cb',
};

function render(template: string, values: Values, encode: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => encode(values[name as Placeholder]));
}

/**
 * The URL with its placeholders URL-encoded. A path segment that a placeholder turns into `.` or
 * `..` (which URL parsing resolves, sending the request elsewhere: `/a/{{reference}}/send` with
 * `..` becomes `/send`) is refused; `%2e` is resolved the same way, so encoding cannot help.
 */
function renderUrl(template: string, values: Values, what: string): string {
  const cut = template.search(/[?#]/);
  const path = cut < 0 ? template : template.slice(0, cut);
  const rest = cut < 0 ? '' : template.slice(cut);
  const segments = path.split('/').map((segment) => {
    const out = render(segment, values, encodeURIComponent);
    if (out !== segment && /^(?:\.|%2e){1,2}$/i.test(out)) {
      throw new ProviderError('rejected', `${what}: a placeholder would make the URL path segment "${out}"`);
    }
    return out;
  });
  return segments.join('/') + render(rest, values, encodeURIComponent);
}

const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);
// application/x-www-form-urlencoded writes spaces as `+`.
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');

function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

const channelSchema = strictObject({
  /** May hold placeholders (always URL-encoded), e.g. `https://gw.example/send?to={{phoneDigits}}`. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  method: z.enum(['POST', 'PUT', 'GET'], { error: 'expected POST, PUT or GET' }).default('POST'),
  headers: z.record(z.string(), z.string()).default({}),
  /** How placeholder values are escaped in `body`: JSON string content, or URL-encoded form fields. */
  encoding: z.enum(['json', 'form'], { error: 'expected json or form' }).default('json'),
  body: z.string().optional(),
  /** Dot path to the message id in a JSON answer; without it the Okta eventId is the transaction id. */
  idPath: z.string().min(1).optional(),
  /** HTTP statuses that mean accepted (default: any 2xx). */
  successStatuses: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  /** Category of a failed HTTP status, where the default mapping (401 auth, 429 rate_limited, …) is wrong for this gateway. */
  failureStatuses: z.record(z.string().regex(/^\d{3}$/, 'expected an HTTP status such as "403"'), category).default({}),
  /** Dot path to an error code in the answer body; a value there (other than `okValues`) is a failure, even on 2xx. */
  errorPath: z.string().min(1).optional(),
  /** The gateway's error values → category; unlisted values are `rejected`. */
  errors: z.record(z.string(), category).default({}),
  /** Values at `errorPath` that mean success (e.g. `"0"`). */
  okValues: z.array(z.string()).default([]),
}).superRefine((c, ctx) => {
  let known = true;
  for (const [field, template] of [['url', c.url], ['body', c.body ?? '']] as const) {
    const unknown = unknownPlaceholders(template);
    if (unknown.length > 0) {
      known = false;
      ctx.addIssue({ code: 'custom', path: [field], message: `unknown placeholder {{${unknown[0]}}} (expected one of ${PLACEHOLDERS.join(', ')})` });
    }
  }
  if (c.method === 'GET' && c.body !== undefined) ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request has no body: put the placeholders in url' });
  if (c.method !== 'GET' && c.body === undefined) ctx.addIssue({ code: 'custom', path: ['body'], message: `expected a body template for ${c.method}` });
  if (known && c.body !== undefined && c.encoding === 'json') {
    try {
      JSON.parse(render(c.body, SAMPLE, jsonEscape));
    } catch {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'expected valid JSON once the placeholders are filled in (put every placeholder inside quotes, e.g. "{{code}}")' });
    }
  }
  if (c.errorPath === undefined && (Object.keys(c.errors).length > 0 || c.okValues.length > 0)) {
    ctx.addIssue({ code: 'custom', path: ['errorPath'], message: 'expected errorPath: errors and okValues are read there' });
  }
});
type ChannelConfig = z.output<typeof channelSchema>;

const receiptSchema = strictObject({
  idPath: z.string().min(1, 'expected the dot path to the message id'),
  statusPath: z.string().min(1, 'expected the dot path to the status'),
  codePath: z.string().min(1).optional(),
  /** The gateway's status words; any other word is `sent`. Compared without regard to case. */
  delivered: z.array(z.string()).default([]),
  undelivered: z.array(z.string()).default([]),
  failed: z.array(z.string()).default([]),
});
type ReceiptConfig = z.output<typeof receiptSchema>;

const schema = baseProviderSchema.extend({
  kind: z.literal('http'),
  sms: channelSchema.optional(),
  voice: channelSchema.optional(),
  /** Secret last segment of the receipt URL (`{{callbackUrl}}` includes it). */
  callbackToken: callbackTokenSchema.optional(),
  receipt: receiptSchema.optional(),
}).superRefine((c, ctx) => {
  if (c.sms === undefined && c.voice === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'expected an sms: or a voice: block' });
  for (const channel of c.channels ?? []) {
    if (c[channel] === undefined) ctx.addIssue({ code: 'custom', path: [channel], message: `expected a ${channel}: block, since channels lists ${channel}` });
  }
  if (c.receipt !== undefined && c.callbackToken === undefined) ctx.addIssue({ code: 'custom', path: ['callbackToken'], message: 'expected a callbackToken: receipts are only accepted on the secret URL' });
  if (c.callbackToken !== undefined && c.receipt === undefined) ctx.addIssue({ code: 'custom', path: ['receipt'], message: 'expected a receipt: mapping to read the callbacks callbackToken protects' });
});

/**
 * Generic HTTP gateway. Receipts, when `receipt` is configured, arrive at
 * `{callbackUrl}/{callbackToken}` (the `{{callbackUrl}}` placeholder) and are read with the configured paths.
 */
export const httpTemplateProvider: ProviderKind<typeof schema> = {
  kind: 'http',
  channels: ['sms', 'voice'],
  schema,
  create(name, config, ctx) {
    const agent = providerAgent();
    const callbackUrl = tokenCallbackUrl(ctx.callbackUrl, config.callbackToken);
    const channels = new Set((config.channels ?? httpTemplateProvider.channels).filter((c) => config[c] !== undefined));
    const adapter: ProviderAdapter = {
      name,
      kind: 'http',
      channels,
      timeoutMs: config.timeoutMs,
      async send(msg, signal) {
        const channel = config[msg.channel];
        if (channel === undefined) throw new ProviderError('rejected', `${name} has no ${msg.channel} template`);
        return sendWith(agent, `${name} ${msg.channel}`, channel, msg, callbackUrl, signal);
      },
      async close() {
        await agent.close();
      },
    };
    const { callbackToken, receipt } = config;
    if (callbackToken !== undefined && receipt !== undefined) {
      adapter.receipts = async (req) => {
        verifyPathToken(req.token, callbackToken);
        return readReceipt(receipt, req);
      };
    }
    return adapter;
  },
};

async function sendWith(agent: ProviderPool, what: string, channel: ChannelConfig, msg: OutboundMessage, callbackUrl: string | undefined, signal: AbortSignal): Promise<SendResult> {
  const values: Values = {
    phone: msg.to.e164, phoneDigits: msg.to.e164.slice(1), text: msg.text, code: msg.code,
    locale: msg.locale, reference: msg.reference, callbackUrl: callbackUrl ?? '',
  };
  const headers: Record<string, string> = { accept: 'application/json' };
  if (channel.body !== undefined) headers['content-type'] = channel.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  // Configured headers win, whatever their case.
  for (const [key, value] of Object.entries(channel.headers)) headers[key.toLowerCase()] = value;

  const reply = await httpCall(agent, {
    method: channel.method,
    url: renderUrl(channel.url, values, what),
    headers,
    body: channel.body === undefined ? undefined : render(channel.body, values, channel.encoding === 'json' ? jsonEscape : formEncode),
    signal,
  });
  const accepted = channel.successStatuses?.includes(reply.status) ?? (reply.status >= 200 && reply.status < 300);
  const found = channel.errorPath === undefined ? undefined : stringAt(reply.json, channel.errorPath);
  const errorValue = found !== undefined && !channel.okValues.includes(found) ? found : undefined;
  if (!accepted) {
    const byBody = errorValue === undefined ? undefined : channel.errors[errorValue];
    throw statusError(reply, byBody ?? channel.failureStatuses[String(reply.status)] ?? categoryForStatus(reply.status), errorValue, what);
  }
  if (errorValue !== undefined) {
    throw new ProviderError(channel.errors[errorValue] ?? 'rejected', `${what}: HTTP ${reply.status} with error ${errorValue}`, { providerCode: errorValue });
  }
  if (channel.idPath === undefined) return { transactionId: msg.reference, status: 'accepted' };
  const id = stringAt(reply.json, channel.idPath);
  // Accepted, but without an id we cannot tell Okta which message it was: fail over, flagged as possibly sent.
  if (id === undefined) throw new ProviderError('rejected', `${what}: HTTP ${reply.status} without an id at ${channel.idPath}`, { providerCode: String(reply.status), ambiguous: true });
  return { transactionId: id, status: 'accepted' };
}

function readReceipt(map: ReceiptConfig, req: CallbackRequest): DeliveryReceipt[] {
  const transactionId = stringAt(req.body, map.idPath);
  const providerStatus = stringAt(req.body, map.statusPath);
  if (transactionId === undefined || providerStatus === undefined) return [];
  const word = providerStatus.toLowerCase();
  const has = (list: string[]): boolean => list.some((w) => w.toLowerCase() === word);
  const status: ReceiptStatus = has(map.delivered) ? 'delivered' : has(map.undelivered) ? 'undelivered' : has(map.failed) ? 'failed' : 'sent';
  const providerCode = map.codePath === undefined ? undefined : stringAt(req.body, map.codePath);
  return [{ transactionId, status, providerStatus, providerCode, at: req.receivedAt }];
}
