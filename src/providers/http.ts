// The one way adapters talk HTTP: undici with a keep-alive pool per provider, the attempt's
// AbortSignal, and every network failure turned into a classified ProviderError.
import type { Agent } from 'undici';
import type { ErrorCategory } from '../core/domain.js';
import { ProviderError } from './types.js';

export interface HttpCall {
  method?: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
}

// undici is loaded by the first request, so a command that only reads the configuration
// (check-config, explain, stats) never pays for it. Its default export: undici is CommonJS, and
// only `default` (its module.exports) is there both under Node's own loader and in the bundled CLI
// (scripts/build-cli.mjs), where a lazily imported CommonJS chunk has no named exports.
type Undici = (typeof import('undici'))['default'];
let undici: Promise<Undici> | undefined;
const loadUndici = (): Promise<Undici> => (undici ??= import('undici').then((m) => m.default));

/** A pooled connection set for one provider: connections stay warm between OTPs. */
export class ProviderPool {
  #agent?: Promise<Agent>;

  dispatcher(): Promise<Agent> {
    return (this.#agent ??= loadUndici().then(({ Agent }) => new Agent({
      connect: { timeout: 1_000 },
      // The attempt's signal is the real limit; these only stop a leak if a signal is ever missing.
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
      keepAliveTimeout: 30_000,
      connections: 32,
    })));
  }

  async close(): Promise<void> {
    if (this.#agent) await (await this.#agent).close();
  }
}

export function providerAgent(): ProviderPool {
  return new ProviderPool();
}

// Failures that happen before the request reaches the provider: safe to fail over, nothing was sent.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']);

export async function httpCall(pool: ProviderPool, call: HttpCall): Promise<HttpReply> {
  try {
    const [{ request }, agent] = await Promise.all([loadUndici(), pool.dispatcher()]);
    const res = await request(call.url, {
      method: call.method ?? 'POST',
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      dispatcher: agent,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: parseJson(text) };
  } catch (err) {
    throw networkError(err, call.signal);
  }
}

export function networkError(err: unknown, signal: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  if (signal.aborted) return new ProviderError('timeout', 'no answer within the attempt budget', { ambiguous: true, cause: err });
  const code = errorCode(err);
  if (code !== undefined && NOT_SENT.has(code)) return new ProviderError('unavailable', `cannot reach the provider (${code})`, { providerCode: code });
  // Reset or closed after the request went out: the provider may have accepted it.
  return new ProviderError('unavailable', `connection failed (${code ?? 'unknown'})`, { providerCode: code, ambiguous: true, cause: err });
}

/** The most specific error code in the cause chain (undici wraps the socket's own error). */
function errorCode(err: unknown): string | undefined {
  let generic: string | undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') continue;
    if (code !== 'UND_ERR_SOCKET') return code;
    generic = code;
  }
  return generic;
}

export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The category an HTTP status means when the body says nothing better (README "Providers" names the categories). */
export function categoryForStatus(status: number): ErrorCategory {
  if (status === 401 || status === 403 || status === 404) return 'auth';
  if (status === 402) return 'insufficient_funds';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'unavailable';
  return 'rejected';
}

/** A 2xx answer. */
export function isSuccess(reply: HttpReply): boolean {
  return reply.status >= 200 && reply.status < 300;
}

/**
 * An accepted answer without the id (`idName`, e.g. "an id"): the provider may well have accepted
 * the message, so failing over could send it twice. Unavailable, and ambiguous.
 */
export function replyWithoutId(reply: HttpReply, what: string, idName: string): ProviderError {
  return new ProviderError('unavailable', `${what}: HTTP ${reply.status} without ${idName}`, { providerCode: String(reply.status), ambiguous: true });
}

/** A failed reply as a ProviderError, with the provider's own code when it gave one. */
export function statusError(reply: HttpReply, category: ErrorCategory, providerCode: string | undefined, what: string): ProviderError {
  return new ProviderError(category, `${what}: HTTP ${reply.status}${providerCode ? ` (${providerCode})` : ''}`, { providerCode: providerCode ?? String(reply.status) });
}

/** `Basic` authorization header value. */
export function basicAuth(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}
