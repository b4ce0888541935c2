// A generic adapter for any HTTP gateway without a kind of its own: per channel, a request template
// (url, method, headers, body with {{placeholders}}) and where to read the id and the errors in the answer.
import * as z from '../core/zod.js';
import { defineKind } from './base.js';
import { categoryForStatus, httpCall, providerAgent, statusError, type ProviderPool } from './http.js';
import { formEncode, jsonEscape } from '../core/escape.js';
import { httpTemplateOptions, render, type Values } from './options/http-template.js';
import { tokenCallbackUrl, verifyPathToken } from './verify.js';
import {
  ProviderError,
  type CallbackRequest, type DeliveryReceipt, type OutboundMessage, type ProviderAdapter, type ReceiptStatus, type SendResult,
} from './types.js';

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

type HttpTemplateConfig = z.output<typeof httpTemplateOptions.schema>;
type ChannelConfig = NonNullable<HttpTemplateConfig['sms']>;
type ReceiptConfig = NonNullable<HttpTemplateConfig['receipt']>;

/**
 * Generic HTTP gateway. Receipts, when `receipt` is configured, arrive at
 * `{callbackUrl}/{callbackToken}` (the `{{callbackUrl}}` placeholder) and are read with the configured paths.
 */
export const httpTemplateProvider = defineKind(httpTemplateOptions, {
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
});

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
