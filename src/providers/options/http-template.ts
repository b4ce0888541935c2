import * as z from '../../core/zod.js';
import type { ErrorCategory } from '../../core/domain.js';
import { jsonEscape } from '../../core/escape.js';
import { strictObject } from '../../core/unknown-keys.js';
import { baseProviderSchema, callbackTokenSchema, defineOptions } from '../base.js';

const CATEGORIES = ['invalid_number', 'region_blocked', 'insufficient_funds', 'rate_limited', 'auth', 'unavailable', 'timeout', 'rejected'] as const satisfies readonly ErrorCategory[];

const PLACEHOLDERS = ['phone', 'phoneDigits', 'text', 'code', 'locale', 'reference', 'callbackUrl'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
export type Values = Record<Placeholder, string>;
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

// Sample values for checking templates at load time: quotes, a backslash and a leading zero catch
// JSON templates that forgot to quote a placeholder.
const SAMPLE: Values = {
  phone: '+15550100', phoneDigits: '15550100', text: 'Say "1\\2"', code: '012345', locale: 'en-US', reference: 'evt', callbackUrl: 'https://gw.example/cb',
};

export function render(template: string, values: Values, encode: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => encode(values[name as Placeholder]));
}

function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

function schema() {
  const category = z.enum(CATEGORIES, { error: `expected one of ${CATEGORIES.join(', ')}` });
  const channelSchema = strictObject({
    /** May hold placeholders (always URL-encoded), e.g. `https://gw.example/send?to={{phoneDigits}}`. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    method: z._default(z.enum(['POST', 'PUT', 'GET'], { error: 'expected POST, PUT or GET' }), 'POST'),
    headers: z._default(z.record(z.string(), z.string()), {}),
    /** How placeholder values are escaped in `body`: JSON string content, or URL-encoded form fields. */
    encoding: z._default(z.enum(['json', 'form'], { error: 'expected json or form' }), 'json'),
    body: z.optional(z.string()),
    /** Dot path to the message id in a JSON answer; without it the Okta eventId is the transaction id. */
    idPath: z.optional(z.string().check(z.minLength(1))),
    /** HTTP statuses that mean accepted (default: any 2xx). */
    successStatuses: z.optional(z.array(z.int().check(z.gte(100), z.lte(599))).check(z.minLength(1))),
    /** Category of a failed HTTP status, where the default mapping (401 auth, 429 rate_limited, …) is wrong for this gateway. */
    failureStatuses: z._default(z.record(z.string().check(z.regex(/^\d{3}$/, 'expected an HTTP status such as "403"')), category), {}),
    /** Dot path to an error code in the answer body; a value there (other than `okValues`) is a failure, even on 2xx. */
    errorPath: z.optional(z.string().check(z.minLength(1))),
    /** The gateway's error values → category; unlisted values are `rejected`. */
    errors: z._default(z.record(z.string(), category), {}),
    /** Values at `errorPath` that mean success (e.g. `"0"`). */
    okValues: z._default(z.array(z.string()), []),
  }).check(z.superRefine((c, ctx) => {
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
  }));
  const receiptSchema = strictObject({
    idPath: z.string().check(z.minLength(1, 'expected the dot path to the message id')),
    statusPath: z.string().check(z.minLength(1, 'expected the dot path to the status')),
    codePath: z.optional(z.string().check(z.minLength(1))),
    /** The gateway's status words; any other word is `sent`. Compared without regard to case. */
    delivered: z._default(z.array(z.string()), []),
    undelivered: z._default(z.array(z.string()), []),
    failed: z._default(z.array(z.string()), []),
  });
  return z.extend(baseProviderSchema, {
    kind: z.literal('http'),
    sms: z.optional(channelSchema),
    voice: z.optional(channelSchema),
    /** Secret last segment of the receipt URL (`{{callbackUrl}}` includes it). */
    callbackToken: z.optional(callbackTokenSchema),
    receipt: z.optional(receiptSchema),
  }).check(z.superRefine((c, ctx) => {
    if (c.sms === undefined && c.voice === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'expected an sms: or a voice: block' });
    for (const channel of c.channels ?? []) {
      if (c[channel] === undefined) ctx.addIssue({ code: 'custom', path: [channel], message: `expected a ${channel}: block, since channels lists ${channel}` });
    }
    if (c.receipt !== undefined && c.callbackToken === undefined) ctx.addIssue({ code: 'custom', path: ['callbackToken'], message: 'expected a callbackToken: receipts are only accepted on the secret URL' });
    if (c.callbackToken !== undefined && c.receipt === undefined) ctx.addIssue({ code: 'custom', path: ['receipt'], message: 'expected a receipt: mapping to read the callbacks callbackToken protects' });
  }));
}

export const httpTemplateOptions = defineOptions('http', ['sms', 'voice'], schema);
